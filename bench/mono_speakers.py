"""Speakers on mono calls, offline: Whisper once per call, attribution measured as often as you like.

    .venv/bin/python bench/mono_speakers.py [--minutes 2] [--only NAME ...] [--check]

Builds several two-voice espeak-ng conversations (different voices, variants, speeds, pitches and
pauses between turns) as mono mix-downs with their true turns, transcribes each ONCE the way the
pipeline does (``speech.transcription.transcribe_audio``, bundled Whisper base, the bench's
hotwords) and caches the segments (with word timestamps) and the decoded audio under
``var/mono/``. Then ``speech.speakers.attribute_speakers`` runs on the cached segments and the
share of all true speech time given to the right speaker is printed per call (the figure
``bench/transcription.py`` prints for its mono mix-down), with the confidence.

The conversation named ``check`` is held out: it is measured only with ``--check``, so changes are
not tuned to it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.calls.audio_fixtures import CONVERSATION_HOTWORDS, VOICE_PAIRS, VOICES, Turn, build_conversation  # noqa: E402

MONO_DIR = REPO / "var" / "mono"
SR = 16_000

# name -> (voices, gaps between turns). "base" is bench/transcription.py's call.
CONVERSATIONS: dict[str, tuple[dict[str, tuple[str, ...]], tuple[float, ...]]] = {
    "base": (VOICES, (0.9, 1.3, 1.0, 1.6)),
    **VOICE_PAIRS,
    # Held out: measured only at the end.
    "check": (
        {
            "agent": ("-v", "ko+m7", "-s", "145", "-g", "5", "-p", "35"),
            "customer": ("-v", "ko+m5", "-s", "135", "-g", "5", "-p", "65"),
        },
        (0.4, 1.0, 0.6, 1.4),
    ),
}


def prepare(name: str, minutes: float) -> tuple[np.ndarray, list, list[Turn]]:
    """The call's 16 kHz mono audio, its transcribed segments and its true turns (cached)."""
    from speech.audio import decode_channels
    from speech.transcription import Segment

    MONO_DIR.mkdir(parents=True, exist_ok=True)
    stem = MONO_DIR / f"{name}-{minutes:g}min"
    wav, audio_npy, cached = stem.with_suffix(".wav"), stem.with_suffix(".npy"), stem.with_suffix(".json")
    if not cached.exists():
        voices, gaps = CONVERSATIONS[name]
        turns = build_conversation(wav, layout="mono", min_seconds=minutes * 60, voices=voices, gaps=gaps)
        (audio,) = decode_channels(wav, sample_rate=SR)
        np.save(audio_npy, audio)
        segments = _transcribe(audio)
        cached.write_text(
            json.dumps(
                {"turns": [asdict(t) for t in turns], "segments": [s.to_dict() for s in segments]},
                ensure_ascii=False,
            )
        )
    data = json.loads(cached.read_text())
    return (
        np.load(audio_npy),
        [Segment(**s) for s in data["segments"]],
        [Turn(**t) for t in data["turns"]],
    )


_ENGINE = None


def _transcribe(audio: np.ndarray) -> list:
    global _ENGINE
    from speech.transcription import TranscriptionOptions, WhisperEngine, transcribe_audio

    options = TranscriptionOptions(
        model_dir=str(REPO / "var" / "models" / "whisper-base"), hotwords=CONVERSATION_HOTWORDS, cpu_threads=2
    )
    if _ENGINE is None:
        _ENGINE = WhisperEngine(options.model_dir, compute_type=options.compute_type, cpu_threads=2)
    return transcribe_audio([audio], layout="mono", options=options, engine=_ENGINE)


def right_share(segments, turns: list[Turn]) -> float:
    """Share of all true speech time covered by a segment given to the right speaker."""
    right = sum(
        min(s.end, t.end) - max(s.start, t.start)
        for s in segments
        for t in turns
        if s.speaker == t.speaker and s.start < t.end and t.start < s.end
    )
    return right / sum(t.end - t.start for t in turns)


def covered_share(segments, turns: list[Turn]) -> float:
    covered = sum(
        min(s.end, t.end) - max(s.start, t.start)
        for s in segments
        for t in turns
        if s.start < t.end and t.start < s.end
    )
    return covered / sum(t.end - t.start for t in turns)


def main() -> int:
    from speech.speakers import attribute_speakers

    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--check", action="store_true", help="measure the held-out call too")
    args = parser.parse_args()
    names = args.only or [n for n in CONVERSATIONS if n != "check" or args.check]
    for name in names:
        audio, segments, turns = prepare(name, args.minutes)
        result = attribute_speakers(segments, audio, SR)
        share, covered = right_share(result.segments, turns), covered_share(result.segments, turns)
        heard = covered_share(segments, turns)
        print(
            f"{name:8} {share:6.1%} right (Whisper's segments cover {heard:6.1%}, the attributed ones {covered:6.1%}, "
            f"so {share / covered:6.1%} of the covered time is right); "
            f"confidence {result.confidence:.3f} (voices {result.voice_separation:.3f}, "
            f"roles {result.role_margin:.3f}); {len(segments)} segments, {len(turns)} turns",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
