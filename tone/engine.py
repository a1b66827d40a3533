"""The analyser: one Kiwi pass per utterance, then every compiled rule over its tokens."""

from __future__ import annotations

import bisect
import gc
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np

from . import morph
from .features import CHAR_DROP, CHAR_NGRAMS, PUNCTUATION, coarse_tag, line_features
from .model import CATEGORY_SPEAKERS, ToneModel
from .patterns import CompiledPattern, PatternError, compile_pattern
from .rules import FlagHit, RuleSpec

_SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
_TRIM = PUNCTUATION
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


CATEGORY_LABELS_KO = {
    "banmal": "반말",
    "dismissive": "무성의한 응대·떠넘기기",
    "blame": "고객 탓",
    "sarcasm": "비꼼·무시",
    "profanity": "욕설",
    "abuse": "상담원 대상 폭언",
}
MODEL_SUGGESTIONS = {
    "banmal": "'-요'나 '-습니다'로 끝맺어 주세요. 예: '잠시만 기다려 주세요.'",
    "dismissive": (
        "안 되는 이유와 함께 대안이나 다음 단계를 안내해 주세요. 예: '제가 담당 부서에 바로 연결해 드리겠습니다.'"
    ),
    "blame": (
        "원인을 고객에게 돌리지 말고 함께 해결하는 표현으로 바꿔 주세요. "
        "예: '확인해 보니 이 부분에서 문제가 생겼네요. 바로 도와드리겠습니다.'"
    ),
    "sarcasm": "감정을 싣지 말고 차분히 다시 안내해 주세요. 예: '제가 다시 한번 천천히 안내해 드리겠습니다.'",
    "profanity": "통화 중에는 욕설이나 비속어를 쓰지 않도록 해 주세요.",
    "abuse": "",
}
MODES = ("combined", "rules", "model")


class Analyzer:
    """Rules and (optionally) the learned model over one Kiwi pass per distinct text.

    mode 'rules': the rulebook alone (what validating a rule uses). 'model': the model alone.
    'combined' (the default when a model is given): the model decides, with the rule hits among
    its features; a flag carries the rule that fired where one did (its span, explanation and
    suggestion), otherwise the words that drove the model's score.
    """

    def __init__(self, rules: Sequence[RuleSpec], kiwi: Any = None, model: ToneModel | None = None, mode: str = ""):
        self.kiwi = kiwi
        self.rules = list(rules)
        self.model = model
        self.mode = mode or ("combined" if model is not None else "rules")
        if self.mode not in MODES or (self.mode != "rules" and model is None):
            raise ValueError(f"mode {self.mode!r} needs {'a model' if self.mode in MODES else 'one of ' + str(MODES)}")
        self._compiled: list[tuple[RuleSpec, CompiledPattern]] = []
        for spec in self.rules:
            try:
                self._compiled.append((spec, compile_pattern(spec.pattern)))
            except PatternError as e:
                raise PatternError(f"rule {spec.code}: {e}") from None
        self._by_speaker = {
            speaker: [(s, p) for s, p in self._compiled if s.speaker in scopes] for speaker, scopes in _APPLIES.items()
        }
        self._index = {speaker: RuleIndex([p for _, p in compiled]) for speaker, compiled in self._by_speaker.items()}
        # Rules the model was trained beside (same code, same pattern) are judged by the model. A
        # rule added or edited since then stands on its own until the next retrain: the model
        # cannot know how far to trust it, and a trainer's new rule must work at once.
        known = (model.meta.get("rules") or {}) if model is not None else {}
        self._unjudged = {spec.code for spec in self.rules if known.get(spec.code) != rule_fingerprint(spec)}
        if model is not None:
            self._threshold_row = np.array([model.threshold(c) for c in model.categories], dtype=np.float32)

    def analyze(self, text: str, speaker: str, context: str | None = None) -> list[FlagHit]:
        return self.analyze_many([(text, speaker, context)])[0]

    def analyze_many(self, items: Iterable[tuple[str, str] | tuple[str, str, str | None]]) -> list[list[FlagHit]]:
        """Flags per item; an item is (text, speaker) or (text, speaker, the other party's previous turn)."""
        rows = _rows(items)
        out: list[list[FlagHit]] = [[] for _ in rows]
        with gc_paused():
            if self.mode == "rules":
                for i, utt, hits, _ in self._stream(rows, with_rules=True, with_context=False):
                    out[i] = dedupe(hits, utt.text)
                return out
            # The model judges lines in chunks as they come out of the stream, so its work overlaps
            # Kiwi's on the next lines instead of waiting for the whole batch.
            chunk: list[tuple[int, morph.Utterance, list[FlagHit], morph.Utterance | None]] = []
            for entry in self._stream(rows, with_rules=self.mode != "model", with_context=True):
                chunk.append(entry)
                if len(chunk) == _JUDGE_CHUNK:
                    self._judge(chunk, rows, out)
                    chunk = []
            self._judge(chunk, rows, out)
        return out

    def featurize(self, items: Iterable[tuple[str, str, str | None]], with_rules: bool = True) -> list[list[str]]:
        """The model's feature strings for each item, exactly as analysis computes them (for training)."""
        rows = _rows(items)
        feats: list[list[str]] = [[] for _ in rows]
        with gc_paused():
            for entry in self._stream(rows, with_rules=with_rules, with_context=True):
                feats[entry[0]] = _entry_features(entry, rows)
        return feats

    def _judge(self, chunk, rows, out: list[list[FlagHit]]) -> None:
        if not chunk:
            return
        feats = [_entry_features(entry, rows) for entry in chunk]
        probs = self.model.probabilities(feats)
        # Most lines are clean: no category over its threshold and no rule the model cannot judge.
        over = (probs >= self._threshold_row).any(axis=1)
        unjudged = self._unjudged
        for (i, utt, hits, _), f, p, hot in zip(chunk, feats, probs, over, strict=True):
            if hot or (unjudged and any(h.rule in unjudged for h in hits)):
                out[i] = self._combine(utt, rows[i][1], hits, f, p)

    def _stream(
        self, rows: list[tuple[str, str, str | None]], with_rules: bool, with_context: bool
    ) -> Iterator[tuple[int, morph.Utterance, list[FlagHit], morph.Utterance | None]]:
        """(row index, utterance, rule hits, the context's utterance or None) for every row, each as
        soon as Kiwi has analysed its text and its context, while Kiwi's threads go on with the
        next ones. One Kiwi pass per distinct text: a call's context turns are its own earlier
        segments. Rows come in order, except that a row whose context comes later than itself
        (a context no row has as its text) waits until the end."""
        texts = [t for t, _, _ in rows]
        if with_context:
            texts += [c for _, _, c in rows if c]
        texts = list(dict.fromkeys(texts))
        utts: dict[str, morph.Utterance] = {}
        hits_of: dict[tuple[str, str], list[FlagHit]] = {}

        def entry(i: int) -> tuple[int, morph.Utterance, list[FlagHit], morph.Utterance | None]:
            text, speaker, context = rows[i]
            utt = utts[text]
            hits: list[FlagHit] = []
            if with_rules:
                hits = hits_of.get((text, speaker))  # type: ignore[assignment]
                if hits is None:
                    hits = hits_of[text, speaker] = self._rule_hits(utt, speaker)
            return i, utt, hits, utts[context] if with_context and context else None

        waiting: list[int] = []
        next_row = 0
        for text, utt in zip(texts, morph.analyse_many(texts, self._kiwi()), strict=True):
            utts[text] = utt
            while next_row < len(rows) and rows[next_row][0] in utts:
                context = rows[next_row][2]
                if with_context and context and context not in utts:
                    waiting.append(next_row)
                else:
                    yield entry(next_row)
                next_row += 1
        for i in waiting:
            yield entry(i)

    def _kiwi(self) -> Any:
        if self.kiwi is None:
            self.kiwi = morph.get_kiwi()
        return self.kiwi

    def rule_hits(self, utt: morph.Utterance, speaker: str) -> list[FlagHit]:
        """Every match of the rules that apply to `speaker` on an analysed utterance, one hit per
        match, unmerged and without the model (for trying a rule out on many stored lines)."""
        if speaker not in _APPLIES:
            raise ValueError(f"speaker must be agent, customer or unknown, not {speaker!r}")
        return self._rule_hits(utt, speaker)

    def _rule_hits(self, utt: morph.Utterance, speaker: str) -> list[FlagHit]:
        hits: list[FlagHit] = []
        compiled = self._by_speaker[speaker]
        for position in self._index[speaker].candidates(utt):
            spec, pattern = compiled[position]
            for sent, i, j in pattern.find(utt):
                start, end = word_span(utt.text, sent.toks[i].start, sent.toks[j - 1].end)
                hits.append(
                    FlagHit(spec.category, spec.severity, start, end, spec.code, spec.explanation, spec.suggestion)
                )
        return hits

    def _combine(
        self, utt: morph.Utterance, speaker: str, hits: list[FlagHit], feats: list[str], probs: Any
    ) -> list[FlagHit]:
        model = self.model
        out: list[FlagHit] = []
        for col, category in enumerate(model.categories):
            if speaker not in CATEGORY_SPEAKERS.get(category, ()):
                continue
            score = float(probs[col])
            threshold = model.threshold(category)
            if score < threshold:
                out.extend(h for h in hits if h.category == category and h.rule in self._unjudged)
                continue
            severity = score_severity(score, threshold)
            fired = [h for h in hits if h.category == category]
            for h in fired:
                top = h.severity if _SEVERITY_RANK[h.severity] > _SEVERITY_RANK[severity] else severity
                out.append(replace(h, severity=top, score=round(score, 3)))
            if not fired:
                out.append(self._model_hit(utt, category, feats, score, severity))
        return dedupe(out, utt.text)

    def _model_hit(self, utt: morph.Utterance, category: str, feats: list[str], score: float, severity: str) -> FlagHit:
        """A flag the model raised alone: the sentence that scored most, and the words that drove it."""
        token_scores = token_contributions(utt, self.model.contributions(feats, category))
        best_sent, best_total = None, float("-inf")
        for sent in utt.sents:
            total = sum(max(token_scores.get((sent.index, k), 0.0), 0.0) for k in range(len(sent.toks)))
            if total > best_total:
                best_sent, best_total = sent, total
        if best_sent is None or not best_sent.toks:
            start, end = word_span(utt.text, 0, len(utt.text))
            words: list[str] = []
        else:
            start, end = word_span(utt.text, best_sent.toks[0].start, best_sent.toks[-1].end)
            ranked = sorted(
                range(len(best_sent.toks)), key=lambda k: token_scores.get((best_sent.index, k), 0.0), reverse=True
            )
            words = []
            for k in ranked[:4]:
                if token_scores.get((best_sent.index, k), 0.0) <= 0:
                    break
                a, b = word_span(utt.text, best_sent.toks[k].start, best_sent.toks[k].end)
                word = utt.text[a:b]
                if word and word not in words:
                    words.append(word)
        quoted = ", ".join(f"'{w}'" for w in words[:2])
        explanation = f"학습 모델이 이 말을 '{CATEGORY_LABELS_KO[category]}'(으)로 판단했습니다 (점수 {score:.2f})."
        if quoted:
            explanation += f" 판단에 크게 작용한 표현: {quoted}."
        return FlagHit(
            category,
            severity,
            start,
            end,
            f"model-{category}",
            explanation,
            MODEL_SUGGESTIONS[category],
            round(score, 3),
        )


_JUDGE_CHUNK = 128


def _entry_features(entry, rows: list[tuple[str, str, str | None]]) -> list[str]:
    """The model's features of one streamed row: its utterance, speaker, rule hits and context."""
    i, utt, hits, context = entry
    return line_features(utt, rows[i][1], [(h.category, h.rule) for h in hits], context)


def _rows(items: Iterable[tuple[str, str] | tuple[str, str, str | None]]) -> list[tuple[str, str, str | None]]:
    rows = [(item[0], item[1], item[2] if len(item) > 2 else None) for item in items]
    for _, speaker, _ in rows:
        if speaker not in _APPLIES:
            raise ValueError(f"speaker must be agent, customer or unknown, not {speaker!r}")
    return rows


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for one batch, as it was after.

    A batch allocates tens of thousands of small objects (tokens, sentences, feature strings)
    and keeps them until it ends, so the collector would otherwise walk them again and again
    for nothing: a third of the analyser's time. Reference counting frees what is done with
    (a sentence holds its utterance weakly, so they make no cycle)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class RuleIndex:
    """Which rules can possibly match an utterance, found from its morphemes in a few lookups.

    A pattern only matches a sentence holding one key of each of its prefilter clauses (see
    patterns.Node.keys). Each rule is filed under the keys of its most selective clause that
    names forms or tags; an utterance's candidates are the rules filed under its forms and tags
    (plus the few rules with no such clause), in rulebook order. A candidate is then checked in
    full by its pattern, so the index changes which rules are tried, never what matches: most
    lines hold the anchor of a handful of the ~110 rules.
    """

    def __init__(self, patterns: Sequence[CompiledPattern]):
        self.by_form: dict[str, list[int]] = {}
        self.by_tag: dict[str, list[int]] = {}
        self.always: list[int] = []
        for position, pattern in enumerate(patterns):
            clauses = [c for c in pattern.main.keys if c and not any(k.startswith("p:") for k in c)]
            if not clauses:
                self.always.append(position)
                continue
            anchor = min(clauses, key=lambda c: (not all(k.startswith("f:") for k in c), len(c)))
            for key in anchor:
                index = self.by_form if key.startswith("f:") else self.by_tag
                index.setdefault(key[2:], []).append(position)

    def candidates(self, utt: morph.Utterance) -> list[int]:
        found = set(self.always)
        by_form, by_tag = self.by_form, self.by_tag
        for sent in utt.sents:
            for form in sent.forms:
                hit = by_form.get(form)
                if hit:
                    found.update(hit)
            for tag in sent.tags:
                hit = by_tag.get(tag)
                if hit:
                    found.update(hit)
        return sorted(found)


def rule_fingerprint(spec: RuleSpec) -> str:
    """What the model knows a rule by: its pattern and speaker (editing either makes it new)."""
    return hashlib.sha256(f"{spec.speaker}\n{spec.pattern}".encode()).hexdigest()[:12]


def score_severity(score: float, threshold: float) -> str:
    """Severity follows the score: the upper third of the range above the threshold is high."""
    span = max(1.0 - threshold, 1e-6)
    if score >= threshold + span * 2 / 3:
        return "high"
    if score >= threshold + span / 3:
        return "medium"
    return "low"


def token_contributions(utt: morph.Utterance, contrib: dict[str, float]) -> dict[tuple[int, int], float]:
    """Spread feature contributions onto tokens: morphemes directly, character n-grams by overlap."""
    per_char = [0.0] * (len(utt.text) + 1)
    keep = [i for i, ch in enumerate(utt.text) if ch.translate(CHAR_DROP)]
    compact = "".join(utt.text[i] for i in keep)
    for n in CHAR_NGRAMS:
        for i in range(len(compact) - n + 1):
            w = contrib.get("c:" + compact[i : i + n])
            if w:
                for k in range(i, i + n):
                    per_char[keep[k]] += w / n
    scores: dict[tuple[int, int], float] = {}
    for sent in utt.sents:
        for k, tok in enumerate(sent.toks):
            s = sum(per_char[tok.start : tok.end]) + contrib.get(f"m:{tok.form}/{coarse_tag(tok.tag)}", 0.0)
            scores[(sent.index, k)] = s
    return scores


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
        kept.append(top if (start, end) == (top.start, top.end) else replace(top, start=start, end=end))
    return sorted(kept, key=lambda h: (h.start, h.category))
