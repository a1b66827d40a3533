"""Segments become turns: cut on word timestamps at pauses, edges drawn in to the words and the sound."""

from __future__ import annotations

import numpy as np
import pytest

from speech.batching import join_stretches, pack
from speech.segmenting import split_into_turns, split_segment, tighten_to_sound
from speech.transcription import Segment

SR = 16_000


def words(*spans: tuple[str, float, float]) -> list[dict]:
    return [{"word": f" {w}", "start": a, "end": b, "probability": 0.9} for w, a, b in spans]


def segment(*spans: tuple[str, float, float], speaker: str = "agent") -> Segment:
    ws = words(*spans)
    return Segment(speaker, ws[0]["start"] - 0.3, ws[-1]["end"] + 2.0, "".join(w["word"] for w in ws).strip(),
                   -0.3, 0.01, 1.2, ws)  # fmt: skip


def test_a_segment_spanning_a_long_pause_is_cut_there_with_edges_on_its_words() -> None:
    # What a hotword decode does: one segment over two turns, the other side's turn in between.
    merged = segment(("안녕하세요", 0.5, 1.2), ("고객님", 1.3, 1.9), ("네", 9.0, 9.3), ("확인해", 9.5, 10.0))

    pieces = split_segment(merged)

    assert [(p.start, p.end, p.text) for p in pieces] == [(0.5, 1.9, "안녕하세요 고객님"), (9.0, 10.0, "네 확인해")]
    assert pieces[1].words[0]["word"] == " 네" and pieces[1].avg_logprob == merged.avg_logprob


def test_a_short_pause_inside_a_sentence_does_not_cut_it() -> None:
    sentence = segment(("잠시만", 0.0, 0.6), ("기다려", 1.3, 1.9), ("주세요", 2.0, 2.5))
    assert [p.text for p in split_segment(sentence)] == ["잠시만 기다려 주세요"]


def test_a_monologue_longer_than_fifteen_seconds_is_cut_at_its_widest_pause() -> None:
    spans = [(f"w{i}", i * 0.7, i * 0.7 + 0.5) for i in range(40)]  # 28 s, gaps of 0.2 s
    spans[20] = ("w20", 20 * 0.7 + 0.3, 20 * 0.7 + 0.8)  # the widest gap (0.5 s) is before w20
    pieces = split_segment(segment(*spans))
    assert all(p.end - p.start <= 15.0 for p in pieces)
    assert pieces[1].words[0]["word"] == " w20"


def test_a_segment_without_word_timestamps_is_kept_as_it_is() -> None:
    plain = Segment("customer", 1.0, 30.0, "네", -0.2, 0.01, 1.1, [])
    assert split_into_turns([plain]) == [plain]


def test_edges_are_drawn_in_to_where_the_channel_is_audible() -> None:
    audio = np.zeros(6 * SR, np.float32)
    audio[2 * SR : 4 * SR] = 0.3 * np.sin(np.arange(2 * SR) * 0.3)
    loose = Segment("agent", 1.2, 4.9, "네", -0.2, 0.01, 1.1, words(("네", 1.2, 4.9)))

    (tight,) = tighten_to_sound([loose], audio, SR)

    assert 1.95 <= tight.start <= 2.05 and 3.95 <= tight.end <= 4.05
    assert tight.words[0]["start"] == tight.start


def test_a_segment_over_silence_only_is_left_alone_by_the_tightening() -> None:
    audio = np.zeros(4 * SR, np.float32)
    audio[3 * SR :] = 0.3
    quiet = Segment("agent", 0.5, 1.5, "네", -0.2, 0.01, 1.1, [])
    assert tighten_to_sound([quiet], audio, SR) == [quiet]


def test_vad_chunks_join_across_short_pauses_only() -> None:
    assert join_stretches([(0, 1), (1.5, 2), (3.0, 4)], max_pause_s=0.8) == [(0, 2), (3.0, 4)]


def test_packing_keeps_channels_in_their_own_windows_and_maps_times_back() -> None:
    left = np.ones(40 * SR, np.float32)
    right = np.full(40 * SR, 2.0, np.float32)
    packed = pack([left, right], [[(1.0, 3.0), (10.0, 12.0)], [(5.0, 6.0)]], sample_rate=SR)

    assert packed.window_tracks == [0, 1]
    assert packed.windows[0] == (0.0, 5.0)  # 2 s + 1 s of silence + 2 s
    assert np.all(packed.audio[int(2.2 * SR) : int(2.8 * SR)] == 0.0)
    assert packed.unpack_time(0, 0.5) == 1.5
    assert packed.unpack_time(0, 3.5) == 10.5
    assert packed.unpack_time(0, 2.2) == 3.0  # in the silence, nearer the first stretch's end
    assert packed.unpack_time(1, 5.5) == 5.5


def test_a_window_never_holds_more_than_thirty_seconds() -> None:
    audio = np.ones(200 * SR, np.float32)
    spans = [(t, t + 8.0) for t in range(0, 190, 10)]
    packed = pack([audio], [spans], sample_rate=SR)
    assert len(packed.windows) > 1 and all(b - a <= 29.5 for a, b in packed.windows)
    assert len(packed.pieces) == len(spans)


def test_a_window_holds_at_most_max_pieces_stretches() -> None:
    audio = np.ones(60 * SR, np.float32)
    spans = [(t, t + 1.0) for t in range(0, 50, 5)]
    packed = pack([audio], [spans], sample_rate=SR, max_pieces=3)
    per_window = [sum(1 for p in packed.pieces if p.window == w) for w in range(len(packed.windows))]
    assert per_window == [3, 3, 3, 1]


def test_an_end_that_stops_before_the_sound_does_follows_it_a_little_way_but_not_into_the_next_segment() -> None:
    audio = np.zeros(8 * SR, np.float32)
    audio[2 * SR : 6 * SR] = 0.3 * np.sin(np.arange(4 * SR) * 0.3)
    early = Segment("agent", 2.0, 3.0, "네", -0.2, 0.01, 1.1, words(("네", 2.0, 3.0)))
    next_one = Segment("agent", 3.2, 5.5, "네", -0.2, 0.01, 1.1, words(("네", 3.2, 5.5)))

    alone, with_next = tighten_to_sound([early], audio, SR)[0], tighten_to_sound([early, next_one], audio, SR)

    assert alone.end == pytest.approx(3.4, abs=0.03)
    assert with_next[0].end <= 3.2 and with_next[1].end == pytest.approx(5.9, abs=0.03)


def test_speech_no_decoded_word_lies_in_is_found_for_a_second_pass() -> None:
    from speech.transcription import _uncovered

    decoded = [Segment("agent", 0.5, 1.5, "네", -0.2, 0.01, 1.1, words(("네", 0.5, 1.5)))]
    chunks = [(0.4, 1.6), (3.0, 4.0), (6.0, 6.1)]  # the last is too short to be worth a window
    assert _uncovered(chunks, decoded) == [(3.0, 4.0)]
