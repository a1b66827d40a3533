"""What a user sees when something is refused or missing, with DEBUG off (as bin/run now serves):
the app's own Korean pages, never Django's debug page; the favicon and the Korean web font are
served (every page asked for /favicon.ico and got a 404; machines without a Korean font showed boxes)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import path, reverse

ROOT = Path(__file__).resolve().parents[2]


def _boom(request):
    raise RuntimeError("kaboom")


urlpatterns = [path("boom/", _boom)]


def test_error_pages_run_with_debug_off():
    assert settings.DEBUG is False


def test_404_renders_the_friendly_korean_template(client, world):
    client.force_login(world.agent_a)
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "errors/error.html"]
    page = response.content.decode()
    assert "페이지를 찾을 수 없습니다" in page and 'class="card error-page"' in page and "Traceback" not in page


def test_403_renders_the_friendly_template_with_the_reason(client, world):
    client.force_login(world.trainer_a)  # a trainer may not log calls
    response = client.get(reverse("calls:quick_log"), HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert "이 작업을 할 권한이 없습니다" in response.content.decode()


def test_404_of_an_object_outside_your_scope_is_the_same_page(client, world):
    client.force_login(world.agent_a2)
    response = client.get(reverse("calls:detail", args=[world.call_b.pk]))
    assert response.status_code == 404 and "404.html" in [t.name for t in response.templates]


@override_settings(ROOT_URLCONF=__name__)
def test_500_renders_the_standalone_template_without_context(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "일시적인 오류" in page and "Something went wrong" in page and "kaboom" not in page


def test_500_template_needs_no_context():
    from django.template import Context, Engine, loader

    template = loader.get_template("500.html")
    assert "500" in template.template.render(Context())
    assert "{%" not in (ROOT / "templates/500.html").read_text()  # no tags that could fail in a crash
    assert Engine.get_default()


@pytest.mark.parametrize("name", ["400.html", "403.html", "404.html", "403_csrf.html"])
def test_every_error_template_exists_and_extends_the_app_look(name):
    text = (ROOT / "templates" / name).read_text()
    assert '{% extends "errors/error.html" %}' in text


def test_csrf_failure_shows_the_friendly_page(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.agent_a)
    response = client.post(reverse("calls:quick_log"), {"direction": "inbound"})
    assert response.status_code == 403 and "error-page" in response.content.decode()


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    target = response["Location"]
    assert target.endswith(".ico") and finders.find("favicon.ico")
    assert (ROOT / "static/favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_favicon_and_font_are_linked_from_every_page(client):
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page and "css/fonts.css" in page


def _covers(unicode_range: str, codepoint: int) -> bool:
    for part in (p.strip()[2:] for p in unicode_range.split(",")):
        lo, _, hi = part.partition("-")
        if int(lo, 16) <= codepoint <= int(hi or lo, 16):
            return True
    return False


@override_settings(WHITENOISE_USE_FINDERS=True)  # as after collectstatic, without writing staticfiles/
def test_korean_font_files_are_served_with_their_licence():
    from django.test import Client

    client = Client()  # a new client: WhiteNoise reads its settings when the middleware is built
    css = (ROOT / "static/css/fonts.css").read_text()
    rules = re.findall(r"font-weight:(\d+);src:url\(\.\./fonts/([^)]+\.woff2)\)[^;]*;unicode-range:([^}]+)}", css)
    assert len(rules) > 50 and {weight for weight, _name, _range in rules} == {"400", "700"}
    assert "http" not in css.split("*/", 1)[1]  # self-hosted: no URL leaves the app
    for _weight, name, _range in rules:
        assert finders.find(f"fonts/{name}"), name
    assert "SIL Open Font License" in (ROOT / "static/fonts/noto-sans-kr/LICENSE").read_text()
    # 가 (U+AC00) and 통 (U+D1B5) are covered in both weights, and a subset comes back as woff2.
    for char in "가통":
        assert {w for w, _n, r in rules if _covers(r, ord(char))} == {"400", "700"}
    hangul = next(name for _w, name, r in rules if _covers(r, ord("통")))
    assert client.get("/static/css/fonts.css").status_code == 200
    response = client.get(f"/static/fonts/{hangul}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"wOF2"


def test_the_app_font_stack_starts_with_the_shipped_font():
    css = (ROOT / "static/css/app.css").read_text()
    stack = re.search(r"font-family:\s*([^;]+);", css).group(1)
    assert stack.startswith('"Noto Sans KR Web"') and stack.rstrip().endswith("sans-serif")
