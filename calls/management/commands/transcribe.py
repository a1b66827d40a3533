"""Transcribe an audio file from the command line, through the pipeline's own code path."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from calls.transcription_setup import transcription_options_for
from speech.audio import AudioRejected, probe_audio
from speech.transcription import transcribe_file


class Command(BaseCommand):
    help = "Transcribe FILE with Whisper and print its segments (speaker, start, end, text)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--language", default=None, help="Whisper language code (default: the setting, ko)")
        parser.add_argument("--channels", choices=["auto", "stereo", "mono"], default="auto")
        parser.add_argument("--agent-channel", choices=["left", "right"], default="left")
        parser.add_argument("--hotword", action="append", default=[], help="a product or brand name (repeatable)")
        parser.add_argument("--json", action="store_true", help="print a JSON array")

    def handle(self, *args, file, language, channels, agent_channel, hotword, **options):
        try:
            probe_audio(
                file,
                max_bytes=settings.RECORDING_MAX_BYTES,
                max_duration_s=settings.RECORDING_MAX_SECONDS,
                max_decoded_bytes=settings.RECORDING_MAX_DECODED_BYTES,
            )
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {file}") from exc
        except AudioRejected as exc:
            raise CommandError(exc.message) from exc
        opts = transcription_options_for(language=language)
        if hotword:
            opts = type(opts)(**{**opts.__dict__, "hotwords": tuple(hotword)})
        segments = transcribe_file(
            file,
            channels=channels,
            agent_channel=agent_channel,
            options=opts,
            max_duration_s=settings.RECORDING_MAX_SECONDS,
        )
        rows = [
            {"speaker": s.speaker, "start": round(s.start, 2), "end": round(s.end, 2), "text": s.text.strip()}
            for s in segments
        ]
        if options["json"]:
            self.stdout.write(_dumps(rows))
        else:
            for row in rows:
                self.stdout.write(f"[{row['start']:7.2f} – {row['end']:7.2f}] {row['speaker']:<8} {row['text']}")


def _dumps(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)
