"""Two speakers on one channel: voices clustered, the agent picked out by what they say."""

from __future__ import annotations

import numpy as np
import pytest

from speech.audio import decode_channels
from speech.speakers import attribute_speakers, cluster_two, role_score, voice_features
from speech.transcription import Segment
from tests.calls.audio_fixtures import CONVERSATION, VOICE_PAIRS, AudioFactory, build_conversation

SR = 16_000


def test_two_means_splits_two_clear_groups_and_says_they_separate_well() -> None:
    rng = np.random.default_rng(0)
    rows = np.vstack([rng.normal(0, 0.1, (6, 3)), rng.normal(5, 0.1, (5, 3))])
    labels, silhouette = cluster_two(rows)
    assert len(set(labels[:6])) == 1 and len(set(labels[6:])) == 1 and labels[0] != labels[6]
    assert silhouette > 0.8


def test_rows_that_do_not_form_two_groups_get_a_low_silhouette() -> None:
    rows = np.random.default_rng(1).normal(0, 1, (40, 3))
    assert cluster_two(rows)[1] < 0.45
    assert cluster_two(np.ones((5, 3)))[1] == 0.0


def test_the_pitch_of_a_pure_tone_is_found() -> None:
    t = np.arange(SR) / SR
    pitch = np.exp(voice_features((0.5 * np.sin(2 * np.pi * 150 * t)).astype(np.float32), SR)[-1])
    assert pitch == pytest.approx(150, rel=0.03)


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("안녕하세요 고객님 무엇을 도와드릴까요", True),
        ("네 확인해 드리겠습니다 잠시만 기다려 주세요", True),
        ("MOT 통신 고객센터입니다", True),
        ("아니 왜 이렇게 요금이 많이 나왔어요", False),
        ("네 안녕히 계세요", False),
    ],
)
def test_wording_points_to_the_agent_or_the_customer(text: str, agent: bool) -> None:
    assert (role_score(text) > 0) is agent


def _true_segments(turns) -> list[Segment]:
    return [Segment("unknown", t.start, t.end, t.text, -0.3, 0.0, 1.0, []) for t in turns]


def _right_share(named: list[Segment], turns) -> float:
    right = sum(s.end - s.start for s, t in zip(named, turns, strict=True) if s.speaker == t.speaker)
    return right / sum(t.end - t.start for t in turns)


def test_a_mono_mix_down_is_attributed_to_the_right_speakers(audio_factory: AudioFactory) -> None:
    path, turns = audio_factory.conversation("mono", min_seconds=60)
    (audio,) = decode_channels(path)

    result = attribute_speakers(_true_segments(turns), audio, SR)

    assert _right_share(result.segments, turns) >= 0.85
    assert result.confidence >= 0.5


def test_without_telling_words_the_confidence_is_low_however_clear_the_voices(audio_factory: AudioFactory) -> None:
    path, turns = audio_factory.conversation("mono", min_seconds=60)
    (audio,) = decode_channels(path)
    neutral = [Segment("unknown", t.start, t.end, "네", -0.3, 0.0, 1.0, []) for t in turns]

    result = attribute_speakers(neutral, audio, SR)

    assert result.voice_separation > 0.3 and result.confidence < 0.2


def test_one_voice_saying_everything_gives_a_low_confidence(audio_factory: AudioFactory) -> None:
    (audio,) = decode_channels(audio_factory.long_speech())
    spans = [(0.3 + 4.1 * i, 3.0 + 4.1 * i) for i in range(12)]
    lines = [CONVERSATION[i % len(CONVERSATION)][1] for i in range(12)]
    segments = [Segment("unknown", a, b, text, -0.3, 0.0, 1.0, []) for (a, b), text in zip(spans, lines, strict=True)]

    assert attribute_speakers(segments, audio, SR).confidence < 0.5


def _whisper_like(turns) -> list[Segment]:
    """Segments as Whisper returns them on a mono call with short pauses: two turns in one segment,
    the second turn's first word stretched back over the pause so no word gap shows the change."""
    segments = []
    for first, second in zip(turns[::2], turns[1::2], strict=False):
        words = [
            {"word": f" {first.text}", "start": first.start, "end": first.end, "probability": 0.9},
            {"word": f" {second.text}", "start": first.end, "end": second.end, "probability": 0.9},
        ]
        text = f"{first.text} {second.text}"
        segments.append(Segment("unknown", first.start, second.end, text, -0.3, 0.0, 1.0, words))
    return segments


def _overlap_share(named: list[Segment], turns) -> float:
    right = sum(
        min(s.end, t.end) - max(s.start, t.start)
        for s in named
        for t in turns
        if s.speaker == t.speaker and s.start < t.end and t.start < s.end
    )
    return right / sum(t.end - t.start for t in turns)


@pytest.mark.parametrize("pair", sorted(VOICE_PAIRS))
def test_turns_changing_after_a_short_pause_inside_one_segment_are_split_and_attributed(pair: str, tmp_path) -> None:
    voices, gaps = VOICE_PAIRS[pair]
    turns = build_conversation(tmp_path / "call.wav", layout="mono", min_seconds=45, voices=voices, gaps=gaps)
    (audio,) = decode_channels(tmp_path / "call.wav")
    segments = _whisper_like(turns)
    assert all(s.speaker == "unknown" for s in segments) and len(segments) < len(turns)

    result = attribute_speakers(segments, audio, SR)

    assert _overlap_share(result.segments, turns) >= 0.85
    assert result.confidence >= 0.5
    # every stored segment lies inside one true turn of its speaker: the changes were found
    for seg in result.segments:
        inside = [t for t in turns if seg.start < t.end and t.start < seg.end]
        assert len(inside) == 1 and inside[0].speaker == seg.speaker, (seg.start, seg.end, seg.text)
        assert inside[0].start - 0.3 <= seg.start and seg.end <= inside[0].end + 0.3
    # and each keeps the words said in it
    assert {s.text for s in result.segments} <= {t.text for t in turns}


def test_a_segment_is_cut_where_the_sound_falls_silent_and_each_word_goes_where_it_ends() -> None:
    from speech.speakers import frame_table, split_at_silences

    t = np.arange(int(3.0 * SR)) / SR
    audio = (0.3 * np.sin(2 * np.pi * 120 * t)).astype(np.float32)
    audio[int(1.0 * SR) : int(1.4 * SR)] = 0.0  # a 0.4 s pause between two turns
    table = frame_table(audio, SR)
    words = [
        {"word": " 네", "start": 0.0, "end": 0.9, "probability": 0.9},
        {"word": " 감사합니다", "start": 0.9, "end": 3.0, "probability": 0.9},  # stretched over the pause
    ]
    segment = Segment("unknown", 0.0, 3.0, "네 감사합니다", -0.3, 0.0, 1.0, words)

    pieces = split_at_silences(segment, table, float(np.percentile(table.level, 95)))

    assert [p.text for p in pieces] == ["네", "감사합니다"]
    assert pieces[0].end == pytest.approx(1.0, abs=0.03) and pieces[1].start == pytest.approx(1.4, abs=0.03)
