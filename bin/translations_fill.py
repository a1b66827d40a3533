#!/usr/bin/env python3
"""Fill the Korean catalogue from locale/src/ko*.json, the one place translations are written.

ko.json holds the app's strings; a feature may keep its own ko_<feature>.json beside it (read in
name order; a msgid in two files must have the same translation).

    DJANGO_DEBUG=1 .venv/bin/python manage.py makemessages -l ko -l en --ignore=.venv --ignore=tests \
        --ignore=bench --ignore=var
    python3 bin/translations_fill.py          # prints the msgids that still need a translation
    (cd locale && DJANGO_DEBUG=1 ../.venv/bin/python ../manage.py compilemessages)

Every msgstr is set from the JSON (makemessages' fuzzy guesses are dropped, never shipped).
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"
SOURCES = ROOT / "locale" / "src"


def main() -> int:
    translations: dict[str, str] = {}
    for source in sorted(SOURCES.glob("ko*.json")):
        for msgid, value in json.loads(source.read_text(encoding="utf-8")).items():
            if translations.get(msgid, value) != value:
                print(f"{source.name}: {msgid!r} translated twice, differently", file=sys.stderr)
                return 1
            translations[msgid] = value
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    out, missing = [], []
    for block in blocks:
        lines = block.split("\n")
        starts = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        if not starts:
            out.append(block)
            continue
        i = starts[0]
        parts = [lines[i][6:]]
        j = i + 1
        while j < len(lines) and lines[j].startswith('"'):
            parts.append(lines[j])
            j += 1
        msgid = "".join(json.loads(part) for part in parts)
        if not msgid:  # the header
            out.append(re.sub(r'"Plural-Forms: [^"]*"', r'"Plural-Forms: nplurals=1; plural=0;\\n"', block))
            continue
        lines = [line for line in lines if line != "#, fuzzy" and not line.startswith("#| ")]
        lines = [line.replace("#, fuzzy, ", "#, ") for line in lines]
        head = lines[: next(n for n, line in enumerate(lines) if line.startswith("msgstr"))]
        value = translations.get(msgid, "")
        if not value:
            missing.append(msgid)
        key = "msgstr[0] " if any(line.startswith("msgid_plural") for line in head) else "msgstr "
        out.append("\n".join([*head, key + json.dumps(value, ensure_ascii=False)]))
    PO.write_text("\n\n".join(out), encoding="utf-8")
    print(json.dumps(missing, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
