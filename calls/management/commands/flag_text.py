"""Flag text from stdin with the current rulebook: the analyser the pipeline uses, on plain lines.

echo '{"id": 1, "speaker": "agent", "text": "그건 제 담당이 아닌데요"}' | manage.py flag_text
manage.py flag_text --speaker agent < lines.txt
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from calls.rulebook import get_analyzer

SPEAKERS = ("agent", "customer", "unknown")
BATCH = 256


class Command(BaseCommand):
    help = "Read JSON lines {id, speaker, text} (or plain lines with --speaker) and print one JSON line of flags each."

    def add_arguments(self, parser):
        parser.add_argument("--speaker", choices=SPEAKERS, help="read plain text lines spoken by this speaker")

    def handle(self, *args, speaker: str | None, **options):
        _key, analyzer = get_analyzer()
        batch: list[tuple[object, str, str]] = []
        for number, line in enumerate(sys.stdin, start=1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            batch.append(self._parse(line, number, speaker))
            if len(batch) >= BATCH:
                self._flush(analyzer, batch)
        self._flush(analyzer, batch)

    def _parse(self, line: str, number: int, speaker: str | None) -> tuple[object, str, str]:
        if speaker:
            return number, speaker, line
        try:
            item = json.loads(line)
            text, who = item["text"], item.get("speaker", "agent")
        except (ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"line {number}: expected a JSON object with 'text' (or use --speaker): {exc}") from exc
        if who not in SPEAKERS or not isinstance(text, str):
            raise CommandError(f"line {number}: speaker must be one of {', '.join(SPEAKERS)} and text a string")
        return item.get("id", number), who, text

    def _flush(self, analyzer, batch: list) -> None:
        results = analyzer.analyze_many((text, who) for _id, who, text in batch)
        for (item_id, _who, _text), hits in zip(batch, results, strict=True):
            self.stdout.write(json.dumps({"id": item_id, "flags": [hit.to_dict() for hit in hits]}, ensure_ascii=False))
        batch.clear()
