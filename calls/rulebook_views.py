"""The rulebook screen: trainers and admins edit the tone rules, supervisors read them.

Every write goes through calls.rulebook (rule_save, rule_set_active) and the re-analysis through
calls.analysis.calls_reanalyse_range, the services the API uses.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .analysis import calls_reanalyse_range
from .models import Rule
from .rulebook import can_edit_rules, rule_save, rule_set_active
from .rulebook_forms import LiveTestForm, ReanalyseForm, RuleFilterForm, RuleForm
from .rulebook_selectors import (
    HIT_WINDOWS,
    LIVE_TEST_DAYS,
    LIVE_TEST_SEGMENTS,
    LiveTestError,
    can_view_rulebook,
    rule_live_test,
    rule_rows,
    rule_version_diff,
    rule_versions,
    rules_filtered,
)


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_rulebook(request.user):
        raise PermissionDenied(_("The rulebook is for supervisors, trainers and administrators."))


def _require_editor(request: HttpRequest) -> None:
    if not can_edit_rules(request.user):
        raise PermissionDenied(_("Only trainers and administrators may change the rulebook."))


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    filters = RuleFilterForm(request.GET or None)
    rows = rule_rows(request.user, rules_filtered(**filters.filters()))
    context = {
        "filters": filters,
        "rows": rows,
        "hit_windows": HIT_WINDOWS,
        "can_edit": can_edit_rules(request.user),
        "reanalyse_form": ReanalyseForm(user=request.user) if can_edit_rules(request.user) else None,
    }
    return render(request, "rulebook/rule_list.html", context)


@login_required
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    rule = get_object_or_404(Rule.objects.select_related("updated_by"), pk=pk)
    versions = list(rule_versions(rule))
    compare, diff = None, None
    compare_to = request.GET.get("compare")
    if compare_to:
        compare = next((v for v in versions if str(v.version) == compare_to), None)
        if compare is None:
            messages.error(request, _("There is no such version of this rule."))
        else:
            diff = rule_version_diff(rule, compare)
    if compare is None and len(versions) > 1:
        compare = versions[1]  # by default, what the last edit changed
        diff = rule_version_diff(rule, compare)
    context = {
        "rule": rule,
        "row": rule_rows(request.user, [rule])[0],
        "versions": versions,
        "compare": compare,
        "diff": diff,
        "can_edit": can_edit_rules(request.user),
    }
    return render(request, "rulebook/rule_detail.html", context)


def _edit_page(request: HttpRequest, rule: Rule | None) -> HttpResponse:
    _require_editor(request)
    form = RuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        target = rule if rule is not None else Rule()
        try:
            saved = rule_save(
                actor=request.user,
                rule=target,
                changes=form.changes(),
                expected_version=form.cleaned_data.get("version") if rule is not None else None,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Rule %(code)s saved as version %(version)s.") % {"code": saved.code, "version": saved.version},
            )
            return redirect("rulebook:detail", pk=saved.pk)
    context = {
        "form": form,
        "rule": rule,
        "test_url": reverse("rulebook:test"),
        "test_days": LIVE_TEST_DAYS,
        "test_limit": LIVE_TEST_SEGMENTS,
    }
    return render(request, "rulebook/rule_form.html", context, status=400 if form.errors else 200)


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    return _edit_page(request, None)


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    return _edit_page(request, get_object_or_404(Rule, pk=pk))


@login_required
@require_POST
def rule_active(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    _require_editor(request)
    rule = get_object_or_404(Rule, pk=pk)
    switch_on = request.POST.get("is_active") == "1"
    try:
        rule = rule_set_active(actor=request.user, rule=rule, is_active=switch_on)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if switch_on:
            messages.success(
                request, _("Rule %(code)s is on (version %(version)s).") % {"code": rule.code, "version": rule.version}
            )
        else:
            messages.success(
                request, _("Rule %(code)s is off (version %(version)s).") % {"code": rule.code, "version": rule.version}
            )
    return redirect("rulebook:detail", pk=rule.pk)


@login_required
@require_POST
def rule_test(request: HttpRequest) -> JsonResponse:
    """Try the pattern being typed: JSON for the edit page, nothing saved. 400 with a Korean
    message for a pattern that does not compile."""
    if not can_edit_rules(request.user):
        return JsonResponse(
            {"ok": False, "error": _("Only trainers and administrators may change the rulebook.")}, status=403
        )
    form = LiveTestForm(request.POST)
    if not form.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse({"ok": False, "error": _("The test could not run."), "errors": errors}, status=400)
    data = form.cleaned_data
    if not data["pattern"].strip():
        return JsonResponse({"ok": False, "error": _("Write a pattern to try it.")}, status=400)
    try:
        result = rule_live_test(
            request.user,
            pattern=data["pattern"],
            speaker=data["speaker"],
            must_match=data["must_match"],
            must_not_match=data["must_not_match"],
            days=data["days"] or 30,
        )
    except LiveTestError as error:
        return JsonResponse({"ok": False, "error": str(error), "errors": {error.field: [str(error)]}}, status=400)
    return JsonResponse(result)


@login_required
@require_POST
def rule_reanalyse(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    _require_editor(request)
    form = ReanalyseForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("rulebook:list")
    data = form.cleaned_data
    count = calls_reanalyse_range(
        actor=request.user,
        date_from=data["date_from"],
        date_to=data["date_to"],
        team_id=data["team"].pk if data.get("team") else None,
    )
    values = {"count": count, "from": data["date_from"].isoformat(), "to": data["date_to"].isoformat()}
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)s call from %(from)s to %(to)s is queued for re-analysis with the current rulebook.",
                "%(count)s calls from %(from)s to %(to)s are queued for re-analysis with the current rulebook.",
                count,
            )
            % values,
        )
    else:
        messages.warning(request, _("No transcribed call from %(from)s to %(to)s to re-analyse.") % values)
    return redirect("rulebook:list")
