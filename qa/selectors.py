"""Reads of the QA app, scoped first (an agent: their own; others: the teams they see)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import User
from accounts.scoping import team_ids_visible_to
from calls.models import Call, Flag
from calls.selectors import AGENT_FLAGS

from .models import (
    Answer,
    Calibration,
    Criterion,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationStatus,
    QueueItem,
    SamplingRule,
    Scorecard,
)
from .policies import can_evaluate
from .scoring import answer_points

# Evaluations that count: submitted, and not a calibration exercise.
COUNTED = Q(status=EvaluationStatus.SUBMITTED, calibration__isnull=True)


def _team_scope(queryset: QuerySet, user: User, team_field: str = "team_id") -> QuerySet:
    team_ids = team_ids_visible_to(user)
    return queryset if team_ids is None else queryset.filter(**{f"{team_field}__in": team_ids})


def evaluations_visible_to(user: User) -> QuerySet[Evaluation]:
    """An agent: their own submitted evaluations. Evaluators: submitted evaluations of the teams
    they see, and their own drafts and calibration scores (others' calibration scores are read
    on the calibration page, once its blind rule allows)."""
    evaluations = Evaluation.objects.select_related("call", "scorecard", "evaluator", "agent", "team")
    if user.is_agent:
        return evaluations.filter(COUNTED, agent=user)
    if not can_evaluate(user):
        return evaluations.none()
    return _team_scope(evaluations, user).filter(COUNTED | Q(evaluator=user))


def scorecards_visible_to(user: User) -> QuerySet[Scorecard]:
    scorecards = Scorecard.objects.select_related("team")
    if not can_evaluate(user):
        return scorecards.none()
    team_ids = team_ids_visible_to(user)
    return scorecards if team_ids is None else scorecards.filter(Q(team__isnull=True) | Q(team_id__in=team_ids))


def scorecards_for_call(call: Call) -> QuerySet[Scorecard]:
    return Scorecard.objects.filter(Q(team__isnull=True) | Q(team_id=call.team_id), is_active=True)


def scorecard_structure(scorecard: Scorecard) -> list[dict]:
    """Sections with their criteria, in order: two queries."""
    criteria = defaultdict(list)
    for criterion in Criterion.objects.filter(scorecard=scorecard).order_by("order", "id"):
        criteria[criterion.section_id].append(criterion)
    return [{"section": s, "criteria": criteria[s.pk]} for s in scorecard.sections.all()]


def evaluation_sections(evaluation: Evaluation) -> list[dict]:
    """The evaluation's answers grouped by section, in the scorecard's order."""
    answers = list(evaluation.answers.select_related("criterion", "criterion__section"))
    sections: dict[int, dict] = {}
    for answer in sorted(answers, key=lambda a: (a.criterion.section.order, a.criterion.order, a.criterion_id)):
        section = answer.criterion.section
        sections.setdefault(section.pk, {"section": section, "answers": []})["answers"].append(answer)
    return list(sections.values())


def queue_for(user: User) -> QuerySet[QueueItem]:
    """평가 대기: open queue items of the teams the evaluator sees, theirs or anyone's."""
    if not can_evaluate(user):
        return QueueItem.objects.none()
    items = QueueItem.objects.filter(done_at__isnull=True).filter(Q(evaluator=user) | Q(evaluator__isnull=True))
    return (
        _team_scope(items, user)
        .select_related("call", "agent", "team", "scorecard", "rule")
        .order_by("week", "call__started_at", "id")
    )


def sampling_rules_visible_to(user: User) -> QuerySet[SamplingRule]:
    if not can_evaluate(user):
        return SamplingRule.objects.none()
    return _team_scope(SamplingRule.objects.select_related("team", "scorecard", "evaluator"), user)


def calibrations_visible_to(user: User) -> QuerySet[Calibration]:
    if not can_evaluate(user):
        return Calibration.objects.none()
    return _team_scope(Calibration.objects.select_related("call", "scorecard", "created_by"), user, "call__team_id")


def disputes_visible_to(user: User) -> QuerySet[Dispute]:
    disputes = Dispute.objects.select_related("raised_by", "call", "evaluation", "flag", "decided_by", "team")
    if user.is_agent:
        return disputes.filter(raised_by=user)
    if not can_evaluate(user):
        return disputes.none()
    return _team_scope(disputes, user)


def open_dispute_count(user: User) -> int:
    return disputes_visible_to(user).filter(status=DisputeStatus.OPEN).count() if not user.is_agent else 0


# --- calibration spread -----------------------------------------------------------------------


@dataclass
class CriterionSpread:
    criterion: Criterion
    values: list[str]  # one per submitted evaluation, in the evaluations' order

    @property
    def points(self) -> list[float]:
        return [p for p in (answer_points(v) for v in self.values) if p is not None]

    @property
    def minimum(self) -> float | None:
        return min(self.points) if self.points else None

    @property
    def maximum(self) -> float | None:
        return max(self.points) if self.points else None

    @property
    def stdev(self) -> float | None:
        return round(statistics.pstdev(self.points), 1) if len(self.points) > 1 else None

    @property
    def agreement(self) -> int | None:
        """Share of evaluators who gave the most common answer (N/A counts as an answer)."""
        given = [v for v in self.values if v]
        if not given:
            return None
        return round(100 * Counter(given).most_common(1)[0][1] / len(given))


def calibration_spread(calibration: Calibration) -> dict:
    evaluations = list(
        calibration.evaluations.filter(status=EvaluationStatus.SUBMITTED).select_related("evaluator").order_by("id")
    )
    by_eval = defaultdict(dict)
    for evaluation_id, criterion_id, value in Answer.objects.filter(evaluation__in=evaluations).values_list(
        "evaluation_id", "criterion_id", "value"
    ):
        by_eval[criterion_id][evaluation_id] = value
    rows = [
        CriterionSpread(criterion, [by_eval[criterion.pk].get(e.pk, "") for e in evaluations])
        for criterion in Criterion.objects.filter(scorecard_id=calibration.scorecard_id).order_by(
            "section__order", "order", "id"
        )
    ]
    scores = [e.score for e in evaluations if e.score is not None]
    agreements = [r.agreement for r in rows if r.agreement is not None]
    return {
        "evaluations": evaluations,
        "rows": rows,
        "score_min": min(scores) if scores else None,
        "score_max": max(scores) if scores else None,
        "score_range": round(max(scores) - min(scores), 1) if scores else None,
        "score_stdev": round(statistics.pstdev(scores), 1) if len(scores) > 1 else None,
        "agreement": round(sum(agreements) / len(agreements)) if agreements else None,
    }


# --- score trends for the dashboards ----------------------------------------------------------


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _as_date(value) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


def _agent_entry(agents: dict[int, dict], agent_id: int, name: str) -> dict:
    """The agent's running figures in `agents`, started at zero the first time the agent is seen."""
    agent = agents.get(agent_id)
    if agent is None:
        agent = agents[agent_id] = {
            "agent_id": agent_id,
            "name": name,
            "total": 0.0,
            "n": 0,
            "failed": 0,
            "disputes": {s: 0 for s in DisputeStatus.values},
        }
    return agent


def evaluation_scores(scope) -> dict:
    """Average evaluation score per week and per agent, and disputes per agent, for a dashboard
    scope (dashboards.selectors.Scope: team_ids, agent_id, date range): two aggregate queries.

    Weeks run Monday to Sunday in Seoul time, by when the call was made, like the flag trend.
    """
    evaluations = Evaluation.objects.filter(
        COUNTED, score__isnull=False, call_started_at__gte=scope.start, call_started_at__lt=scope.end
    )
    disputes = Dispute.objects.all()
    if scope.agent_id:
        evaluations = evaluations.filter(agent_id=scope.agent_id)
        disputes = disputes.filter(raised_by_id=scope.agent_id)
    if scope.team_ids is not None:
        evaluations = evaluations.filter(team_id__in=scope.team_ids)
        disputes = disputes.filter(team_id__in=scope.team_ids)
    rows = (
        evaluations.annotate(week=TruncWeek("call_started_at"))
        .values("week", "agent_id", "agent__display_name", "agent__username")
        .annotate(total=Sum("score"), n=Count("id"), failed=Count("id", filter=Q(failed=True)))
        .order_by()
    )
    weeks: dict[date, dict] = {}
    day = _week_start(scope.date_from)
    while day <= scope.date_to:
        weeks[day] = {"week": day, "total": 0.0, "n": 0}
        day += timedelta(days=7)
    agents: dict[int, dict] = {}
    for row in rows:
        week = weeks.get(_as_date(row["week"]))
        if week is not None:
            week["total"] += row["total"]
            week["n"] += row["n"]
        agent = _agent_entry(agents, row["agent_id"], row["agent__display_name"] or row["agent__username"])
        agent["total"] += row["total"]
        agent["n"] += row["n"]
        agent["failed"] += row["failed"]
    dispute_counts = {s: 0 for s in DisputeStatus.values}
    dispute_rows = disputes.values("raised_by_id", "raised_by__display_name", "raised_by__username", "status")
    for row in dispute_rows.annotate(n=Count("id")).order_by():
        dispute_counts[row["status"]] += row["n"]
        name = row["raised_by__display_name"] or row["raised_by__username"]
        agent = _agent_entry(agents, row["raised_by_id"], name)
        agent["disputes"][row["status"]] += row["n"]
    for item in [*weeks.values(), *agents.values()]:
        item["average"] = round(item["total"] / item["n"], 1) if item["n"] else None
    total_n = sum(a["n"] for a in agents.values())
    return {
        "weeks": list(weeks.values()),
        "agents": sorted(agents.values(), key=lambda a: a["name"]),
        "average": round(sum(a["total"] for a in agents.values()) / total_n, 1) if total_n else None,
        "count": total_n,
        "disputes": dispute_counts,
    }


# --- the call page ----------------------------------------------------------------------------


def call_qa_context(user: User, call: Call) -> dict:
    """What the call page shows of QA: evaluations, disputes, and for its agent the flags they can
    acknowledge or dispute."""
    from .models import Acknowledgement
    from .policies import can_evaluate_call

    evaluations = list(evaluations_visible_to(user).filter(call=call, calibration__isnull=True))
    disputes = list(disputes_visible_to(user).filter(call=call))
    own_flags = []
    if user.is_agent and call.agent_id == user.pk:
        own_flags = list(Flag.objects.filter(AGENT_FLAGS, call=call).order_by("segment__start", "start"))
        acked = set(Acknowledgement.objects.filter(flag__in=own_flags).values_list("flag_id", flat=True))
        disputed = {d.flag_id: d for d in disputes if d.flag_id}
        for flag in own_flags:
            flag.acknowledged = flag.pk in acked
            flag.dispute = disputed.get(flag.pk)
    can_eval = can_evaluate_call(user, call)
    return {
        "qa_evaluations": evaluations,
        "qa_disputes": disputes,
        "qa_own_flags": own_flags,
        "qa_can_evaluate": can_eval,
        "qa_scorecards": list(scorecards_for_call(call)) if can_eval else [],
    }
