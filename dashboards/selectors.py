"""Reads behind the dashboards. Every figure is an aggregate over an indexed range of calls or
flags (calls by team/agent and start time, flags by team/agent and call time), so the number of
queries is fixed and the work grows with the range shown, not with the whole table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from accounts.scoping import team_ids_visible_to
from calls.models import (
    CHECKLIST_BITS,
    Call,
    CallAnalysis,
    Category,
    ChecklistItem,
    Flag,
    Recording,
    ReviewStatus,
    Severity,
)
from calls.selectors import AGENT_FLAGS, local_day_bounds, per_100_calls

CHECKLIST_ITEMS = ["greeting", "need_confirmed", "empathy", "next_step", "closing"]
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Scope:
    """Whose work and which days a dashboard shows. team_ids None means every team."""

    team_ids: frozenset[int] | None
    date_from: date
    date_to: date
    agent_id: int | None = None
    team_id: int | None = None  # the one team picked in the filter, if any

    @property
    def start(self) -> datetime:
        return local_day_bounds(self.date_from)[0]

    @property
    def end(self) -> datetime:
        return local_day_bounds(self.date_to)[1]

    @property
    def middle(self) -> datetime:
        """Splits the range in two halves for an agent's change in rate."""
        return self.start + (self.end - self.start) / 2

    def calls(self) -> QuerySet[Call]:
        calls = Call.objects.filter(started_at__gte=self.start, started_at__lt=self.end)
        if self.agent_id:
            calls = calls.filter(agent_id=self.agent_id)
        if self.team_ids is not None:
            calls = calls.filter(team_id__in=self.team_ids)
        return calls

    def analyses(self) -> QuerySet[CallAnalysis]:
        """The analyses of the calls in scope, by the call's team/agent and time copied onto them."""
        analyses = CallAnalysis.objects.filter(call_started_at__gte=self.start, call_started_at__lt=self.end)
        if self.agent_id:
            analyses = analyses.filter(agent_id=self.agent_id)
        if self.team_ids is not None:
            analyses = analyses.filter(team_id__in=self.team_ids)
        return analyses

    def flags(self) -> QuerySet[Flag]:
        flags = Flag.objects.filter(call_started_at__gte=self.start, call_started_at__lt=self.end)
        if self.agent_id:
            flags = flags.filter(agent_id=self.agent_id)
        if self.team_ids is not None:
            flags = flags.filter(team_id__in=self.team_ids)
        return flags

    def query(self, **extra) -> dict:
        params = {"started_from": self.date_from.isoformat(), "started_to": self.date_to.isoformat()}
        if self.team_id:
            params["team"] = self.team_id
        if self.agent_id:
            params["agent"] = self.agent_id
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return params

    @property
    def querystring(self) -> str:
        return urlencode(self.query())

    def calls_url(self, **extra) -> str:
        return reverse("calls:list") + "?" + urlencode(self.query(**extra))

    def search_url(self, **extra) -> str:
        return reverse("dashboards:search") + "?" + urlencode(self.query(**extra))

    def review_queue_url(self, **extra) -> str:
        return reverse("dashboards:review_queue") + "?" + urlencode(self.query(**extra))


def parse_date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def dashboard_scope(user: User, params) -> Scope:
    """The scope a user asked for in the query string, narrowed to what they may see."""
    today = timezone.localdate()
    date_to = parse_date(params.get("started_to"), today)
    date_from = parse_date(params.get("started_from"), date_to - timedelta(days=DEFAULT_DAYS - 1))
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    if user.is_agent:
        return Scope(None, date_from, date_to, agent_id=user.pk)
    visible = team_ids_visible_to(user)
    team_id = None
    try:
        team_id = int(params.get("team") or 0) or None
    except ValueError:
        team_id = None
    if team_id and (visible is None or team_id in visible):
        return Scope(frozenset({team_id}), date_from, date_to, team_id=team_id)
    return Scope(None if visible is None else frozenset(visible), date_from, date_to)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _calls_by_agent_week(scope: Scope) -> list[dict]:
    """Per agent and week: calls and recorded calls. One query, index-only on PostgreSQL."""
    # A scalar subquery per call, not EXISTS: PostgreSQL answers an EXISTS in an aggregate's
    # FILTER with a hashed scan of every recording, which grows with the whole table.
    first_recording = Recording.objects.filter(call_id=OuterRef("pk")).order_by().values("call_id")[:1]
    return list(
        scope.calls()
        .order_by()
        .annotate(week=TruncWeek("started_at"), first_recording=Subquery(first_recording))
        .values("agent_id", "week")
        .annotate(calls=Count("id"), recorded=Count("first_recording"))
    )


def _analyses_by_agent_week(scope: Scope) -> list[dict]:
    """Per agent and week: analysed calls (and in the range's first half), calls with agent flags,
    with customer abuse, and each checklist item's found/due counts (from the bit masks).
    One query, index-only on PostgreSQL (it counts call_started_at, not the id, which no index holds).
    """
    checklist = {}
    for i, item in enumerate(CHECKLIST_BITS):
        checklist[f"found_{item}"] = Sum(F("checklist_found").bitand(1 << i))
        checklist[f"due_{item}"] = Sum(F("checklist_due").bitand(1 << i))
    return list(
        scope.analyses()
        .order_by()
        .annotate(week=TruncWeek("call_started_at"))
        .values("agent_id", "week")
        .annotate(
            analysed=Count("call_started_at"),
            analysed_first_half=Count("call_started_at", filter=Q(call_started_at__lt=scope.middle)),
            flagged=Count("call_started_at", filter=Q(agent_flag_count__gt=0)),
            abuse_calls=Count("call_started_at", filter=Q(abuse_count__gt=0)),
            **checklist,
        )
    )


def _category_filter(category: str) -> Q:
    """What a category's figure counts: agent flags (AGENT_FLAGS), except abuse, the customer's."""
    return Q(category=category) if category == Category.ABUSE else AGENT_FLAGS & Q(category=category)


def _flags_by_agent_week(scope: Scope) -> list[dict]:
    """Per agent and week: agent flags (AGENT_FLAGS) per category and in the range's first half,
    and customer abuse (every abuse flag, as the trend and category chart have always counted it).
    One index-only query on PostgreSQL: it counts call_started_at (never null, in every flag
    index), not the id, which is in none.
    """
    counts = {f"category_{cat}": Count("call_started_at", filter=_category_filter(cat)) for cat in Category.values}
    return list(
        scope.flags()
        .order_by()  # Flag's default ordering would join the call and split the groups
        .annotate(week=TruncWeek("call_started_at"))
        .values("agent_id", "week")
        .annotate(
            agent_flags=Count("call_started_at", filter=AGENT_FLAGS),
            agent_flags_first_half=Count("call_started_at", filter=AGENT_FLAGS & Q(call_started_at__lt=scope.middle)),
            **counts,
        )
    )


CALL_FIGURES = ("calls", "recorded", "analysed", "analysed_first_half", "flagged", "abuse_calls")


def dashboard_figures(scope: Scope, *, with_agents: bool = True) -> dict:
    """Totals, flags by category, the weekly trend and (with_agents) the agent table of a scope.

    Three aggregate queries whatever the number of agents, calls or weeks (plus one for the
    agents' names), folded here in Python: the groups are agents x weeks, a few hundred rows at most.
    """
    call_rows = _calls_by_agent_week(scope)
    analysis_rows = _analyses_by_agent_week(scope)
    flag_rows = _flags_by_agent_week(scope)

    weeks: dict[date, dict] = {}
    day = _week_start(scope.date_from)
    while day <= scope.date_to:
        weeks[day] = {"week": day, "calls": 0, "analysed": 0, "flags": 0, "abuse": 0}
        day += timedelta(days=7)
    totals = dict.fromkeys(CALL_FIGURES, 0)
    per_category = dict.fromkeys(Category.values, 0)
    agents: dict[int, dict] = defaultdict(
        lambda: {
            **dict.fromkeys(CALL_FIGURES, 0),
            "flags": 0,
            "flags_first_half": 0,
            "found": dict.fromkeys(CHECKLIST_BITS, 0),
            "due": dict.fromkeys(CHECKLIST_BITS, 0),
        }
    )
    for row in call_rows + analysis_rows:
        agent = agents[row["agent_id"]]
        for key in CALL_FIGURES:
            totals[key] += row.get(key, 0)
            agent[key] += row.get(key, 0)
        for i, item in enumerate(CHECKLIST_BITS):
            agent["found"][item] += (row.get(f"found_{item}") or 0) >> i
            agent["due"][item] += (row.get(f"due_{item}") or 0) >> i
        week = weeks.get(_as_date(row["week"]))
        if week:
            week["calls"] += row.get("calls", 0)
            week["analysed"] += row.get("analysed", 0)
    for row in flag_rows:
        agent = agents[row["agent_id"]]
        agent["flags"] += row["agent_flags"]
        agent["flags_first_half"] += row["agent_flags_first_half"]
        for cat in Category.values:
            per_category[cat] += row[f"category_{cat}"]
        week = weeks.get(_as_date(row["week"]))
        if week:
            week["flags"] += row["agent_flags"]
            week["abuse"] += row[f"category_{Category.ABUSE}"]

    totals["flagged_share"] = round(100 * totals["flagged"] / totals["analysed"]) if totals["analysed"] else None
    labels = dict(Category.choices)
    categories = [
        {
            "category": cat,
            "label": labels[cat],
            "count": per_category[cat],
            "per100": per_100_calls(per_category[cat], totals["analysed"]),
            "url": scope.search_url(category=cat),
        }
        for cat in Category.values
    ]
    for week in weeks.values():
        week["per100"] = per_100_calls(week["flags"], week["analysed"])
        end = min(week["week"] + timedelta(days=6), scope.date_to)
        start = max(week["week"], scope.date_from)
        week["url"] = (
            reverse("calls:list")
            + "?"
            + urlencode({**scope.query(), "started_from": start.isoformat(), "started_to": end.isoformat()})
        )
    figures = {"totals": totals, "categories": categories, "weeks": list(weeks.values())}
    if with_agents:
        figures["agents"] = _agent_table(scope, agents)
    return figures


def _agent_table(scope: Scope, agents: dict[int, dict]) -> list[dict]:
    """Per agent: calls, flags per 100 analysed calls (whole range and each half), checklist coverage."""
    names = {u.pk: u for u in User.objects.filter(pk__in=list(agents))}
    table = []
    for agent_id, item in agents.items():
        coverage = {
            name: (round(100 * item["found"][name] / item["due"][name]) if item["due"][name] else None)
            for name in CHECKLIST_ITEMS
        }
        found, due = sum(item["found"].values()), sum(item["due"].values())
        analysed_second_half = item["analysed"] - item["analysed_first_half"]
        flags_second_half = item["flags"] - item["flags_first_half"]
        per100_1 = per_100_calls(item["flags_first_half"], item["analysed_first_half"])
        per100_2 = per_100_calls(flags_second_half, analysed_second_half)
        table.append(
            {
                "agent": names.get(agent_id),
                "agent_id": agent_id,
                "calls": item["calls"],
                "analysed": item["analysed"],
                "flags": item["flags"],
                "per100": per_100_calls(item["flags"], item["analysed"]),
                "improvement": (
                    round(per100_1 - per100_2, 1) if per100_1 is not None and per100_2 is not None else None
                ),
                "coverage": coverage,
                "coverage_total": round(100 * found / due) if due else None,
                "calls_url": scope.calls_url(agent=agent_id),
                "flags_url": scope.search_url(agent=agent_id),
            }
        )
    table.sort(key=lambda r: (r["agent"] is None, str(r["agent"] or "")))
    return table


def rankings(table: list[dict], size: int = 5) -> dict:
    ranked = [r for r in table if r["per100"] is not None]
    best = sorted(ranked, key=lambda r: (r["per100"], -(r["coverage_total"] or 0)))[:size]
    improved = sorted(
        (r for r in ranked if r["improvement"] is not None and r["improvement"] > 0),
        key=lambda r: -r["improvement"],
    )[:size]
    return {"best": best, "improved": improved}


def abuse_incidents(scope: Scope, limit: int = 10) -> list[Flag]:
    return list(
        scope.flags()
        .filter(category=Category.ABUSE)
        .exclude(review_status=ReviewStatus.DISMISSED)  # a reviewer said it was no abuse
        .select_related("agent", "segment")
        .order_by("-call_started_at", "-id")[:limit]
    )


SEVERITY_RANK = Case(
    When(severity=Severity.HIGH, then=Value(0)),
    When(severity=Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def review_queue(scope: Scope, limit: int = 15) -> list[Flag]:
    """Unreviewed flags, high severity first, newest first within a severity."""
    queue = []
    for severity in (Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        # One indexed query per severity instead of sorting every unreviewed flag in the range.
        rows = list(
            scope.flags()
            .filter(review_status=ReviewStatus.UNREVIEWED, severity=severity)
            .select_related("agent", "segment")
            .order_by("-call_started_at", "-id")[: limit - len(queue)]
        )
        queue.extend(rows)
        if len(queue) >= limit:
            break
    return queue


def team_dashboard(user: User, scope: Scope) -> dict:
    from .review_queue import unreviewed_agent_flags

    figures = dashboard_figures(scope)
    context = {
        "scope": scope,
        **figures,
        "rankings": rankings(figures["agents"]),
        "abuse": abuse_incidents(scope),
        "queue": review_queue(scope),
        "to_review": unreviewed_agent_flags(scope.flags()).count(),
        "checklist_items": [ChecklistItem(item).label for item in CHECKLIST_ITEMS],
        "links": {
            "calls": scope.calls_url(),
            "flagged": scope.search_url(flagged="1"),
            "abuse": scope.search_url(category=Category.ABUSE),
            "queue": scope.review_queue_url(),
            "queue_all": scope.review_queue_url(kind="all"),
        },
    }
    # More figures for this page (the evaluation-score trends of the qa app, say) join here as one
    # selector call each, with a fixed number of queries over the same indexed range:
    # bench/dashboard.py measures the page as a whole against its 150 ms target, and
    # tests/dashboards/test_dashboard_speed.py checks the query count does not grow.
    return context


def agent_dashboard(agent: User, scope: Scope) -> dict:
    from calls.selectors import agent_daily_progress

    figures = dashboard_figures(scope, with_agents=False)
    recent = list(
        Call.objects.filter(agent=agent).select_related("campaign", "analysis").order_by("-started_at", "-id")[:10]
    )
    flags = list(
        Flag.objects.filter(AGENT_FLAGS, agent=agent).select_related("segment").order_by("-call_started_at", "-id")[:15]
    )
    return {
        "scope": scope,
        "progress": agent_daily_progress(agent),
        **figures,
        "recent": recent,
        "flags": flags,
        "coaching": coaching_inbox(agent),
    }


def coaching_inbox(agent: User):
    """Coaching assigned to the agent, if the coaching app provides it (built in parallel)."""
    try:
        from coaching.selectors import agent_inbox
    except ImportError:
        return None
    try:
        return list(agent_inbox(agent)[:10])
    except TypeError:
        return list(agent_inbox(agent))[:10]


def teams_for_filter(user: User) -> QuerySet[Team]:
    from accounts.scoping import teams_visible_to

    return teams_visible_to(user)
