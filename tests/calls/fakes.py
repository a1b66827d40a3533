"""A stand-in for Whisper: deterministic segments, recording what it was asked."""

import numpy as np

from speech.transcription import Segment, TranscriptionOptions


class FakeEngine:
    def __init__(self, lines: tuple[str, ...] = ("안녕하세요 고객님 무엇을 도와드릴까요",)):
        self.lines = lines
        self.calls: list[TranscriptionOptions] = []

    def transcribe(self, audio: np.ndarray, options: TranscriptionOptions):
        self.calls.append(options)
        seconds = len(audio) / 16000
        step = max(seconds / max(len(self.lines), 1), 0.1)
        for i, line in enumerate(self.lines):
            yield Segment(
                speaker="unknown",
                start=i * step,
                end=min((i + 1) * step, seconds),
                text=line,
                avg_logprob=-0.2,
                no_speech_prob=0.01,
                compression_ratio=1.2,
                words=[{"word": line, "start": i * step, "end": (i + 1) * step, "probability": 0.9}],
            )
