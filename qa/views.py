"""Server-rendered QA pages. Out of scope: 404; in scope but not allowed: 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls.models import Category, ChecklistItem
from calls.review import flags_visible_to
from calls.selectors import calls_visible_to

from . import selectors, services
from .forms import CalibrationForm, SamplingRuleForm, ScorecardEditor, blank_criterion
from .models import Acknowledgement, AnswerType, AutoSource, DisputeStatus, SamplingRule
from .policies import (
    can_decide_dispute,
    can_edit_scorecards,
    can_evaluate,
    can_evaluate_call,
    can_see_calibration_results,
)


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _evaluator_only(request: HttpRequest) -> None:
    if not can_evaluate(request.user):
        raise PermissionDenied


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """평가 대기: the calls sampled for the evaluator."""
    if request.user.is_agent:
        return redirect("qa:evaluations")
    _evaluator_only(request)
    items = list(selectors.queue_for(request.user)[:200])
    drafts = list(
        selectors.evaluations_visible_to(request.user).filter(evaluator=request.user, status="draft", calibration=None)[
            :50
        ]
    )
    revisions = list(
        selectors.evaluations_visible_to(request.user).filter(evaluator=request.user, revision_open=True)[:50]
    )
    return render(
        request,
        "qa/queue.html",
        {
            "items": items,
            "drafts": drafts,
            "revisions": revisions,
            "open_disputes": selectors.open_dispute_count(request.user),
        },
    )


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    evaluations = selectors.evaluations_visible_to(request.user).filter(calibration=None)
    if request.GET.get("agent", "").isdigit():
        evaluations = evaluations.filter(agent_id=int(request.GET["agent"]))
    return render(request, "qa/evaluation_list.html", {"evaluations": list(evaluations[:200])})


@login_required
@require_POST
def evaluation_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    if not can_evaluate_call(request.user, call):
        raise PermissionDenied
    scorecard = get_object_or_404(selectors.scorecards_for_call(call), pk=request.POST.get("scorecard") or 0)
    try:
        evaluation = services.evaluation_start(actor=request.user, call=call, scorecard=scorecard)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("calls:detail", pk=call.pk)
    return redirect("qa:evaluation", pk=evaluation.pk)


def _answers_from(post) -> dict[int, dict]:
    answers: dict[int, dict] = {}
    for key, value in post.items():
        kind, _sep, criterion_id = key.partition("_")
        if kind in ("value", "note") and criterion_id.isdigit():
            answers.setdefault(int(criterion_id), {})["value" if kind == "value" else "comment"] = value
    return answers


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(selectors.evaluations_visible_to(request.user), pk=pk)
    if evaluation.calibration_id and evaluation.evaluator_id != request.user.pk:
        raise PermissionDenied
    mine = evaluation.evaluator_id == request.user.pk
    if request.method == "POST":
        if not mine:
            raise PermissionDenied
        try:
            services.evaluation_save(
                actor=request.user,
                evaluation=evaluation,
                answers=_answers_from(request.POST),
                comment=request.POST.get("comment", ""),
            )
            if "submit" in request.POST:
                services.evaluation_submit(actor=request.user, evaluation=evaluation)
                messages.success(request, _("Evaluation submitted."))
                if evaluation.calibration_id:
                    return redirect("qa:calibration", pk=evaluation.calibration_id)
            else:
                messages.success(request, _("Draft saved."))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("qa:evaluation", pk=evaluation.pk)
    disputes = list(selectors.disputes_visible_to(request.user).filter(evaluation=evaluation))
    is_agent = evaluation.agent_id == request.user.pk
    return render(
        request,
        "qa/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "sections": selectors.evaluation_sections(evaluation),
            "editable": mine and evaluation.is_editable,
            "is_agent": is_agent,
            "disputes": disputes,
            "can_dispute": is_agent and not any(d.is_open for d in disputes),
            "acknowledged": Acknowledgement.objects.filter(evaluation=evaluation).exists(),
        },
    )


@login_required
@require_POST
def evaluation_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(selectors.evaluations_visible_to(request.user), pk=pk)
    services.acknowledgement_create(actor=request.user, evaluation=evaluation)
    messages.success(request, _("Acknowledged."))
    return redirect("qa:evaluation", pk=evaluation.pk)


@login_required
@require_POST
def flag_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(flags_visible_to(request.user), pk=pk)
    services.acknowledgement_create(actor=request.user, flag=flag)
    messages.success(request, _("Acknowledged."))
    return redirect(reverse("calls:detail", args=[flag.call_id]) + "#qa")


@login_required
@require_POST
def dispute_new(request: HttpRequest) -> HttpResponse:
    evaluation = flag = None
    if request.POST.get("evaluation"):
        evaluation = get_object_or_404(selectors.evaluations_visible_to(request.user), pk=request.POST["evaluation"])
        back = reverse("qa:evaluation", args=[evaluation.pk])
    else:
        flag = get_object_or_404(flags_visible_to(request.user), pk=request.POST.get("flag") or 0)
        back = reverse("calls:detail", args=[flag.call_id]) + "#qa"
    try:
        dispute = services.dispute_create(
            actor=request.user, evaluation=evaluation, flag=flag, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(back)
    messages.success(request, _("Dispute sent. Your supervisor will answer here."))
    return redirect("qa:dispute", pk=dispute.pk)


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    disputes = selectors.disputes_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in DisputeStatus.values:
        disputes = disputes.filter(status=status)
    return render(
        request,
        "qa/dispute_list.html",
        {"disputes": list(disputes[:200]), "status": status, "statuses": DisputeStatus.choices},
    )


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(selectors.disputes_visible_to(request.user), pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("outcome"):
                services.dispute_decide(
                    actor=request.user,
                    dispute=dispute,
                    outcome=request.POST["outcome"],
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("Decision saved."))
            else:
                services.dispute_reply(actor=request.user, dispute=dispute, text=request.POST.get("text", ""))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("qa:dispute", pk=dispute.pk)
    can_decide = can_decide_dispute(request.user, dispute)
    return render(
        request,
        "qa/dispute_detail.html",
        {
            "dispute": dispute,
            "thread": list(dispute.messages.select_related("author")),
            "can_reply": dispute.is_open and (dispute.raised_by_id == request.user.pk or can_decide),
            "can_decide": dispute.is_open and can_decide,
        },
    )


@login_required
def scorecard_list(request: HttpRequest) -> HttpResponse:
    _evaluator_only(request)
    return render(
        request,
        "qa/scorecard_list.html",
        {
            "scorecards": list(selectors.scorecards_visible_to(request.user)),
            "can_edit": can_edit_scorecards(request.user),
        },
    )


@login_required
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _evaluator_only(request)
    scorecard = get_object_or_404(selectors.scorecards_visible_to(request.user), pk=pk)
    return render(
        request,
        "qa/scorecard_detail.html",
        {
            "scorecard": scorecard,
            "structure": selectors.scorecard_structure(scorecard),
            "can_edit": can_edit_scorecards(request.user),
            "has_newer": hasattr(scorecard, "next_version"),
        },
    )


@login_required
@require_POST
def scorecard_version(request: HttpRequest, pk: int) -> HttpResponse:
    _evaluator_only(request)
    scorecard = get_object_or_404(selectors.scorecards_visible_to(request.user), pk=pk)
    try:
        new = services.scorecard_new_version(actor=request.user, scorecard=scorecard)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("qa:scorecard", pk=scorecard.pk)
    messages.success(
        request, _("Version %(version)s created; edit its questions in the admin.") % {"version": new.version}
    )
    return redirect("qa:scorecard", pk=new.pk)


def _scorecard_editor_only(request: HttpRequest) -> None:
    _evaluator_only(request)
    if not can_edit_scorecards(request.user):
        raise PermissionDenied


def _scorecard_editor_page(request: HttpRequest, scorecard=None) -> HttpResponse:
    """새 평가표 / 편집 / 새 버전: one form, saved by qa.services alone (which decides what is
    wrong and what a used scorecard may become); on an error nothing is saved and the form comes
    back with each message beside its field."""
    frozen = scorecard is not None and scorecard.is_frozen
    if request.method == "POST":
        editor = ScorecardEditor(user=request.user, data=request.POST)
        if editor.is_valid():
            data = editor.cleaned
            try:
                if scorecard is None:
                    saved = services.scorecard_create(actor=request.user, **data)
                    messages.success(request, _("Scorecard created."))
                elif frozen:
                    saved = services.scorecard_new_version(actor=request.user, scorecard=scorecard, **data)
                    messages.success(
                        request,
                        _("Version %(version)s created; the evaluations of version %(old)s keep their questions.")
                        % {"version": saved.version, "old": scorecard.version},
                    )
                else:
                    saved = services.scorecard_update(actor=request.user, scorecard=scorecard, changes=data)
                    messages.success(request, _("Scorecard saved."))
                return redirect("qa:scorecard", pk=saved.pk)
            except ValidationError as exc:
                editor.add_service_errors(exc)
        status = 400
    else:
        editor = ScorecardEditor(user=request.user, scorecard=scorecard)
        status = 200
    return render(
        request,
        "qa/scorecard_form.html",
        {"editor": editor, "scorecard": scorecard, "frozen": frozen, **_editor_choices()},
        status=status,
    )


def _editor_choices() -> dict:
    return {
        "answer_types": AnswerType.choices,
        "auto_sources": AutoSource.choices,
        "checklist_items": ChecklistItem.choices,
        "flag_categories": Category.choices,
        "blank": blank_criterion(),
    }


@login_required
def scorecard_new(request: HttpRequest) -> HttpResponse:
    _scorecard_editor_only(request)
    return _scorecard_editor_page(request)


@login_required
def scorecard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _scorecard_editor_only(request)
    scorecard = get_object_or_404(selectors.scorecards_visible_to(request.user), pk=pk)
    newer = getattr(scorecard, "next_version", None)
    if newer is not None:
        messages.error(request, _("This scorecard already has a newer version."))
        return redirect("qa:scorecard", pk=newer.pk)
    return _scorecard_editor_page(request, scorecard)


@login_required
def sampling(request: HttpRequest) -> HttpResponse:
    _evaluator_only(request)
    form = SamplingRuleForm(request.POST if request.POST.get("action") == "rule" else None, user=request.user)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "rule":
                if form.is_valid():
                    services.sampling_rule_create(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("Sampling rule added."))
                    return redirect("qa:sampling")
            elif request.POST.get("action") == "toggle":
                rule = get_object_or_404(selectors.sampling_rules_visible_to(request.user), pk=request.POST.get("rule"))
                SamplingRule.objects.filter(pk=rule.pk).update(is_active=not rule.is_active)
                return redirect("qa:sampling")
            else:
                # The rules of the teams this evaluator sees (sampling_rules_visible_to scopes them).
                rules = selectors.sampling_rules_visible_to(request.user)
                added = services.sampling_run(week=timezone.localdate(), rules=rules)
                messages.success(request, _("Sampled this week: %(n)s calls added to the queue.") % {"n": added})
                return redirect("qa:queue")
        except ValidationError as exc:
            _errors(request, exc)
    return render(
        request,
        "qa/sampling.html",
        {"rules": list(selectors.sampling_rules_visible_to(request.user)), "form": form},
    )


@login_required
def calibration_list(request: HttpRequest) -> HttpResponse:
    _evaluator_only(request)
    form = CalibrationForm(request.POST or None, user=request.user, initial={"call": request.GET.get("call")})
    if request.method == "POST" and form.is_valid():
        call = get_object_or_404(calls_visible_to(request.user), pk=form.cleaned_data["call"])
        try:
            calibration = services.calibration_create(
                actor=request.user,
                call=call,
                scorecard=form.cleaned_data["scorecard"],
                participants=list(form.cleaned_data["participants"]),
                title=form.cleaned_data["title"],
            )
            return redirect("qa:calibration", pk=calibration.pk)
        except ValidationError as exc:
            _errors(request, exc)
    return render(
        request,
        "qa/calibration_list.html",
        {"calibrations": list(selectors.calibrations_visible_to(request.user)[:100]), "form": form},
    )


@login_required
def calibration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _evaluator_only(request)
    calibration = get_object_or_404(selectors.calibrations_visible_to(request.user), pk=pk)
    if not can_evaluate_call(request.user, calibration.call):
        raise PermissionDenied
    if request.method == "POST":
        if request.POST.get("action") == "close":
            services.calibration_close(actor=request.user, calibration=calibration)
            return redirect("qa:calibration", pk=pk)
        try:
            evaluation = services.evaluation_start(
                actor=request.user, call=calibration.call, scorecard=calibration.scorecard, calibration=calibration
            )
        except ValidationError as exc:
            _errors(request, exc)
            return redirect("qa:calibration", pk=pk)
        return redirect("qa:evaluation", pk=evaluation.pk)
    participants = list(calibration.participants.all())
    mine = calibration.evaluations.filter(evaluator=request.user).first()
    submitted = set(calibration.evaluations.filter(status="submitted").values_list("evaluator_id", flat=True))
    visible = can_see_calibration_results(request.user, calibration)
    return render(
        request,
        "qa/calibration_detail.html",
        {
            "calibration": calibration,
            "participants": [(p, p.pk in submitted) for p in participants],
            "is_participant": any(p.pk == request.user.pk for p in participants),
            "mine": mine,
            "results_visible": visible,
            "spread": selectors.calibration_spread(calibration) if visible else None,
            "can_close": calibration.closed_at is None
            and (calibration.created_by_id == request.user.pk or request.user.is_admin_role),
        },
    )
