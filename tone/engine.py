"""The analyser: one Kiwi pass per utterance, then every compiled rule over its tokens."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from typing import Any

from . import morph
from .patterns import CompiledPattern, PatternError, compile_pattern
from .rules import FlagHit, RuleSpec

_SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
_TRIM = ".,?!…~·:;'\"‘’“”()[]「」『』"
# A written sentence ends at . ? ! … (followed by a space or the end) or a line break. ASR text
# without punctuation is one sentence, however many places Kiwi splits it at.
_SENTENCE_END = re.compile(r"[.?!…。]+(?=\s|$)|\n")

# Which rules a speaker's lines get. A mono recording has speaker 'unknown': only the 'any'
# rules (profanity) run there, so an agent is never blamed for words the customer said.
_APPLIES = {
    "agent": ("agent", "any"),
    "customer": ("customer", "any"),
    "unknown": ("any",),
}


class Analyzer:
    def __init__(self, rules: Sequence[RuleSpec], kiwi: Any = None):
        self.kiwi = kiwi
        self.rules = list(rules)
        self._compiled: list[tuple[RuleSpec, CompiledPattern]] = []
        for spec in self.rules:
            try:
                self._compiled.append((spec, compile_pattern(spec.pattern)))
            except PatternError as e:
                raise PatternError(f"rule {spec.code}: {e}") from None
        self._by_speaker = {
            speaker: [(s, p) for s, p in self._compiled if s.speaker in scopes] for speaker, scopes in _APPLIES.items()
        }

    def analyze(self, text: str, speaker: str) -> list[FlagHit]:
        return self._flags(morph.analyse(text, self._kiwi()), speaker)

    def analyze_many(self, items: Iterable[tuple[str, str]]) -> list[list[FlagHit]]:
        items = list(items)
        utts = morph.analyse_many([t for t, _ in items], self._kiwi())
        return [self._flags(utt, speaker) for utt, (_, speaker) in zip(utts, items, strict=False)]

    def _kiwi(self) -> Any:
        if self.kiwi is None:
            self.kiwi = morph.get_kiwi()
        return self.kiwi

    def _flags(self, utt: morph.Utterance, speaker: str) -> list[FlagHit]:
        if speaker not in _APPLIES:
            raise ValueError(f"speaker must be agent, customer or unknown, not {speaker!r}")
        hits: list[FlagHit] = []
        for spec, pattern in self._by_speaker[speaker]:
            for sent, i, j in pattern.find(utt):
                start, end = word_span(utt.text, sent.toks[i].start, sent.toks[j - 1].end)
                hits.append(
                    FlagHit(spec.category, spec.severity, start, end, spec.code, spec.explanation, spec.suggestion)
                )
        return dedupe(hits, utt.text)


def word_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a token span to whole words (eojeol) so the UI highlights '기다려', not '려'."""
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _TRIM:
        start -= 1
    while end < len(text) and not text[end].isspace() and text[end] not in _TRIM:
        end += 1
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def sentence_starts(text: str) -> list[int]:
    """Offsets where each written sentence of `text` starts (the first is 0)."""
    return [0] + [m.end() for m in _SENTENCE_END.finditer(text)]


def dedupe(hits: list[FlagHit], text: str = "") -> list[FlagHit]:
    """One flag per category per written sentence.

    Hits of one category in the same sentence merge into one flag spanning the first to the last
    hit; it carries the highest severity and that hit's rule (the earliest rule on a tie), so
    "야 너 이름 뭐야 너 잘리고 싶어" is one abuse flag, not four. Offsets stay in `text`.
    """
    starts = sentence_starts(text)
    groups: dict[tuple[int, str], list[FlagHit]] = {}
    for h in hits:
        groups.setdefault((bisect.bisect_right(starts, h.start) - 1, h.category), []).append(h)
    kept = []
    for group in groups.values():
        top = max(group, key=lambda h: _SEVERITY_RANK[h.severity])  # first of the most severe
        start = min(h.start for h in group)
        end = max(h.end for h in group)
        kept.append(FlagHit(top.category, top.severity, start, end, top.rule, top.explanation, top.suggestion))
    return sorted(kept, key=lambda h: (h.start, h.category))
