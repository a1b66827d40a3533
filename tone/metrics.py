"""Call metrics from segment timestamps (seconds): talk/listen, monologue, dead air, overtalk, rate.

Segments are mappings with speaker ('agent' | 'customer' | 'unknown'), start, end and text.
Overlapping segments of one speaker are merged before anything is summed, so Whisper's
occasionally overlapping timestamps do not count speech twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

Interval = tuple[float, float]
_HANGUL = re.compile(r"[가-힣]")


def call_metrics(
    segments: Sequence[Mapping[str, Any]], *, stereo: bool, dead_air_threshold: float = 5.0
) -> dict[str, Any]:
    segs = sorted(
        (s for s in segments if float(s["end"]) > float(s["start"])), key=lambda s: (float(s["start"]), float(s["end"]))
    )
    by_speaker = {
        sp: merge([(float(s["start"]), float(s["end"])) for s in segs if s["speaker"] == sp])
        for sp in ("agent", "customer", "unknown")
    }
    talk = {sp: round(total(iv), 2) for sp, iv in by_speaker.items()}
    gaps = dead_air(segs, dead_air_threshold)
    monologue = longest_monologue(segs)
    return {
        "duration_seconds": round(
            max((float(s["end"]) for s in segs), default=0.0) - min((float(s["start"]) for s in segs), default=0.0), 2
        ),
        "agent_talk_seconds": talk["agent"],
        "customer_talk_seconds": talk["customer"],
        "unknown_talk_seconds": talk["unknown"],
        # agent talk per second of customer talk; None when the customer never spoke
        "talk_listen_ratio": round(talk["agent"] / talk["customer"], 2) if talk["customer"] else None,
        "agent_talk_share": (
            round(talk["agent"] / (talk["agent"] + talk["customer"]), 3) if talk["agent"] + talk["customer"] else None
        ),
        "longest_agent_monologue_seconds": monologue[0],
        "longest_agent_monologue": monologue[1],
        "dead_air_threshold_seconds": dead_air_threshold,
        "dead_air": [[round(a, 2), round(b, 2)] for a, b in gaps],
        "dead_air_total_seconds": round(sum(b - a for a, b in gaps), 2),
        "overtalk": overtalk(by_speaker["agent"], by_speaker["customer"]) if stereo else None,
        "speaking_rate_spm": {
            sp: speaking_rate(segs, sp, talk[sp]) for sp in ("agent", "customer", "unknown") if talk[sp]
        },
    }


def merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def total(intervals: list[Interval]) -> float:
    return sum(b - a for a, b in intervals)


def dead_air(segs: Sequence[Mapping[str, Any]], threshold: float) -> list[Interval]:
    """Gaps longer than `threshold` where nobody speaks, between the first and last speech."""
    speech = merge([(float(s["start"]), float(s["end"])) for s in segs])
    return [(a[1], b[0]) for a, b in zip(speech, speech[1:], strict=False) if b[0] - a[1] > threshold]


def longest_monologue(segs: Sequence[Mapping[str, Any]]) -> tuple[float, dict[str, float] | None]:
    """Longest stretch of agent segments with no customer segment starting in between."""
    best: tuple[float, dict[str, float] | None] = (0.0, None)
    run_start = run_end = None
    for s in list(segs) + [{"speaker": "customer", "start": float("inf"), "end": float("inf")}]:
        if s["speaker"] == "agent":
            if run_start is None:
                run_start = float(s["start"])
            run_end = max(run_end or 0.0, float(s["end"]))
        elif s["speaker"] == "customer":
            if run_start is not None and run_end - run_start > best[0]:
                best = (round(run_end - run_start, 2), {"start": round(run_start, 2), "end": round(run_end, 2)})
            run_start = run_end = None
    return best


def overtalk(agent: list[Interval], customer: list[Interval]) -> dict[str, Any]:
    """Agent and customer speaking at once (stereo only: mono diarisation cannot tell)."""
    spans: list[Interval] = []
    i = j = 0
    while i < len(agent) and j < len(customer):
        a = max(agent[i][0], customer[j][0])
        b = min(agent[i][1], customer[j][1])
        if b > a:
            spans.append((a, b))
        if agent[i][1] < customer[j][1]:
            i += 1
        else:
            j += 1
    return {
        "seconds": round(total(spans), 2),
        "count": len(spans),
        "spans": [[round(a, 2), round(b, 2)] for a, b in spans],
    }


def speaking_rate(segs: Sequence[Mapping[str, Any]], speaker: str, talk_seconds: float) -> float:
    """Hangul syllables per minute of that speaker's talk time."""
    syllables = sum(len(_HANGUL.findall(str(s.get("text", "")))) for s in segs if s["speaker"] == speaker)
    return round(syllables / (talk_seconds / 60.0), 1) if talk_seconds else 0.0
