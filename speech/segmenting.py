"""Cut Whisper's segments into turns: on word timestamps, at pauses, never across silence.

Whisper's segments are decoding units, not turns. With a prompt (hotwords) it readily emits one
segment for 50 s of a channel, spanning every pause in which the *other* speaker talked; the
metrics then see overtalk that never happened and a 50 s "monologue". Word timestamps do not have
that problem: with the VAD, faster-whisper maps each word back into the speech chunk it came from,
so the silence between one speaker's turns shows up as a gap between two words. Here a segment is
cut wherever two consecutive words are more than ``MAX_PAUSE_S`` apart, its edges are drawn in to
its first and last word, and anything still longer than ``MAX_SEGMENT_S`` is cut at its widest
inner pause. Whatever the decoding options were (hotwords, beam, language), the stored segments
are then turns.

Pure functions over ``Segment`` values; no Django, no model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from speech.transcription import Segment

__all__ = ["MAX_PAUSE_S", "MAX_SEGMENT_S", "split_into_turns", "split_segment", "tighten_to_sound"]

# A longer silence inside one channel ends a turn: in a conversation that is where the other side
# speaks (or nobody does, which the metrics count as dead air).
MAX_PAUSE_S = 0.8
# A reviewer wants a flag's quote to be a sentence or two, not a paragraph; monologues longer than
# this are cut at their widest pause (they stay one run for the monologue metric).
MAX_SEGMENT_S = 15.0


def split_into_turns(
    segments: Iterable[Segment], *, max_pause_s: float = MAX_PAUSE_S, max_segment_s: float = MAX_SEGMENT_S
) -> list[Segment]:
    """Every segment split by ``split_segment``, order kept."""
    return [
        piece
        for segment in segments
        for piece in split_segment(segment, max_pause_s=max_pause_s, max_segment_s=max_segment_s)
    ]


def split_segment(
    segment: Segment, *, max_pause_s: float = MAX_PAUSE_S, max_segment_s: float = MAX_SEGMENT_S
) -> list[Segment]:
    """``segment`` cut at pauses between its words; unchanged when it has no word timestamps."""
    words = [w for w in segment.words if _valid(w)]
    if not words:
        return [segment]
    words.sort(key=lambda w: (float(w["start"]), float(w["end"])))
    groups: list[list[dict[str, Any]]] = [[words[0]]]
    for previous, word in zip(words, words[1:], strict=False):
        if float(word["start"]) - float(previous["end"]) > max_pause_s:
            groups.append([word])
        else:
            groups[-1].append(word)
    groups = [piece for group in groups for piece in _cap_length(group, max_segment_s)]
    return [piece for group in groups if (piece := _piece(segment, group)) is not None]


def _valid(word: dict[str, Any]) -> bool:
    try:
        return float(word["end"]) >= float(word["start"]) >= 0.0
    except (KeyError, TypeError, ValueError):
        return False


def _cap_length(words: Sequence[dict[str, Any]], max_segment_s: float) -> list[list[dict[str, Any]]]:
    """Cut at the widest pause until every piece is at most ``max_segment_s`` long."""
    span = float(words[-1]["end"]) - float(words[0]["start"])
    if span <= max_segment_s or len(words) < 2:
        return [list(words)]
    gaps = [float(b["start"]) - float(a["end"]) for a, b in zip(words, words[1:], strict=False)]
    # Prefer a pause after a sentence end when there is one nearly as wide: quotes read better.
    widest = max(gaps)
    candidates = [i for i, gap in enumerate(gaps) if gap >= widest - 0.05]
    sentence_ends = [i for i in candidates if str(words[i]["word"]).rstrip().endswith((".", "?", "!", "요", "다"))]
    cut = (sentence_ends or candidates)[len(sentence_ends or candidates) // 2] + 1
    return _cap_length(words[:cut], max_segment_s) + _cap_length(words[cut:], max_segment_s)


def _piece(segment: Segment, words: list[dict[str, Any]]) -> Segment | None:
    text = "".join(str(w["word"]) for w in words).strip()
    if not text:
        return None
    return replace(
        segment,
        start=float(words[0]["start"]),
        end=max(float(words[-1]["end"]), float(words[0]["start"])),
        text=text,
        words=[dict(w) for w in words],
    )


# Edges are drawn in to where the channel is audible: frames of FRAME_S whose level is within
# AUDIBLE_DB of the channel's loud speech (its 95th-percentile frame).
FRAME_S = 0.02
AUDIBLE_DB = 30.0
MAX_EXTEND_S = 0.4


def tighten_to_sound(segments: Iterable[Segment], audio: np.ndarray, sample_rate: int) -> list[Segment]:
    """Each segment's edges moved onto audible sound in ``audio`` (its own channel).

    Whisper's word timings are loose at a turn's edges (the first word often "starts" a few
    hundred ms early, in the silence the VAD padded in), which is enough to show overtalk between
    two sides that never overlapped; and its last word often ends before the sound does. Edges move
    in to the first and last audible frame, then out while the sound continues (at most
    ``MAX_EXTEND_S``, never into the next segment). A segment with no audible frame is left alone.
    """
    frame = max(1, int(FRAME_S * sample_rate))
    count = len(audio) // frame
    out = list(segments)
    if count == 0:
        return out
    level = np.sqrt(np.mean(np.square(audio[: count * frame].reshape(count, frame), dtype=np.float64), axis=1))
    loud = float(np.percentile(level, 95))
    if loud <= 0.0:
        return out
    audible = level >= loud * 10 ** (-AUDIBLE_DB / 20)
    result = []
    order = sorted(range(len(out)), key=lambda i: out[i].start)
    limits = {}  # neighbours on this channel: a segment never grows into the next one
    for position, i in enumerate(order):
        before = out[order[position - 1]].end if position else 0.0
        after = out[order[position + 1]].start if position + 1 < len(order) else count * FRAME_S
        limits[i] = (before, after)
    for index, seg in enumerate(out):
        first, last = int(seg.start / FRAME_S), min(count, int(np.ceil(seg.end / FRAME_S)))
        hits = np.flatnonzero(audible[first:last]) if last > first else np.empty(0, dtype=int)
        if hits.size == 0:
            result.append(seg)
            continue
        head, tail = first + hits[0], first + hits[-1] + 1
        # Whisper's last word often ends before the sound does: follow the sound outwards while it
        # lasts, a little way, never past a neighbouring segment.
        reach = int(MAX_EXTEND_S / FRAME_S)
        lower, upper = limits[index]
        while (
            tail < count and audible[tail] and tail - (first + hits[-1] + 1) < reach and (tail + 1) * FRAME_S <= upper
        ):
            tail += 1
        while head > 0 and audible[head - 1] and (first + hits[0]) - head < reach and (head - 1) * FRAME_S >= lower:
            head -= 1
        start = head * FRAME_S
        end = tail * FRAME_S
        words = [
            {**w, "start": min(max(float(w["start"]), start), end), "end": max(min(float(w["end"]), end), start)}
            for w in seg.words
        ]
        result.append(replace(seg, start=start, end=end, words=words))
    return result
