"""Transcribe an audio file from the command line, exactly as the pipeline would store it."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import ChannelLayout
from calls.models import Call
from calls.recordings import default_layout_for
from calls.transcription_setup import transcription_options_for
from speech.audio import AudioRejected, probe_audio
from speech.transcription import transcribe_file
from tone import call_metrics


class Command(BaseCommand):
    help = (
        "Transcribe FILE with Whisper and print the segments the pipeline would store (speaker, start, end, "
        "text), with the call's options (--call) or your own (--hotword), and the turn metrics."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--call", type=int, default=None, help="use this call's options: its team's and campaign's hotwords, layout"
        )
        parser.add_argument("--language", default=None, help="Whisper language code (default: the setting, ko)")
        parser.add_argument("--channels", choices=["auto", "stereo", "mono"], default=None)
        parser.add_argument("--agent-channel", choices=["left", "right"], default=None)
        parser.add_argument("--hotword", action="append", default=[], help="a product or brand name (repeatable)")
        parser.add_argument("--json", action="store_true", help="print a JSON object")

    def handle(self, *args, file, call, language, channels, agent_channel, hotword, **options):
        call_obj = None
        if call is not None:
            call_obj = Call.objects.select_related("team", "campaign").filter(pk=call).first()
            if call_obj is None:
                raise CommandError(f"No call #{call}.")
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
        opts = transcription_options_for(call_obj, language=language)
        if hotword:
            opts = type(opts)(**{**opts.__dict__, "hotwords": tuple(dict.fromkeys((*opts.hotwords, *hotword)))})
        # The same layout rules as an upload to this call (recordings.default_layout_for, pipeline).
        layout = default_layout_for(call_obj) if call_obj else ChannelLayout.AGENT_LEFT
        channels = channels or ("mono" if layout == ChannelLayout.MONO else "auto")
        agent_channel = agent_channel or ("right" if layout == ChannelLayout.AGENT_RIGHT else "left")
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
        stereo = any(r["speaker"] != "unknown" for r in rows)
        metrics = call_metrics(rows, stereo=stereo, dead_air_threshold=settings.DEAD_AIR_SECONDS)
        summary = {
            "hotwords": list(opts.hotwords),
            "segments": len(rows),
            "longest_segment_seconds": round(max((r["end"] - r["start"] for r in rows), default=0.0), 2),
            "overtalk_seconds": (metrics["overtalk"] or {}).get("seconds"),
            "longest_agent_monologue_seconds": metrics["longest_agent_monologue_seconds"],
            "talk_listen_ratio": metrics["talk_listen_ratio"],
            "dead_air_total_seconds": metrics["dead_air_total_seconds"],
        }
        if options["json"]:
            self.stdout.write(json.dumps({"segments": rows, "summary": summary}, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(f"[{row['start']:7.2f} – {row['end']:7.2f}] {row['speaker']:<8} {row['text']}")
        self.stdout.write("  ".join(f"{key}: {value}" for key, value in summary.items()))
