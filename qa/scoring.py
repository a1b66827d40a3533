"""Score arithmetic, free of the database: weighted percent of the applicable criteria."""

from collections.abc import Iterable
from typing import Protocol

YES, NO, NA = "yes", "no", "na"
SCALE_VALUES = ("1", "2", "3", "4", "5")
# Share of a criterion's weight an answer earns.
POINTS = {YES: 1.0, NO: 0.0, "1": 0.0, "2": 0.25, "3": 0.5, "4": 0.75, "5": 1.0}


class CriterionLike(Protocol):
    answer_type: str
    weight: int
    allow_na: bool
    is_fail: bool


def allowed_values(criterion: CriterionLike) -> tuple[str, ...]:
    values = (YES, NO) if criterion.answer_type == "yes_no" else SCALE_VALUES
    if criterion.allow_na and not criterion.is_fail:
        values = (*values, NA)
    return values


def score_compute(answers: Iterable[tuple[CriterionLike, str]]) -> tuple[float | None, bool]:
    """(score 0–100 or None when nothing applies, failed).

    N/A and unanswered criteria leave the sum and the total alike; a fail criterion answered
    "no" makes the score 0 whatever else was answered.
    """
    earned = total = 0.0
    failed = False
    for criterion, value in answers:
        if criterion.is_fail and value == NO:
            failed = True
        if value in ("", NA) or value not in POINTS or not criterion.weight:
            continue
        total += criterion.weight
        earned += criterion.weight * POINTS[value]
    if failed:
        return 0.0, True
    return (round(100 * earned / total, 1) if total else None), False


def answer_points(value: str) -> float | None:
    """An answer on a 0–100 scale, for comparing evaluators (None for N/A or unanswered)."""
    return None if value not in POINTS else 100 * POINTS[value]
