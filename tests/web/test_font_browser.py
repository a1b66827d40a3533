"""In a Chromium that has no Korean system font at all (a fontconfig with only DejaVu), Korean
text is drawn with the shipped web font, not as boxes."""

import os
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _fontconfig_without_korean(tmp_path: Path) -> Path:
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{DEJAVU}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    return config


def test_korean_renders_with_the_shipped_font_where_the_system_has_none(live_server, tmp_path):
    if not DEJAVU.is_dir():
        pytest.skip("no DejaVu fonts to build a Korean-less fontconfig from")
    env = {"FONTCONFIG_FILE": str(_fontconfig_without_korean(tmp_path)), "HOME": str(tmp_path)}
    with chromium(env=env) as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="ko-KR")
        page.goto(live_server.url + "/login/")
        page.wait_for_function("document.fonts.status === 'loaded'")
        page.evaluate("document.fonts.load('16px \"Noto Sans KR Web\"', '로그인')")
        page.wait_for_function("document.fonts.check('16px \"Noto Sans KR Web\"', '로그인')")
        loaded = page.evaluate(
            "[...document.fonts].filter(f => f.family.includes('Noto Sans KR Web') && f.status === 'loaded').length"
        )
        assert loaded >= 1
        # Drawn with the web font, Hangul has the web font's widths; without it, DejaVu has no
        # Hangul and draws the same box (.notdef) for every syllable.
        page.evaluate("document.fonts.load('32px \"Noto Sans KR Web\"', '가통')")
        page.wait_for_function("document.fonts.check('32px \"Noto Sans KR Web\"', '가통')")
        widths = page.evaluate(
            """() => { const c = document.createElement('canvas').getContext('2d');
                 const w = (font, ch) => { c.font = font; return c.measureText(ch).width; };
                 return [w('32px "Noto Sans KR Web"', '가'), w('32px "DejaVu Sans"', '가')]; }"""
        )
        web_hangul, system_hangul = widths[:2]
        assert web_hangul > 25 and web_hangul != system_hangul, widths
        # The page's own text uses the stack that starts with the shipped font.
        family = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert family.startswith('"Noto Sans KR Web"')
        page.screenshot(path=str(ARTIFACTS / "login-without-korean-system-font.png"))
    assert os.environ.get("FONTCONFIG_FILE") != env["FONTCONFIG_FILE"]  # only the browser saw it
