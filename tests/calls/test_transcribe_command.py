"""manage.py transcribe prints what the pipeline would store, with a call's options."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from speech.transcription import Segment, set_engine_for_tests


class MergingEngine:
    """Whisper as a hotword decode behaves: one segment over two turns with a pause between."""

    def __init__(self):
        self.options = []

    def transcribe(self, audio, options):
        self.options.append(options)
        words = [
            {"word": " 안녕하세요", "start": 0.5, "end": 1.4, "probability": 0.9},
            {"word": " 고객님", "start": 1.5, "end": 2.0, "probability": 0.9},
            {"word": " 확인해", "start": 6.0, "end": 6.6, "probability": 0.9},
            {"word": " 드리겠습니다", "start": 6.7, "end": 7.5, "probability": 0.9},
        ]
        yield Segment("unknown", 0.0, 9.0, "안녕하세요 고객님 확인해 드리겠습니다", -0.2, 0.01, 1.2, words)


@pytest.fixture
def engine():
    fake = MergingEngine()
    set_engine_for_tests(fake)
    yield fake
    set_engine_for_tests(None)


def test_the_command_uses_the_calls_hotwords_and_prints_the_split_segments(world, engine, audio_factory):
    world.call_a.team.vocabulary = "갤럭시\nU+ 요금제"
    world.call_a.team.save()
    out = StringIO()

    call_command("transcribe", str(audio_factory.silence(10.0)), "--call", str(world.call_a.pk), "--json", stdout=out)

    printed = json.loads(out.getvalue())
    assert engine.options[0].hotwords == ("갤럭시", "U+ 요금제")
    assert [(s["start"], s["end"]) for s in printed["segments"]] == [(0.5, 2.0), (6.0, 7.5)]
    assert printed["summary"]["longest_segment_seconds"] == 1.5


def test_hotwords_given_on_the_command_line_reach_whisper(db, engine, audio_factory):
    call_command("transcribe", str(audio_factory.speech()), "--hotword", "고객님", "--json", stdout=StringIO())
    assert engine.options[0].hotwords == ("고객님",)


def test_an_unknown_call_is_a_clear_error(db, engine, audio_factory):
    with pytest.raises(CommandError, match="No call #999999"):
        call_command("transcribe", str(audio_factory.speech()), "--call", "999999")
