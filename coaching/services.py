"""Every write of the coaching app goes through here: keyword-only arguments, permissions checked."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, Team, User
from calls.models import Call, Flag, Notification, Speaker
from calls.notifications import notification_create
from calls.selectors import AGENT_FLAGS, counts_against_agent
from tone import morph
from tone.speech_level import banmal_positions, polite_positions

from .models import (
    AGENT_CATEGORIES,
    Assignment,
    CoachingSession,
    Module,
    PracticeAttempt,
    PracticeItem,
    Suggestion,
    SuggestionStatus,
    TeamCoachingSettings,
)
from .selectors import (
    agent_rate,
    can_coach,
    can_coach_agent,
    can_edit_modules,
    counted_flags,
    flags_for_moments,
    practice_done,
)

# Coaching links to what the agent said; a customer's words are never the agent's to be coached on.
NOT_AGENT_WORDS = gettext_lazy("The linked moments must be things the agent said, on the agent's calls.")

MODULE_FIELDS = (
    "title",
    "title_en",
    "categories",
    "checklist_items",
    "content",
    "good_examples",
    "bad_examples",
    "is_active",
)


# --- modules ----------------------------------------------------------------------------------


@transaction.atomic
def module_save(
    *,
    actor: User | None,
    module: Module | None = None,
    changes: dict[str, Any],
    practice_items: list[dict[str, Any]] | None = None,
) -> Module:
    """Create or change a module; practice_items, when given, replace the module's items."""
    if actor is not None and not can_edit_modules(actor):
        raise PermissionDenied(_("Only trainers and administrators may write modules."))
    module = module or Module(created_by=actor)
    for name, value in changes.items():
        if name not in MODULE_FIELDS:
            raise ValueError(f"not a module field: {name}")
        setattr(module, name, value)
    module.full_clean()
    module.save()
    if practice_items is not None:
        # Attempts point at items, so items that keep their prompt are kept rather than recreated.
        existing = {item.prompt: item for item in module.practice_items.all()}
        keep = []
        for order, data in enumerate(practice_items):
            item = existing.get(data["prompt"]) or PracticeItem(module=module, prompt=data["prompt"])
            item.order = order
            item.situation = data.get("situation", "")
            item.model_answer = data.get("model_answer", "")
            item.full_clean()
            item.save()
            keep.append(item.pk)
        module.practice_items.exclude(pk__in=keep).delete()
    return module


# --- assignments ------------------------------------------------------------------------------


def default_due_date() -> date:
    return timezone.localdate() + timedelta(days=getattr(settings, "COACHING_DEFAULT_DUE_DAYS", 14))


@transaction.atomic
def assignments_create(
    *,
    actor: User | None,
    module: Module,
    agents: list[User] | None = None,
    team: Team | None = None,
    due_date: date,
    note: str = "",
    flag_ids: list[int] | None = None,
) -> list[Assignment]:
    """Assign a module to agents, or to every active agent of a team (one assignment each).

    actor None is the system (auto-assignment). Linked flags must belong to the agent.
    """
    targets = list(agents or [])
    if team is not None:
        targets += list(team.agents.filter(role=Role.AGENT, is_active=True))
    if not targets:
        raise ValidationError({"agent": _("Choose an agent or a team with agents.")})
    if not module.is_active:
        raise ValidationError({"module": _("This module is switched off.")})
    for agent in targets:
        if actor is not None and not can_coach_agent(actor, agent):
            raise PermissionDenied(_("You may not assign coaching to this agent."))
    flags: list[Flag] = []
    if flag_ids:
        visible = flags_for_moments(actor, flag_ids) if actor else Flag.objects.filter(pk__in=flag_ids)
        flags = list(visible)
        if len(flags) != len(set(flag_ids)):
            raise ValidationError({"flags": _("Unknown flag.")})
        agent_ids = {a.pk for a in targets}
        if any(f.agent_id not in agent_ids for f in flags):
            raise ValidationError({"flags": _("The linked moments must be the agent's own.")})
        if not all(counts_against_agent(f) for f in flags):
            raise ValidationError(
                {"flags": _("The linked moments must be things the agent said, on the agent's calls.")}
            )
    created = []
    for agent in {a.pk: a for a in targets}.values():
        assignment = Assignment.objects.create(
            module=module, agent=agent, assigned_by=actor, due_date=due_date, note=note
        )
        assignment.flags.set([f for f in flags if f.agent_id == agent.pk])
        _assignment_notify(assignment)
        created.append(assignment)
    return created


def _assignment_notify(assignment: Assignment) -> None:
    """Tell the agent of a new assignment, in the transaction that creates it (a rolled-back
    assignment tells nobody), linked to its page, where they practise (theirs to open: agents see
    their own assignments). Only creation tells: changing the due date or note does not."""
    actor = assignment.assigned_by
    notification_create(
        recipient=assignment.agent,
        kind=Notification.Kind.ASSIGNMENT,
        params={
            "module": assignment.module.title,
            "due": assignment.due_date,  # a calendar date, as chosen in Seoul time
            "actor": str(actor) if actor is not None else None,
        },
        link=assignment.get_absolute_url(),
    )


def assignment_update(*, actor: User, assignment: Assignment, changes: dict[str, Any]) -> Assignment:
    if not can_coach_agent(actor, assignment.agent):
        raise PermissionDenied(_("You may not change this assignment."))
    for name in ("due_date", "note"):
        if name in changes:
            setattr(assignment, name, changes[name])
    assignment.save()
    return assignment


def assignment_delete(*, actor: User, assignment: Assignment) -> None:
    if not can_coach_agent(actor, assignment.agent):
        raise PermissionDenied(_("You may not remove this assignment."))
    assignment.delete()


def assignment_complete(*, actor: User, assignment: Assignment) -> Assignment:
    """The agent marks an assignment done; only once every practice item has a passing reply."""
    if actor.pk != assignment.agent_id:
        raise PermissionDenied(_("Only the agent can complete their assignment."))
    if assignment.completed_at is not None:
        return assignment
    if not practice_done(assignment):
        raise ValidationError(_("Every practice item needs a passing reply first."))
    assignment.completed_at = timezone.now()
    assignment.save(update_fields=["completed_at"])
    return assignment


# --- practice ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeResult:
    passed: bool
    polite: bool
    hits: list[dict[str, Any]]


def practice_check(reply: str) -> PracticeResult:
    """Judge a reply with the same analyser as real calls (speaker: agent).

    It passes when it raises no agent flag and keeps a polite speech level: no 반말 ending and at
    least one polite one (a bare "네 고객님" has no ending to judge, so it does not pass).
    """
    from calls.rulebook import get_analyzer

    _key, analyzer = get_analyzer()
    hits = [
        {
            "category": hit.category,
            "severity": hit.severity,
            "start": hit.start,
            "end": hit.end,
            "excerpt": reply[hit.start : hit.end],
            "rule": hit.rule,
            "explanation": hit.explanation,
            "suggestion": hit.suggestion,
        }
        for hit in analyzer.analyze(reply, Speaker.AGENT)
        if hit.category in AGENT_CATEGORIES
    ]
    utterance = morph.analyse(reply, analyzer._kiwi())
    sentences = utterance.sents
    polite = bool(sentences) and not any(banmal_positions(s) for s in sentences)
    polite = polite and any(polite_positions(s) for s in sentences)
    return PracticeResult(passed=polite and not hits and bool(reply.strip()), polite=polite, hits=hits)


def practice_submit(*, actor: User, assignment: Assignment, item: PracticeItem, reply: str) -> PracticeAttempt:
    if actor.pk != assignment.agent_id:
        raise PermissionDenied(_("Only the agent can practise on their assignment."))
    if item.module_id != assignment.module_id:
        raise ValidationError({"item": _("This practice item belongs to another module.")})
    return _attempt_create(agent=actor, assignment=assignment, item=item, reply=reply)


def practice_free_submit(*, actor: User, item: PracticeItem, reply: str) -> PracticeAttempt:
    """An agent practises a published module without an assignment.

    The attempt is kept with no assignment, so it never completes one (practice_done reads only
    the assignment's own attempts), not even a later assignment of the same module.
    """
    if not actor.is_agent:
        raise PermissionDenied(_("Only agents practise modules."))
    if not item.module.is_active:
        raise ValidationError({"item": _("This module is not published.")})
    return _attempt_create(agent=actor, assignment=None, item=item, reply=reply)


def _attempt_create(*, agent: User, assignment: Assignment | None, item: PracticeItem, reply: str) -> PracticeAttempt:
    """Check the cleaned reply and keep the attempt (with or without an assignment)."""
    reply = _practice_reply_clean(reply)
    result = practice_check(reply)
    return PracticeAttempt.objects.create(
        assignment=assignment,
        agent=agent,
        item=item,
        reply=reply,
        passed=result.passed,
        polite=result.polite,
        hits=result.hits,
    )


def _practice_reply_clean(reply: str) -> str:
    reply = reply.strip()
    if not reply:
        raise ValidationError({"reply": _("Write a reply.")})
    if len(reply) > 1000:
        raise ValidationError({"reply": _("Keep the reply under 1000 characters.")})
    return reply


# --- sessions ---------------------------------------------------------------------------------


@transaction.atomic
def session_save(
    *,
    actor: User,
    session: CoachingSession | None = None,
    changes: dict[str, Any],
    call_ids: list[int] | None = None,
    flag_ids: list[int] | None = None,
) -> CoachingSession:
    """Record (or edit) a 1:1. The actor is the coach; linked calls and flags must be the agent's."""
    agent = changes.get("agent") or (session.agent if session else None)
    if agent is None or not can_coach_agent(actor, agent):
        raise PermissionDenied(_("You may not record a session with this agent."))
    session = session or CoachingSession(coach=actor)
    for name in ("agent", "held_on", "notes", "agreed_actions", "follow_up_on"):
        if name in changes:
            setattr(session, name, changes[name])
    session.full_clean(exclude=["coach"])
    session.save()
    if call_ids is not None:
        calls = list(Call.objects.filter(pk__in=call_ids, agent=agent))
        if len(calls) != len(set(call_ids)):
            raise ValidationError({"calls": _("The linked calls must be the agent's own.")})
        session.calls.set(calls)
    if flag_ids is not None:
        flags = list(Flag.objects.filter(AGENT_FLAGS, pk__in=flag_ids, agent=agent))
        if len(flags) != len(set(flag_ids)):
            raise ValidationError(
                {"flags": _("The linked moments must be things the agent said, on the agent's calls.")}
            )
        session.flags.set(flags)
    return session


# --- suggestions ------------------------------------------------------------------------------


def _suggestion_blocked(agent: User, module: Module, since: datetime) -> bool:
    """Already being coached on it, just coached on it, or a trainer recently said no."""
    if Assignment.objects.filter(agent=agent, module=module).filter(completed_at__isnull=True).exists():
        return True
    if Assignment.objects.filter(agent=agent, module=module, completed_at__gte=since).exists():
        return True
    return Suggestion.objects.filter(
        agent=agent, module=module, status=SuggestionStatus.IGNORED, decided_at__gte=since
    ).exists()


def coaching_suggestions_refresh(*, now: datetime | None = None, agents=None) -> list[Suggestion]:
    """Suggest the matching module wherever an agent's rate of a category over the last
    COACHING_SUGGESTION_DAYS reaches COACHING_SUGGESTION_RATE flags per 100 calls.

    Idempotent: one open suggestion per agent and module, whose evidence a re-run refreshes.
    Teams that opted in (TeamCoachingSettings.auto_assign) get the assignment straight away.
    Returns the suggestions created or updated.
    """
    now = now or timezone.now()
    threshold = float(settings.COACHING_SUGGESTION_RATE)
    start = now - timedelta(days=settings.COACHING_SUGGESTION_DAYS)
    modules = list(Module.objects.filter(is_active=True).order_by("id"))
    by_category = {c: next((m for m in modules if c in m.categories), None) for c in AGENT_CATEGORIES}
    auto_teams = set(TeamCoachingSettings.objects.filter(auto_assign=True).values_list("team_id", flat=True))
    if agents is None:
        agent_ids = Call.objects.filter(started_at__gte=start, started_at__lt=now).values("agent_id")
        agents = User.objects.filter(role=Role.AGENT, is_active=True, pk__in=agent_ids)
    touched = []
    for agent in agents:
        for category, module in by_category.items():
            if module is None:
                continue
            rate = agent_rate(agent, [category], start, now)
            if rate.value is None or rate.value < threshold:
                continue
            if _suggestion_blocked(agent, module, start):
                continue
            suggestion = _suggestion_upsert(
                agent=agent, module=module, category=category, rate=rate, start=start, end=now
            )
            examples = counted_flags(agent, [category], start, now).order_by("-call_started_at")[:5]
            suggestion.example_flags.set(list(examples))
            if agent.team_id in auto_teams:
                suggestion_approve(actor=None, suggestion=suggestion)
            touched.append(suggestion)
    return touched


def _suggestion_upsert(
    *, agent: User, module: Module, category: str, rate, start: datetime, end: datetime
) -> Suggestion:
    values = {
        "category": category,
        "rate": rate.value,
        "flag_count": rate.flags,
        "call_count": rate.calls,
        "period_start": start,
        "period_end": end,
    }
    try:
        with transaction.atomic():
            suggestion, _created = Suggestion.objects.update_or_create(
                agent=agent, module=module, status=SuggestionStatus.OPEN, defaults=values
            )
    except IntegrityError:
        # A concurrent refresh created it first (the partial unique constraint): update that one.
        suggestion = Suggestion.objects.get(agent=agent, module=module, status=SuggestionStatus.OPEN)
        Suggestion.objects.filter(pk=suggestion.pk).update(**values)
        suggestion.refresh_from_db()
    return suggestion


@transaction.atomic
def suggestion_approve(*, actor: User | None, suggestion: Suggestion, due_date: date | None = None) -> Assignment:
    """Turn an open suggestion into an assignment (actor None: the team's auto-assignment)."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if actor is not None and not can_coach_agent(actor, suggestion.agent):
        raise PermissionDenied(_("You may not assign coaching to this agent."))
    if suggestion.status != SuggestionStatus.OPEN:
        raise ValidationError(_("This suggestion was already decided."))
    [assignment] = assignments_create(
        actor=actor,
        module=suggestion.module,
        agents=[suggestion.agent],
        due_date=due_date or default_due_date(),
        note=_("Suggested: %(rate).1f flags per 100 calls (%(flags)d flags in %(calls)d calls).")
        % {"rate": suggestion.rate, "flags": suggestion.flag_count, "calls": suggestion.call_count},
    )
    assignment.flags.set(suggestion.example_flags.all())
    suggestion.status = SuggestionStatus.APPROVED if actor else SuggestionStatus.AUTO_ASSIGNED
    suggestion.assignment = assignment
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save()
    return assignment


def suggestion_ignore(*, actor: User, suggestion: Suggestion) -> Suggestion:
    if not can_coach_agent(actor, suggestion.agent):
        raise PermissionDenied(_("You may not decide on this suggestion."))
    if suggestion.status != SuggestionStatus.OPEN:
        raise ValidationError(_("This suggestion was already decided."))
    suggestion.status = SuggestionStatus.IGNORED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save()
    return suggestion


def team_settings_save(*, actor: User, team: Team, auto_assign: bool) -> TeamCoachingSettings:
    from accounts.scoping import team_ids_visible_to

    team_ids = team_ids_visible_to(actor)
    if not can_coach(actor) or actor.role == Role.SUPERVISOR or (team_ids is not None and team.pk not in team_ids):
        raise PermissionDenied(_("Only the team's trainers and administrators may change this."))
    row, _created = TeamCoachingSettings.objects.update_or_create(team=team, defaults={"auto_assign": auto_assign})
    return row
