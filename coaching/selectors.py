"""Reads shared by the coaching pages, the API and the dashboards. Scope first, then filter."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from accounts.scoping import sees_everything, team_ids_visible_to
from calls.models import Call, Flag
from calls.selectors import AGENT_FLAGS

from .models import (
    Assignment,
    CoachingSession,
    Module,
    PracticeAttempt,
    PracticeItem,
    Suggestion,
    SuggestionStatus,
)

# Below this many calls in a window a rate is shown, but marked as resting on too few calls.
MIN_CALLS_FOR_RATE = 20


# --- permissions ------------------------------------------------------------------------------


def can_edit_modules(user: User) -> bool:
    return user.is_superuser or user.role in (Role.ADMIN, Role.TRAINER)


def can_coach(user: User) -> bool:
    """Assign modules, record sessions, act on suggestions (for the agents in their scope)."""
    return user.is_superuser or user.role in (Role.ADMIN, Role.TRAINER, Role.SUPERVISOR)


def can_coach_agent(user: User, agent: User) -> bool:
    if not can_coach(user) or agent.role != Role.AGENT:
        return False
    team_ids = team_ids_visible_to(user)
    return team_ids is None or agent.team_id in team_ids


def agents_coachable_by(user: User) -> QuerySet[User]:
    agents = User.objects.filter(role=Role.AGENT, is_active=True).select_related("team")
    if not can_coach(user):
        return agents.none()
    team_ids = team_ids_visible_to(user)
    return agents if team_ids is None else agents.filter(team_id__in=team_ids)


def _scope_by_agent(queryset: QuerySet, user: User, agent_path: str = "agent") -> QuerySet:
    if user.is_agent:
        return queryset.filter(**{agent_path: user})
    if sees_everything(user):
        return queryset
    team_ids = team_ids_visible_to(user) or set()
    return queryset.filter(**{f"{agent_path}__team_id__in": team_ids})


# --- modules ----------------------------------------------------------------------------------


def modules_visible_to(user: User) -> QuerySet[Module]:
    modules = Module.objects.prefetch_related("practice_items")
    return modules if can_edit_modules(user) else modules.filter(is_active=True)


def module_for_category(category: str) -> Module | None:
    """The first active module that addresses a flag category (categories are a JSON list)."""
    for module in Module.objects.filter(is_active=True).order_by("id"):
        if category in module.categories:
            return module
    return None


# --- assignments ------------------------------------------------------------------------------


def assignments_visible_to(user: User) -> QuerySet[Assignment]:
    return _scope_by_agent(Assignment.objects.select_related("module", "agent", "agent__team", "assigned_by"), user)


def agent_inbox(agent: User) -> QuerySet[Assignment]:
    """An agent's assignments: open ones first (soonest due first), then the completed ones."""
    return (
        Assignment.objects.filter(agent=agent)
        .select_related("module", "assigned_by")
        .order_by(F("completed_at").asc(nulls_first=True), "due_date", "id")
    )


def open_assignments_for(user: User) -> QuerySet[Assignment]:
    return assignments_visible_to(user).filter(completed_at__isnull=True)


def overdue_assignments_for(user: User) -> QuerySet[Assignment]:
    """Assignments past their due date and not completed, that the user may see.

    For an agent: their own; a supervisor or trainer: their teams' agents; an admin: everyone's.
    """
    return open_assignments_for(user).filter(due_date__lt=timezone.localdate()).order_by("due_date", "id")


def assignment_flags(assignment: Assignment) -> QuerySet[Flag]:
    return assignment.flags.select_related("segment", "call").order_by("call_started_at", "id")


@dataclass
class PracticeRow:
    item: PracticeItem
    last: PracticeAttempt | None
    passed: bool


def assignment_practice(assignment: Assignment) -> list[PracticeRow]:
    """Each practice item with the agent's latest reply and whether any reply passed."""
    attempts = list(assignment.attempts.order_by("-created_at", "-id"))
    rows = []
    for item in assignment.module.practice_items.all():
        mine = [a for a in attempts if a.item_id == item.pk]
        rows.append(PracticeRow(item=item, last=mine[0] if mine else None, passed=any(a.passed for a in mine)))
    return rows


def practice_done(assignment: Assignment) -> bool:
    passed = set(assignment.attempts.filter(passed=True).values_list("item_id", flat=True))
    return all(item.pk in passed for item in assignment.module.practice_items.all())


def module_free_practice(agent: User, module: Module) -> list[PracticeRow]:
    """Each practice item of a module with the agent's latest free (unassigned) reply."""
    attempts = list(
        PracticeAttempt.objects.filter(agent=agent, assignment__isnull=True, item__module=module).order_by(
            "-created_at", "-id"
        )
    )
    rows = []
    for item in module.practice_items.all():
        mine = [a for a in attempts if a.item_id == item.pk]
        rows.append(PracticeRow(item=item, last=mine[0] if mine else None, passed=any(a.passed for a in mine)))
    return rows


def attempts_visible_to(user: User) -> QuerySet[PracticeAttempt]:
    return _scope_by_agent(PracticeAttempt.objects.select_related("assignment", "item"), user, "agent")


# --- sessions and suggestions -----------------------------------------------------------------


def sessions_visible_to(user: User) -> QuerySet[CoachingSession]:
    sessions = CoachingSession.objects.select_related("agent", "coach").prefetch_related("calls", "flags")
    return _scope_by_agent(sessions, user)


def suggestions_visible_to(user: User) -> QuerySet[Suggestion]:
    suggestions = Suggestion.objects.select_related("agent", "agent__team", "module").prefetch_related(
        Prefetch("example_flags", queryset=Flag.objects.select_related("segment"))
    )
    if not can_coach(user):
        return suggestions.none()
    return _scope_by_agent(suggestions, user)


def open_suggestions_for(user: User) -> QuerySet[Suggestion]:
    return suggestions_visible_to(user).filter(status=SuggestionStatus.OPEN)


# --- rates and the before/after effect --------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """Flags per 100 calls in a window, with the counts behind it."""

    flags: int
    calls: int

    @property
    def value(self) -> float | None:
        return None if not self.calls else 100 * self.flags / self.calls

    @property
    def too_few_calls(self) -> bool:
        return self.calls < MIN_CALLS_FOR_RATE

    def __add__(self, other: "Rate") -> "Rate":
        return Rate(flags=self.flags + other.flags, calls=self.calls + other.calls)


def counted_flags(agent: User, categories, start: datetime, end: datetime) -> QuerySet[Flag]:
    """What the agent said of these categories on calls started in [start, end) (calls.selectors.AGENT_FLAGS)."""
    return Flag.objects.filter(
        AGENT_FLAGS, agent=agent, category__in=list(categories), call_started_at__gte=start, call_started_at__lt=end
    )


def agent_rate(agent: User, categories, start: datetime, end: datetime) -> Rate:
    """Flags per 100 *analysed* calls, as every dashboard counts them."""
    calls = Call.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end, analysis__isnull=False).count()
    return Rate(flags=counted_flags(agent, categories, start, end).count(), calls=calls)


@dataclass
class Effect:
    """The targeted categories' rate in the N days before assignment and after completion."""

    before: Rate
    after: Rate | None  # None until completed
    after_partial: bool = False  # the after-window has not fully passed yet

    @property
    def change(self) -> float | None:
        if self.after is None or self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value


def assignment_effect(assignment: Assignment, days: int = 30, now: datetime | None = None) -> Effect:
    now = now or timezone.now()
    categories = assignment.module.agent_categories
    window = timedelta(days=days)
    before = agent_rate(assignment.agent, categories, assignment.assigned_at - window, assignment.assigned_at)
    if assignment.completed_at is None:
        return Effect(before=before, after=None)
    end = assignment.completed_at + window
    after = agent_rate(assignment.agent, categories, assignment.completed_at, end)
    return Effect(before=before, after=after, after_partial=end > now)


@dataclass
class EffectSummary:
    """Completion and the pooled before/after rates of a group of assignments."""

    label: str
    key: int
    total: int = 0
    completed: int = 0
    overdue: int = 0
    before: Rate = field(default_factory=lambda: Rate(0, 0))
    after: Rate = field(default_factory=lambda: Rate(0, 0))
    measured: int = 0  # completed assignments whose effect is pooled

    @property
    def change(self) -> float | None:
        if self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value


def effect_summaries(
    assignments, days: int = 30, now: datetime | None = None
) -> tuple[list[EffectSummary], list[EffectSummary]]:
    """Per module and per agent: completion, overdue, and before/after rates (completed ones pooled)."""
    by_module: dict[int, EffectSummary] = {}
    by_agent: dict[int, EffectSummary] = {}
    today = timezone.localdate()
    for assignment in assignments:
        effect = assignment_effect(assignment, days=days, now=now)
        groups = (
            by_module.setdefault(assignment.module_id, EffectSummary(str(assignment.module), assignment.module_id)),
            by_agent.setdefault(assignment.agent_id, EffectSummary(str(assignment.agent), assignment.agent_id)),
        )
        for summary in groups:
            summary.total += 1
            if assignment.completed_at is not None:
                summary.completed += 1
            elif assignment.due_date < today:
                summary.overdue += 1
            if effect.after is not None and assignment.module.agent_categories:
                summary.measured += 1
                summary.before = summary.before + effect.before
                summary.after = summary.after + effect.after
    return list(by_module.values()), list(by_agent.values())


def flags_for_moments(user: User, flag_ids) -> QuerySet[Flag]:
    """Flags the user may see, by id (the moments an assignment or session links to)."""
    from calls.selectors import scope_to_user

    return scope_to_user(Flag.objects.select_related("segment", "call"), user, "call__").filter(
        Q(pk__in=list(flag_ids))
    )
