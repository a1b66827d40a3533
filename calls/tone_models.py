"""The learned tone model in the app: which version is in use, and retraining it from the corpus
plus what reviewers and trainers taught it.

Reviewers' verdicts become training rows for one category each: a confirmed blame flag says the
segment is blame, a dismissed one that it is not (and says nothing of the other categories).
Lines a trainer labels by hand (LabelledLine) are labelled for every category of their speaker.
Both go to the training split only; validation and test stay the corpus's own, so figures stay
comparable between versions.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from tone import load_starter_rules
from tone.corpus import Example, categories_for, extra_training, extra_validation, load_split, with_asr_variants
from tone.engine import Analyzer
from tone.model import SHIPPED_MODEL_PATH, ToneModel, model_digest, shipped_model
from tone.morph import get_kiwi
from tone.training import C_GRID, Scores, evaluate, fit_cv, prf

from .models import Flag, LabelledLine, ReviewStatus, Rule, Speaker, ToneModelVersion

logger = logging.getLogger(__name__)
RETRAIN_C_GRID = C_GRID

_lock = threading.Lock()
_cache: dict[str, ToneModel] = {}
_shipped_digest: str | None = None


def shipped_digest() -> str:
    global _shipped_digest
    if _shipped_digest is None:
        _shipped_digest = model_digest(SHIPPED_MODEL_PATH.read_bytes()) if SHIPPED_MODEL_PATH.exists() else ""
    return _shipped_digest


def active_model_digest() -> str:
    """The digest of the model analysis uses now ('' when the model is switched off or absent)."""
    if not settings.TONE_MODEL_ENABLED:
        return ""
    row = ToneModelVersion.objects.filter(is_active=True).values_list("digest", flat=True).first()
    return row or shipped_digest()


def active_model() -> tuple[str, ToneModel | None]:
    """(digest, model) in use; loaded once per process per digest."""
    digest = active_model_digest()
    if not digest:
        return "", None
    model = _cache.get(digest)
    if model is None:
        with _lock:
            model = _cache.get(digest)
            if model is None:
                row = ToneModelVersion.objects.filter(digest=digest).values_list("blob", flat=True).first()
                model = ToneModel.from_bytes(bytes(row)) if row is not None else shipped_model()
                _cache.clear()  # one model per process is enough
                _cache[digest] = model
    return digest, model


# --- training data from the app ------------------------------------------------------------------


def reviewer_examples() -> list[Example]:
    """Confirmed and dismissed flags, and trainer-labelled lines, as training rows."""
    from .analysis import call_turns

    out: list[Example] = []
    verdicts = (
        Flag.objects.exclude(review_status=ReviewStatus.UNREVIEWED)
        .exclude(speaker=Speaker.UNKNOWN)
        .select_related("segment", "call")
        .order_by("call_id", "id")
    )
    contexts: dict[int, str | None] = {}  # segment id -> the other party's turn before it
    for flag in verdicts:
        if flag.segment_id not in contexts:
            segments, _spoken_by, before = call_turns(flag.call)
            contexts.update(zip((s.pk for s in segments), before, strict=True))
        positive = flag.review_status == ReviewStatus.CONFIRMED
        out.append(
            Example(
                text=flag.segment.text,
                speaker=flag.speaker,
                labels=frozenset({flag.category}) if positive else frozenset(),
                known=frozenset({flag.category}) & categories_for(flag.speaker),
                context=contexts.get(flag.segment_id) or "",
                source="review",
                id=f"flag-{flag.pk}",
            )
        )
    for line in LabelledLine.objects.order_by("id"):
        known = categories_for(line.speaker)
        out.append(
            Example(
                text=line.text,
                speaker=line.speaker,
                labels=frozenset(line.labels) & known,
                known=known,
                context=line.context,
                source="trainer",
                id=f"line-{line.pk}",
            )
        )
    return [e for e in out if e.known]


def shared_data_dir() -> Path | None:
    path = Path(settings.TONE_SHARED_DATA)
    return path if path.exists() else None


def training_sets(seed: int = 0) -> tuple[list[Example], list[Example], list[Example]]:
    """(train, validation, test): the corpus by writer, plus development sets and the app's own rows."""
    repo = Path(settings.BASE_DIR)
    train = load_split("train") + extra_training(shared_data_dir(), repo) + reviewer_examples()
    validation = load_split("validation") + extra_validation(shared_data_dir())
    # both are trained on (tone.training.fit_cv holds each writer out in turn); the test split never
    return list(with_asr_variants(train, seed)), list(with_asr_variants(validation, seed + 1)), load_split("test")


# --- retraining ------------------------------------------------------------------------------------


@dataclass
class TrainOutcome:
    accepted: bool
    reason: str
    version: ToneModelVersion | None
    candidate: Scores
    current: Scores | None
    report: dict[str, Any]


def _scores_dict(scores: Scores) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for category, (tp, fp, fn) in scores.counts.items():
        p, r, f = prf(tp, fp, fn)
        out[category] = {"P": round(p, 4), "R": round(r, 4), "F1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}
    out["macro_f1"] = round(scores.macro_f1(), 4)
    out["clean_agent_false_flags"] = list(scores.clean_agent)
    out["clean_customer_false_flags"] = list(scores.clean_customer)
    return out


def tone_model_train(*, actor=None, seed: int = 0, dry_run: bool = False) -> TrainOutcome:
    """Train a candidate; keep it only if it is no worse on the test split than the model in use."""
    train, validation, test = training_sets(seed)
    if not train or not validation or not test:
        raise ValueError("the tone corpus has no train, validation or test split")
    rules = [rule.to_spec() for rule in Rule.objects.filter(is_active=True).order_by("id")] or load_starter_rules()
    kiwi = get_kiwi()
    sources: dict[str, int] = {}
    for e in train + validation:
        key = e.source.split(":")[0]
        sources[key] = sources.get(key, 0) + 1
    result = fit_cv(rules, train + validation, seed=seed, kiwi=kiwi, c_grid=RETRAIN_C_GRID, meta={"sources": sources})
    candidate = result.model
    candidate_scores = evaluate(Analyzer(rules, kiwi=kiwi, model=candidate), test)
    digest, current = active_model()
    current_scores = evaluate(Analyzer(rules, kiwi=kiwi, model=current), test) if current is not None else None
    changes = {}
    if current is not None:
        for category, figures in result.validation.items():
            before = current.meta.get("validation", {}).get(category, {})
            changes[category] = {
                "validation_F1": [before.get("F1"), figures["F1"]],
                "threshold": [current.thresholds.get(category), figures["threshold"]],
                "test_F1": [round(current_scores.f1(category), 4), round(candidate_scores.f1(category), 4)],
            }
    report = {
        "validation": result.validation,
        "test": _scores_dict(candidate_scores),
        "test_current": _scores_dict(current_scores) if current_scores else None,
        "changes": changes,
        "sources": sources,
        "seed": seed,
        "previous_digest": digest,
    }
    if current_scores is not None and candidate_scores.macro_f1() < current_scores.macro_f1():
        reason = (
            f"refused: test macro-F1 {candidate_scores.macro_f1():.4f} is worse than the model in use "
            f"({current_scores.macro_f1():.4f})"
        )
        return TrainOutcome(False, reason, None, candidate_scores, current_scores, report)
    data = candidate_to_bytes(candidate, seed)
    new_digest = model_digest(data)
    if new_digest == digest:
        return TrainOutcome(
            False,
            "unchanged: the same data and seed give the model in use",
            None,
            candidate_scores,
            current_scores,
            report,
        )
    if dry_run:
        return TrainOutcome(True, "dry run: not saved", None, candidate_scores, current_scores, report)
    with transaction.atomic():
        number = (ToneModelVersion.objects.select_for_update().aggregate(n=Max("version"))["n"] or 0) + 1
        ToneModelVersion.objects.filter(is_active=True).update(is_active=False)
        version = ToneModelVersion.objects.create(
            version=number, digest=new_digest, blob=data, report=report, is_active=True, created_by=actor
        )
    return TrainOutcome(True, f"saved as version {number}", version, candidate_scores, current_scores, report)


def candidate_to_bytes(model: ToneModel, seed: int) -> bytes:
    """Bytes that depend only on the data and seed (no wall-clock time), so retrains are reproducible."""
    model.meta.pop("fit_seconds", None)
    model.meta["seed"] = seed
    return model.to_bytes()
