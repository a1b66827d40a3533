"""Fitting and measuring the tone model: seeded, reproducible, thresholds chosen out of fold.

    result = fit_cv(rules, examples, seed=0)
    scores = evaluate(Analyzer(rules, model=result.model), test)

One logistic regression per category (liblinear, deterministic for a given row order) over the
hashed features of `tone.features`; each row counts only for the categories it is labelled for
(`Example.known`), so a reviewer's verdict on a blame flag teaches the blame model and nothing
else. The regularisation strength and the thresholds are chosen on leave-one-writer-out scores
(fit_cv), precision first (choose_threshold): the best F1 among thresholds that flag few clean
lines.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .corpus import Example, categories_for
from .engine import Analyzer, rule_fingerprint
from .features import N_FEATURES
from .model import MODEL_CATEGORIES, ToneModel, vectorize
from .rules import RuleSpec

# A flag must be right at least 85 times in 100 on held-out scores (precision first).
MIN_PRECISION = 0.85
# Per category, at most 3 in 200 clean lines flagged on held-out scores. The clean lines include
# the hardest ones on purpose: sincere twins of rude lines and everyday polite speech. Out of
# fold, with every category at its cut-off, that adds up to about 1.4 % of clean call lines
# flagged (the target is at most 2 %) and 6 % of everyday sentences, which sound like no call;
# the final model, fitted on every writer, flags fewer. At 1 in 100, sarcasm's recall was held
# to 0.70 by sincere compliments alone; at 2 in 100, everyday sentences went to 8 %.
MAX_CLEAN_RATE = 0.015
C_GRID = (32.0, 128.0)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def choose_threshold(
    y: np.ndarray,
    p: np.ndarray,
    clean: np.ndarray | None = None,
    min_precision: float = MIN_PRECISION,
    max_clean_rate: float = MAX_CLEAN_RATE,
) -> tuple[float, float]:
    """(threshold, F1 at it) on validation, precision first.

    The error that costs trust is a flag on a line with nothing wrong in it, so a threshold is
    admissible only if it flags at most `max_clean_rate` of the *clean* validation lines (no
    label at all) and keeps precision at least `min_precision`; among those, the best F1. Mixing
    up neighbouring categories on a line that is rude anyway (sarcasm read as blame) costs less,
    and writers themselves disagree there. Without an admissible threshold: the best F0.5.
    """
    if y.sum() == 0:
        return 0.5, 0.0
    clean = np.zeros_like(y, dtype=bool) if clean is None else clean
    order = np.argsort(-p)
    ys, ps, cs = y[order], p[order], clean[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    clean_rate = np.cumsum(cs) / max(int(cs.sum()), 1)
    precision = tp / (tp + fp)
    recall = tp / y.sum()
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-9)
    # only cut between distinct scores
    distinct = np.r_[ps[1:] < ps[:-1], True]
    ok = distinct & (precision >= min_precision) & (clean_rate <= max_clean_rate)
    if ok.any():
        k = int(np.argmax(np.where(ok, f1, -1)))
    else:
        f05 = 1.25 * precision * recall / np.maximum(0.25 * precision + recall, 1e-9)
        k = int(np.argmax(np.where(distinct, f05, -1)))
    # halfway to the next lower score, so a line scoring just under the cut-off is not a coin toss
    lower = ps[k + 1] if k + 1 < len(ps) else ps[k] - 0.05
    return float(max((ps[k] + lower) / 2, 0.05)), float(f1[k])


@dataclass
class FitResult:
    model: ToneModel
    validation: dict[str, dict[str, float]] = field(default_factory=dict)


def is_clean_call_line(example: Example) -> bool:
    """An agent or customer line labelled for all its speaker's categories and flagged for none
    (the curse set's comments, of unknown speaker, are no call lines)."""
    return not example.labels and example.speaker != "unknown" and example.known == categories_for(example.speaker)


def writer_of(example: Example) -> str:
    """The fold an example is held out in: its corpus writer; for the curse set's anonymous
    comments one of four hash folds (so their held-out scores come from a model that has seen
    other such comments, as the final one has); '' for rows always trained on (the development
    sets, reviewers' verdicts, trainers' lines)."""
    if example.source.startswith("corpus:"):
        return example.source.split(":")[1].split("_")[0]
    if example.source == "curse":
        return f"curse{zlib.crc32(example.text.encode()) % 4}"
    return ""


def fit_cv(
    rules: Sequence[RuleSpec],
    examples: Sequence[Example],
    *,
    seed: int = 0,
    with_rules: bool = True,
    kiwi: Any = None,
    c_grid: Sequence[float] = C_GRID,
    meta: dict[str, Any] | None = None,
) -> FitResult:
    """Leave-one-writer-out: thresholds and C from out-of-fold scores, then one fit on everything.

    Each writer's lines are scored by a model that never saw that writer, which is the situation
    the app is in with every new call centre; the thresholds chosen on those scores carry that
    shift. The final model is then fitted on all rows, so no labelled line is left unused. The
    corpus's test split must not be among `examples`.
    """
    from sklearn.linear_model import LogisticRegression

    started = time.time()
    analyzer = Analyzer(rules, kiwi=kiwi)
    x = vectorize(analyzer.featurize([(e.text, e.speaker, e.context or None) for e in examples], with_rules))
    used = np.unique(x.indices)
    x = x[:, used]
    groups = np.array([writer_of(e) for e in examples])
    held_out = sorted(g for g in set(groups) if g)
    original = np.array([not e.source.endswith(":asr") for e in examples])
    sample_weight = np.array([e.weight for e in examples])
    clean = np.array([is_clean_call_line(e) for e in examples])
    flagged_oof = np.zeros(len(examples), dtype=bool)  # any category over its threshold, out of fold
    weights = np.zeros((N_FEATURES, len(MODEL_CATEGORIES)), dtype=np.float32)
    bias = np.zeros(len(MODEL_CATEGORIES), dtype=np.float32)
    thresholds: dict[str, float] = {}
    report: dict[str, dict[str, float]] = {}
    for col, category in enumerate(MODEL_CATEGORIES):
        known = np.array([category in e.known for e in examples])
        y = np.array([category in e.labels for e in examples], dtype=int)
        if y[known].sum() == 0 or y[known].sum() == known.sum():
            continue
        scored = known & original & (groups != "")
        best: tuple[float, float, float, np.ndarray] | None = None
        for c in c_grid:
            oof = np.zeros(len(examples))
            for g in held_out:
                fit_rows = known & (groups != g)
                test_rows = scored & (groups == g)
                if not test_rows.any() or y[fit_rows].sum() == 0:
                    continue
                clf = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=seed)
                clf.fit(x[fit_rows], y[fit_rows], sample_weight=sample_weight[fit_rows])
                oof[test_rows] = clf.predict_proba(x[test_rows])[:, 1]
            t, f1 = choose_threshold(y[scored], oof[scored], clean[scored])
            if best is None or f1 > best[0] + 1e-9:
                best = (f1, c, t, oof)
        f1, c, t, oof = best
        clf = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=seed)
        clf.fit(x[known], y[known], sample_weight=sample_weight[known])
        weights[used, col] = clf.coef_[0]
        bias[col] = clf.intercept_[0]
        thresholds[category] = round(t, 4)
        pred = oof[scored] >= t
        truth = y[scored] == 1
        p, r, f = prf(int((pred & truth).sum()), int((pred & ~truth).sum()), int((~pred & truth).sum()))
        report[category] = {"P": round(p, 4), "R": round(r, 4), "F1": round(f, 4), "threshold": t, "C": c}
        flagged_oof |= scored & (oof >= t)
    in_corpus = original & (groups != "") & ~np.char.startswith(groups.astype(str), "curse")
    clean_oof = {
        speaker: [
            int((flagged_oof & clean & in_corpus & is_speaker).sum()),
            int((clean & in_corpus & is_speaker).sum()),
        ]
        for speaker, is_speaker in (
            ("agent", np.array([e.speaker == "agent" for e in examples])),
            ("customer", np.array([e.speaker == "customer" for e in examples])),
        )
    }
    info = {
        "seed": seed,
        "with_rules": with_rules,
        "train_rows": len(examples),
        "validation": report,
        "validation_method": "leave one writer out (" + ", ".join(held_out) + ")",
        "validation_clean_false_flags": clean_oof,
        "fit_seconds": round(time.time() - started, 1),
        "rules": {spec.code: rule_fingerprint(spec) for spec in rules} if with_rules else {},
        **(meta or {}),
    }
    return FitResult(ToneModel(weights, bias, MODEL_CATEGORIES, thresholds, info), report)


@dataclass
class Scores:
    counts: dict[str, list[int]]  # category -> [tp, fp, fn]
    clean_agent: tuple[int, int]  # (lines with a flag, clean agent lines)
    clean_customer: tuple[int, int]  # (lines with a flag, customer lines labelled nothing)
    errors: list[tuple[Example, set[str]]] = field(default_factory=list)

    def f1(self, category: str) -> float:
        return prf(*self.counts[category])[2]

    def macro_f1(self) -> float:
        present = [c for c, (tp, fp, fn) in self.counts.items() if tp + fn]
        return sum(self.f1(c) for c in present) / len(present) if present else 0.0


def evaluate(analyzer: Analyzer, examples: Sequence[Example]) -> Scores:
    """Per-category counts and false-flag rates on clean lines (a line counts once, any flag)."""
    preds = analyzer.analyze_many([(e.text, e.speaker, e.context or None) for e in examples])
    counts = {c: [0, 0, 0] for c in MODEL_CATEGORIES}
    clean_a = [0, 0]
    clean_c = [0, 0]
    errors = []
    for e, flags in zip(examples, preds, strict=True):
        got = {f.category for f in flags}
        for c in e.known:
            if c in got and c in e.labels:
                counts[c][0] += 1
            elif c in got:
                counts[c][1] += 1
            elif c in e.labels:
                counts[c][2] += 1
        if is_clean_call_line(e):
            bucket = clean_a if e.speaker == "agent" else clean_c
            bucket[1] += 1
            bucket[0] += bool(got)
        if (got & e.known) != set(e.labels):
            errors.append((e, got))
    return Scores(counts, tuple(clean_a), tuple(clean_c), errors)
