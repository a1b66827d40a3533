#!/usr/bin/env python3
"""Rebuild the self-hosted Korean web font (static/fonts/noto-sans-kr/, static/css/fonts.css).

    python3 bin/fonts_update.py            # npm pack @fontsource/noto-sans-kr into a temp dir, then copy

Keeps weights 400 and 700 and only the unicode-range subsets that hold Hangul, Latin or
punctuation (the Hanja-only subsets would double the size for characters a call centre rarely
shows; Hanja falls back to system fonts). The package's LICENSE (SIL OFL 1.1) is copied beside.
"""

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "@fontsource/noto-sans-kr@5.3.0"
FAMILY = "Noto Sans KR Web"
WEIGHTS = (400, 700)
DEST = ROOT / "static" / "fonts" / "noto-sans-kr"
CSS = ROOT / "static" / "css" / "fonts.css"
WANTED = [(0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F), (0x20, 0x7E), (0x2000, 0x206F), (0x3000, 0x303F),
          (0xFF00, 0xFFEF)]  # fmt: skip

HEADER = """/* Noto Sans KR (SIL Open Font License 1.1: static/fonts/noto-sans-kr/LICENSE), self-hosted: no CDN.
   From the npm package @fontsource/noto-sans-kr 5.3.0, weights 400 and 700, as woff2 subsets by
   unicode-range, so a browser fetches only the subsets a page uses. Kept: the subsets with Hangul,
   Latin and punctuation; the Hanja-only subsets are left out (Hanja falls back to system fonts).
   Regenerate with bin/fonts_update.py. */
"""


def _ranges(text: str) -> list[tuple[int, int]]:
    out = []
    for part in (p.strip()[2:] for p in text.split(",")):
        if "-" in part:
            lo, hi = part.split("-")
            out.append((int(lo, 16), int(hi, 16)))
        elif "?" in part:
            out.append((int(part.replace("?", "0"), 16), int(part.replace("?", "f"), 16)))
        else:
            out.append((int(part, 16), int(part, 16)))
    return out


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", tmp], check=True, capture_output=True)
        [archive] = Path(tmp).glob("*.tgz")
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        shutil.rmtree(DEST, ignore_errors=True)
        DEST.mkdir(parents=True)
        rules = []
        for weight in WEIGHTS:
            css = (package / f"{weight}.css").read_text()
            for block in re.findall(r"@font-face\s*{(.*?)}", css, re.S):
                name = re.search(r"url\(\./files/([^)]+\.woff2)\)", block).group(1)
                unicode_range = re.search(r"unicode-range:\s*([^;]+);", block).group(1).strip()
                ranges = _ranges(unicode_range)
                if not any(a <= hi and b >= lo for a, b in ranges for lo, hi in WANTED):
                    continue
                shutil.copy(package / "files" / name, DEST / name)
                rules.append(
                    f'@font-face{{font-family:"{FAMILY}";font-style:normal;font-display:swap;font-weight:{weight};'
                    f'src:url(../fonts/noto-sans-kr/{name}) format("woff2");unicode-range:{unicode_range}}}'
                )
        shutil.copy(package / "LICENSE", DEST / "LICENSE")
    CSS.write_text(HEADER + "\n".join(rules) + "\n")
    print(f"{len(rules)} subsets, {sum(p.stat().st_size for p in DEST.glob('*.woff2')) // 1024} KB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
