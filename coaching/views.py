from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scoping import teams_visible_to
from calls.models import Flag
from calls.selectors import scope_to_user

from . import services
from .forms import AssignForm, ModuleForm, SessionForm
from .models import AGENT_CATEGORIES, Module, TeamCoachingSettings
from .rendering import render_markdown
from .selectors import (
    MIN_CALLS_FOR_RATE,
    agent_inbox,
    agents_coachable_by,
    assignment_effect,
    assignment_flags,
    assignment_practice,
    assignments_visible_to,
    can_coach,
    can_edit_modules,
    effect_summaries,
    module_for_category,
    module_free_practice,
    modules_visible_to,
    open_assignments_for,
    open_suggestions_for,
    overdue_assignments_for,
    practice_done,
    sessions_visible_to,
)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _days(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("days", 30)), 365))
    except ValueError:
        return 30


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """An agent's coaching inbox; for coaches, the open assignments of their teams."""
    user = request.user
    if user.is_agent:
        assignments = list(agent_inbox(user))
    else:
        assignments = list(open_assignments_for(user).order_by("due_date", "id")[:200])
    return render(
        request,
        "coaching/inbox.html",
        {
            "assignments": assignments,
            "overdue": list(overdue_assignments_for(user)[:100]),
            "can_coach": can_coach(user),
        },
    )


@login_required
def module_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "coaching/module_list.html",
        {"modules": modules_visible_to(request.user), "can_edit": can_edit_modules(request.user)},
    )


@login_required
def module_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A module; an agent may practise any published one here without an assignment."""
    user = request.user
    module = get_object_or_404(modules_visible_to(user), pk=pk)
    can_practise = user.is_agent and module.is_active
    if request.method == "POST":
        # The no-JavaScript path of free practice: check one reply, re-render with the verdict.
        if not can_practise:
            raise PermissionDenied
        item = get_object_or_404(module.practice_items, pk=_int_or_none(request.POST.get("item")))
        try:
            services.practice_free_submit(actor=user, item=item, reply=request.POST.get("reply", ""))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return render(
        request,
        "coaching/module_detail.html",
        {
            "module": module,
            "content_html": render_markdown(module.content),
            "can_edit": can_edit_modules(user),
            "can_coach": can_coach(user),
            "can_practise": can_practise,
            "practice": module_free_practice(user, module) if can_practise else [],
        },
    )


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def module_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not can_edit_modules(request.user):
        raise PermissionDenied
    module = get_object_or_404(Module, pk=pk) if pk else None
    form = ModuleForm(request.POST or None, instance=module)
    if request.method == "POST" and form.is_valid():
        module = services.module_save(
            actor=request.user, module=module, changes=form.changes(), practice_items=form.practice_items()
        )
        messages.success(request, _("Module saved."))
        return redirect("coaching:module_detail", module.pk)
    return render(request, "coaching/module_form.html", {"form": form, "module": module})


@login_required
def assign(request: HttpRequest) -> HttpResponse:
    """Assign a module; ?flag=<id> prefills the agent, the matching module and the moment."""
    user = request.user
    if not can_coach(user):
        raise PermissionDenied
    agents = agents_coachable_by(user)
    teams = teams_visible_to(user)
    initial = {"due_date": services.default_due_date()}
    flag = None
    flag_id = request.GET.get("flag") or request.POST.get("flags")
    if flag_id and str(flag_id).isdigit():
        flag = get_object_or_404(
            scope_to_user(Flag.objects.select_related("segment", "call"), user, "call__"), pk=flag_id
        )
        initial.update({"agent": flag.agent_id, "flags": str(flag.pk)})
        module = module_for_category(flag.category)
        if module:
            initial["module"] = module.pk
    if request.GET.get("module"):
        initial["module"] = request.GET["module"]
    if request.GET.get("agent"):
        initial["agent"] = request.GET["agent"]
    form = AssignForm(request.POST or None, initial=initial, agents=agents, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.assignments_create(
                actor=user,
                module=data["module"],
                agents=[data["agent"]] if data["agent"] else None,
                team=data["team"],
                due_date=data["due_date"],
                note=data["note"],
                flag_ids=form.flag_ids(),
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("%(count)d assignment(s) created.") % {"count": len(created)})
            return (
                redirect("coaching:assignment_detail", created[0].pk)
                if len(created) == 1
                else redirect("coaching:inbox")
            )
    return render(request, "coaching/assign.html", {"form": form, "flag": flag})


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(assignments_visible_to(request.user), pk=pk)
    is_mine = assignment.agent_id == request.user.pk
    results = {}
    if request.method == "POST" and is_mine:
        # The no-JavaScript path of the practice check: submit one reply, re-render with the verdict.
        item = get_object_or_404(assignment.module.practice_items, pk=_int_or_none(request.POST.get("item")))
        try:
            attempt = services.practice_submit(
                actor=request.user, assignment=assignment, item=item, reply=request.POST.get("reply", "")
            )
            results[item.pk] = attempt
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    elif request.method == "POST":
        raise PermissionDenied
    days = _days(request)
    return render(
        request,
        "coaching/assignment_detail.html",
        {
            "assignment": assignment,
            "module": assignment.module,
            "content_html": render_markdown(assignment.module.content),
            "moments": assignment_flags(assignment),
            "practice": assignment_practice(assignment),
            "results": results,
            "is_mine": is_mine,
            "can_practise": is_mine and assignment.completed_at is None,
            "can_complete": is_mine and assignment.completed_at is None and practice_done(assignment),
            "effect": assignment_effect(assignment, days=days),
            "days": days,
            "min_calls": MIN_CALLS_FOR_RATE,
        },
    )


@login_required
@require_POST
def assignment_complete(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(assignments_visible_to(request.user), pk=pk)
    try:
        services.assignment_complete(actor=request.user, assignment=assignment)
        messages.success(request, _("Assignment completed."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("coaching:assignment_detail", assignment.pk)


@login_required
def trainer_dashboard(request: HttpRequest) -> HttpResponse:
    """Suggestions to decide, completion and overdue, and the before/after effect."""
    user = request.user
    if not can_coach(user):
        raise PermissionDenied
    services.coaching_suggestions_refresh(agents=agents_coachable_by(user))
    days = _days(request)
    assignments = list(assignments_visible_to(user).order_by("id"))
    by_module, by_agent = effect_summaries(assignments, days=days)
    teams = list(teams_visible_to(user))
    auto = set(TeamCoachingSettings.objects.filter(auto_assign=True).values_list("team_id", flat=True))
    return render(
        request,
        "coaching/trainer_dashboard.html",
        {
            "suggestions": list(open_suggestions_for(user)[:100]),
            "overdue": list(overdue_assignments_for(user)[:100]),
            "by_module": by_module,
            "by_agent": by_agent,
            "days": days,
            "min_calls": MIN_CALLS_FOR_RATE,
            "teams": [(team, team.pk in auto) for team in teams],
            "can_toggle": user.role != "supervisor",
            "agent_categories": AGENT_CATEGORIES,
        },
    )


@login_required
@require_POST
def suggestion_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    from .selectors import suggestions_visible_to

    suggestion = get_object_or_404(suggestions_visible_to(request.user), pk=pk)
    try:
        if decision == "approve":
            assignment = services.suggestion_approve(actor=request.user, suggestion=suggestion)
            messages.success(request, _("Assigned: %(module)s → %(agent)s") % {
                "module": assignment.module, "agent": assignment.agent})  # fmt: skip
        else:
            services.suggestion_ignore(actor=request.user, suggestion=suggestion)
            messages.success(request, _("Suggestion ignored."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("coaching:trainer_dashboard")


@login_required
@require_POST
def team_settings(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(teams_visible_to(request.user), pk=pk)
    services.team_settings_save(actor=request.user, team=team, auto_assign=request.POST.get("auto_assign") == "on")
    messages.success(request, _("Team setting saved."))
    return redirect("coaching:trainer_dashboard")


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "coaching/session_list.html",
        {"sessions": sessions_visible_to(request.user)[:200], "can_coach": can_coach(request.user)},
    )


@login_required
def session_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    if not can_coach(user):
        raise PermissionDenied
    session = get_object_or_404(sessions_visible_to(user), pk=pk) if pk else None
    initial = {"held_on": timezone.localdate()}
    if request.GET.get("agent"):
        initial["agent"] = request.GET["agent"]
    if session:
        initial["calls"] = ", ".join(str(c.pk) for c in session.calls.all())
    form = SessionForm(request.POST or None, instance=session, initial=initial, agents=agents_coachable_by(user))
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in ("agent", "held_on", "notes", "agreed_actions", "follow_up_on")}
        try:
            session = services.session_save(actor=user, session=session, changes=changes, call_ids=form.call_ids())
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Session saved."))
            return redirect("coaching:session_detail", session.pk)
    return render(request, "coaching/session_form.html", {"form": form, "session": session})


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(sessions_visible_to(request.user), pk=pk)
    return render(
        request,
        "coaching/session_detail.html",
        {"session": session, "can_edit": can_coach(request.user) and session.agent_id != request.user.pk},
    )
