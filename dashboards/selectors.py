"""Reads behind the dashboards. Every figure is an aggregate over an indexed range of calls or
flags (calls by team/agent and start time, flags by team/agent and call time), so the number of
queries is fixed and the work grows with the range shown, not with the whole table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from accounts.scoping import team_ids_visible_to
from calls.models import Call, CallAnalysis, Category, ChecklistItem, Flag, Recording, ReviewStatus, Severity
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

    def calls(self) -> QuerySet[Call]:
        calls = Call.objects.filter(started_at__gte=self.start, started_at__lt=self.end)
        if self.agent_id:
            calls = calls.filter(agent_id=self.agent_id)
        if self.team_ids is not None:
            calls = calls.filter(team_id__in=self.team_ids)
        return calls

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


def parse_date(value: str | None, default: date | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def dashboard_scope(user: User, params) -> Scope:
    """The scope a user asked for in the query string, narrowed to what they may see.

    Without a start date the range is the last DEFAULT_DAYS days, but starts no earlier than the
    first call in the scope: a team with a month of calls sees that month, not nine empty weeks.
    """
    today = timezone.localdate()
    date_to = parse_date(params.get("started_to"), today)
    date_from = parse_date(params.get("started_from"), None)
    if user.is_agent:
        scope = Scope(None, date_from or date_to, date_to, agent_id=user.pk)
    else:
        visible = team_ids_visible_to(user)
        team_id = None
        try:
            team_id = int(params.get("team") or 0) or None
        except ValueError:
            team_id = None
        if team_id and (visible is None or team_id in visible):
            scope = Scope(frozenset({team_id}), date_from or date_to, date_to, team_id=team_id)
        else:
            scope = Scope(None if visible is None else frozenset(visible), date_from or date_to, date_to)
    if date_from is None:
        date_from = _default_start(scope, date_to)
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    return replace(scope, date_from=date_from, date_to=date_to)


def _default_start(scope: Scope, date_to: date) -> date:
    earliest = date_to - timedelta(days=DEFAULT_DAYS - 1)
    calls = Call.objects.filter(started_at__lt=scope.end)
    if scope.agent_id:
        calls = calls.filter(agent_id=scope.agent_id)
    if scope.team_ids is not None:
        calls = calls.filter(team_id__in=scope.team_ids)
    first = calls.order_by("started_at").values_list("started_at", flat=True).first()
    return max(earliest, timezone.localdate(first)) if first else earliest


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _weekly_calls(scope: Scope) -> list[dict]:
    """Calls per week with how many were recorded, analysed, flagged, abusive: one query."""
    return list(
        scope.calls()
        .order_by()
        .annotate(
            week=TruncWeek("started_at"),
            has_recording=Exists(Recording.objects.filter(call_id=OuterRef("pk"))),
        )
        .values("week")
        .annotate(
            calls=Count("id"),
            recorded=Count("id", filter=Q(has_recording=True)),
            analysed=Count("analysis__id"),
            flagged=Count("analysis__id", filter=Q(analysis__agent_flag_count__gt=0)),
            abuse_calls=Count("analysis__id", filter=Q(analysis__abuse_count__gt=0)),
        )
    )


def call_totals(scope: Scope, weekly: list[dict] | None = None) -> dict:
    weekly = _weekly_calls(scope) if weekly is None else weekly
    totals = {
        key: sum(row[key] for row in weekly) for key in ("calls", "recorded", "analysed", "flagged", "abuse_calls")
    }
    totals["flagged_share"] = round(100 * totals["flagged"] / totals["analysed"]) if totals["analysed"] else None
    return totals


def flags_by_category(scope: Scope, analysed: int) -> list[dict]:
    """Agent flags per category (what the agent said), and customer abuse, per 100 analysed calls."""
    # order_by() drops Flag's default ordering, which would join the call and split the groups.
    counted = scope.flags().filter(AGENT_FLAGS | Q(category=Category.ABUSE)).order_by()
    counts = dict(counted.values_list("category").annotate(n=Count("id")).values_list("category", "n"))
    labels = dict(Category.choices)
    return [
        {
            "category": cat,
            "label": labels[cat],
            "count": counts.get(cat, 0),
            "per100": per_100_calls(counts.get(cat, 0), analysed),
            "url": scope.search_url(category=cat),
        }
        for cat in Category.values
    ]


def weekly_trend(scope: Scope, weekly: list[dict] | None = None) -> list[dict]:
    """Per week: calls, analysed calls, agent-side flags and abuse flags (and per 100 calls)."""
    weeks: dict[date, dict] = {}
    day = _week_start(scope.date_from)
    while day <= scope.date_to:
        weeks[day] = {"week": day, "calls": 0, "analysed": 0, "flags": 0, "abuse": 0}
        day += timedelta(days=7)
    for row in _weekly_calls(scope) if weekly is None else weekly:
        week = weeks.get(_as_date(row["week"]))
        if week:
            week["calls"] += row["calls"]
            week["analysed"] += row["analysed"]
    flags = (
        scope.flags()
        .annotate(week=TruncWeek("call_started_at"))
        .values("week")
        .annotate(
            flags=Count("id", filter=AGENT_FLAGS),
            abuse=Count("id", filter=Q(category=Category.ABUSE)),
        )
        .order_by()
    )
    for row in flags:
        week = weeks.get(_as_date(row["week"]))
        if week:
            week["flags"] += row["flags"]
            week["abuse"] += row["abuse"]
    for week in weeks.values():
        week["per100"] = per_100_calls(week["flags"], week["analysed"])
        end = min(week["week"] + timedelta(days=6), scope.date_to)
        start = max(week["week"], scope.date_from)
        week["url"] = (
            reverse("calls:list")
            + "?"
            + urlencode({**scope.query(), "started_from": start.isoformat(), "started_to": end.isoformat()})
        )
    return list(weeks.values())


def agent_table(scope: Scope) -> list[dict]:
    """Per agent: calls, flags per 100 analysed calls (whole range and each half), checklist coverage."""
    mid = scope.start + (scope.end - scope.start) / 2
    rows: dict[int, dict] = defaultdict(
        lambda: {"calls": 0, "analysed": 0, "a1": 0, "a2": 0, "flags": 0, "f1": 0, "f2": 0, "found": 0, "due": 0}
    )
    for row in (
        scope.calls()
        .values("agent_id")
        .annotate(
            calls=Count("id"),
            analysed=Count("analysis__id"),
            a1=Count("analysis__id", filter=Q(started_at__lt=mid)),
        )
        .order_by()
    ):
        item = rows[row["agent_id"]]
        item.update(calls=row["calls"], analysed=row["analysed"], a1=row["a1"], a2=row["analysed"] - row["a1"])
    for row in (
        scope.flags()
        .filter(AGENT_FLAGS)
        .values("agent_id")
        .annotate(flags=Count("id"), f1=Count("id", filter=Q(call_started_at__lt=mid)))
        .order_by()
    ):
        item = rows[row["agent_id"]]
        item.update(flags=row["flags"], f1=row["f1"], f2=row["flags"] - row["f1"])
    checklists = (
        CallAnalysis.objects.filter(call__in=scope.calls().order_by())
        .order_by()
        .values_list("call__agent_id", "checklist")
    )
    items: dict[int, dict[str, list[int]]] = defaultdict(lambda: {name: [0, 0] for name in CHECKLIST_ITEMS})
    for agent_id, checklist in checklists.iterator(chunk_size=5000):
        per_item = items[agent_id]
        for entry in checklist or ():
            status = entry.get("status")
            if status in ("found", "missing") and entry.get("item") in per_item:
                per_item[entry["item"]][1] += 1
                if status == "found":
                    per_item[entry["item"]][0] += 1
    names = {u.pk: u for u in User.objects.filter(pk__in=list(rows))}
    table = []
    for agent_id, item in rows.items():
        coverage = {name: (round(100 * found / due) if due else None) for name, (found, due) in items[agent_id].items()}
        found = sum(v[0] for v in items[agent_id].values())
        due = sum(v[1] for v in items[agent_id].values())
        per100_1, per100_2 = per_100_calls(item["f1"], item["a1"]), per_100_calls(item["f2"], item["a2"])
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
    weekly = _weekly_calls(scope)
    totals = call_totals(scope, weekly)
    table = agent_table(scope)
    return {
        "scope": scope,
        "totals": totals,
        "categories": flags_by_category(scope, totals["analysed"]),
        "weeks": weekly_trend(scope, weekly),
        "agents": table,
        "rankings": rankings(table),
        "abuse": abuse_incidents(scope),
        "queue": review_queue(scope),
        "checklist_items": [ChecklistItem(item).label for item in CHECKLIST_ITEMS],
        "links": {
            "calls": scope.calls_url(),
            "flagged": scope.search_url(flagged="1"),
            "abuse": scope.search_url(category=Category.ABUSE),
            "queue": scope.search_url(review=ReviewStatus.UNREVIEWED, severity=Severity.HIGH),
        },
    }


def agent_dashboard(agent: User, scope: Scope) -> dict:
    from calls.selectors import agent_daily_progress

    weekly = _weekly_calls(scope)
    totals = call_totals(scope, weekly)
    recent = list(
        Call.objects.filter(agent=agent).select_related("campaign", "analysis").order_by("-started_at", "-id")[:10]
    )
    flags = list(
        Flag.objects.filter(AGENT_FLAGS, agent=agent).select_related("segment").order_by("-call_started_at", "-id")[:15]
    )
    return {
        "scope": scope,
        "progress": agent_daily_progress(agent),
        "totals": totals,
        "recent": recent,
        "flags": flags,
        "categories": flags_by_category(scope, totals["analysed"]),
        "weeks": weekly_trend(scope, weekly),
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
