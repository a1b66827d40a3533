"""Kiwi adapter: one tokenisation per utterance, turned into light sentence objects.

Everything downstream (patterns, speech level, lexicon) works on the `Utterance` built here, so
the analyser never calls Kiwi twice for the same text.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

_kiwi: Any = None
_kiwi_lock = threading.Lock()


def get_kiwi() -> Any:
    """The process-wide Kiwi instance, created on first use (loading the model takes ~1 s)."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


# Kiwi writes the final consonant of fused endings as conjoining jamo (ᆫ데요, ᆯ게, ᆸ니다);
# trainers type compatibility jamo (ㄴ데요), so both sides are folded to the latter.
_JONG_TO_COMPAT = {
    0x11A8: "ㄱ",
    0x11A9: "ㄲ",
    0x11AA: "ㄳ",
    0x11AB: "ㄴ",
    0x11AC: "ㄵ",
    0x11AD: "ㄶ",
    0x11AE: "ㄷ",
    0x11AF: "ㄹ",
    0x11B0: "ㄺ",
    0x11B1: "ㄻ",
    0x11B2: "ㄼ",
    0x11B3: "ㄽ",
    0x11B4: "ㄾ",
    0x11B5: "ㄿ",
    0x11B6: "ㅀ",
    0x11B7: "ㅁ",
    0x11B8: "ㅂ",
    0x11B9: "ㅄ",
    0x11BA: "ㅅ",
    0x11BB: "ㅆ",
    0x11BC: "ㅇ",
    0x11BD: "ㅈ",
    0x11BE: "ㅊ",
    0x11BF: "ㅋ",
    0x11C0: "ㅌ",
    0x11C1: "ㅍ",
    0x11C2: "ㅎ",
}
_FOLD_TABLE = {k: v for k, v in _JONG_TO_COMPAT.items()}
_ENDING_TAGS = frozenset({"EP", "EF", "EC", "ETM", "ETN"})
# Kiwi writes the same ending both ways (은/ㄴ ETM, 았/었 EP) depending on the stem.
_ENDING_ALIASES = {"은": "ㄴ", "을": "ㄹ", "는": "는", "았": "었", "였": "었", "아": "어", "여": "어", "음": "ㅁ"}


def normalize_form(form: str, tag: str = "") -> str:
    """Fold jamo and the epenthetic 으 of endings so one pattern covers 세요/으세요, 시/으시."""
    form = form.translate(_FOLD_TABLE)
    if tag in _ENDING_TAGS:
        if len(form) > 1 and form[0] == "으":
            form = form[1:]
        form = _ENDING_ALIASES.get(form, form)
        if len(form) > 1 and form[0] in "은을" and tag in ("EC", "EF"):
            form = ("ㄴ" if form[0] == "은" else "ㄹ") + form[1:]  # 을게요 → ㄹ게요, 은데요 → ㄴ데요
        if len(form) > 1 and form[0] in "아여" and tag in ("EC", "EF"):
            form = "어" + form[1:]  # 아서/여서 → 어서, 아야 → 어야 (vowel harmony only)
    return form


def normalize_tag(tag: str) -> str:
    # VA-I / VV-R mark irregular conjugation; rules care about the part of speech only.
    dash = tag.find("-")
    return tag if dash < 0 else tag[:dash]


@dataclass(slots=True)
class Tok:
    form: str
    tag: str
    start: int
    end: int


@dataclass(slots=True)
class Sentence:
    """One Kiwi sentence, quoted sub-sentences removed (they are someone else's words)."""

    toks: list[Tok]
    index: int
    # the utterance, held weakly: with no cycle between the two, a batch's utterances are freed
    # by reference counting as soon as it is done with them, not by a garbage-collector pass
    utt_ref: weakref.ReferenceType[Utterance]
    forms: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def utt(self) -> Utterance:
        utt = self.utt_ref()
        if utt is None:
            raise ReferenceError("the sentence outlived its utterance")
        return utt


@dataclass(slots=True, weakref_slot=True)
class Utterance:
    text: str
    sents: list[Sentence] = field(default_factory=list)
    # character ranges of quoted speech: lexicon hits inside them are not the speaker's words
    quoted: list[tuple[int, int]] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)


# (Kiwi form, Kiwi tag) → (normalised form, normalised tag): a call's vocabulary is small.
_NORMALIZED: dict[tuple[str, str], tuple[str, str]] = {}
_NORMALIZED_MAX = 200_000
# The same by Kiwi's morpheme id, which costs no string to read. Ids below this one stand for a
# whole class of tokens (an unknown noun, a number, punctuation, a URL, …) with many forms each,
# so those are looked up by form; every id from here on is one dictionary morpheme.
_FIRST_MORPHEME_ID = 64
_BY_ID: dict[int, tuple[str, str]] = {}


def _normalized(form: str, tag: str) -> tuple[str, str]:
    ntag = normalize_tag(tag)
    out = (normalize_form(form, ntag), ntag)
    if len(_NORMALIZED) < _NORMALIZED_MAX:
        _NORMALIZED[form, tag] = out
    return out


def build_utterance(text: str, kiwi_sents: Iterable[Sequence[Any]]) -> Utterance:
    utt = Utterance(text=text)
    utt_ref = weakref.ref(utt)
    known = _NORMALIZED
    by_id = _BY_ID
    for raw in kiwi_sents:
        toks: list[Tok] = []
        for t in raw:
            start = t.start
            end = start + t.len
            if t.sub_sent_position:
                _extend_quote(utt.quoted, start, end)
                continue
            morpheme = t.id
            pair = by_id.get(morpheme)
            if pair is None:
                key = (t.form, t.tag)
                pair = known.get(key) or _normalized(*key)
                if morpheme >= _FIRST_MORPHEME_ID and len(by_id) < _NORMALIZED_MAX:
                    by_id[morpheme] = pair
            toks.append(Tok(pair[0], pair[1], start, end))
        if not toks:
            continue
        sent = Sentence(toks=toks, index=len(utt.sents), utt_ref=utt_ref)
        sent.forms = frozenset(t.form for t in toks)
        sent.tags = frozenset(t.tag for t in toks)
        utt.sents.append(sent)
    return utt


def _extend_quote(ranges: list[tuple[int, int]], start: int, end: int) -> None:
    if ranges and start <= ranges[-1][1] + 2:
        ranges[-1] = (ranges[-1][0], max(end, ranges[-1][1]))
    else:
        ranges.append((start, end))


def analyse(text: str, kiwi: Any = None) -> Utterance:
    kiwi = kiwi or get_kiwi()
    if not text.strip():
        return Utterance(text=text)
    return build_utterance(text, kiwi.tokenize(text, split_sents=True))


def analyse_many(texts: Sequence[str], kiwi: Any = None) -> Iterable[Utterance]:
    """Batch tokenisation: Kiwi works through the list on its own worker threads."""
    kiwi = kiwi or get_kiwi()
    if len(texts) == 1:  # one text: Kiwi's direct call, without handing it to its threads
        yield analyse(texts[0], kiwi)
        return
    # Kiwi rejects empty strings in a batch, so they are stood in by a space and emptied after.
    safe = [t if t.strip() else " " for t in texts]
    for text, res in zip(texts, kiwi.tokenize(safe, split_sents=True), strict=False):
        yield build_utterance(text, res) if text.strip() else Utterance(text=text)
