from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from calls.models import ReviewStatus, Segment
from calls.review import (
    BULK_REVIEW_MAX,
    can_review_call,
    flag_review,
    flags_review_bulk,
    flags_visible_to,
    moment_comment_create,
    rule_precision,
)
from calls.selectors import calls_visible_to
from pii import mask_pii
from privacy.models import AccessAction
from privacy.services import access_log_record
from qa.selectors import evaluation_scores

from . import charts, selectors
from .export import csv_stream, xlsx_file
from .review_queue import ReviewQueueForm, review_queue_flags, review_queue_page
from .search import SearchForm, search


@login_required
def team_dashboard(request: HttpRequest) -> HttpResponse:
    if request.user.is_agent:
        return redirect("dashboards:agent")
    scope = selectors.dashboard_scope(request.user, request.GET)
    context = selectors.team_dashboard(request.user, scope)
    context["teams"] = selectors.teams_for_filter(request.user)
    context["category_chart"] = charts.bar_chart(context["categories"], value="per100", label="label")
    context["trend_chart"] = charts.line_chart(
        [{**w, "label": w["week"].strftime("%m-%d")} for w in context["weeks"]],
        series=[("per100", "line"), ("abuse", "line2")],
        label="label",
    )
    context["calls_chart"] = charts.bar_chart(
        [{**w, "label": w["week"].strftime("%m-%d")} for w in context["weeks"]],
        value="calls",
        label="label",
        thin_labels=True,
    )
    context.update(_qa_scores(scope))
    return render(request, "dashboards/team.html", context)


@login_required
def agent_dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.is_agent:
        return redirect("dashboards:team")
    scope = selectors.dashboard_scope(request.user, request.GET)
    context = selectors.agent_dashboard(request.user, scope)
    context["trend_chart"] = charts.line_chart(
        [{**w, "label": w["week"].strftime("%m-%d")} for w in context["weeks"]],
        series=[("per100", "line")],
        label="label",
    )
    context.update(_qa_scores(scope))
    return render(request, "dashboards/agent.html", context)


def _qa_scores(scope) -> dict:
    """Average evaluation score per week (and per agent, with their disputes): qa.selectors."""
    qa = evaluation_scores(scope)
    rows = [{**w, "label": w["week"].strftime("%m/%d"), "url": reverse("qa:evaluations")} for w in qa["weeks"]]
    return {"qa": qa, "qa_chart": charts.line_chart(rows, series=[("average", "line")], label="label")}


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    if request.user.is_agent:
        raise PermissionDenied
    return render(request, "dashboards/rules.html", {"rules": rule_precision(request.user)})


@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, user=request.user)
    results = None
    if form.is_valid():
        try:
            page = int(request.GET.get("page") or 1)
        except ValueError:
            page = 1
        results = search(request.user, form.cleaned_data, page)
        if results.mode == "segments" and results.rows:
            call_ids = sorted({segment.call_id for segment in results.rows})
            access_log_record(
                action=AccessAction.TRANSCRIPT_SEARCH,
                request=request,
                call_id=call_ids[0] if len(call_ids) == 1 else None,
                target=("calls " + ",".join(map(str, call_ids)))[:200],
                detail=f"q={mask_pii(form.cleaned_data.get('q') or '')[0]}; page {page}; {len(results.rows)} moments",
            )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "dashboards/search.html", {"form": form, "results": results, "query": query.urlencode()})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    scope = selectors.dashboard_scope(request.user, request.GET)
    calls = scope.calls() & calls_visible_to(request.user)
    agent = request.GET.get("agent")
    if agent and agent.isdigit():
        calls = calls.filter(agent_id=int(agent))
    stamp = f"{scope.date_from:%Y%m%d}-{scope.date_to:%Y%m%d}"
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    access_log_record(
        action=AccessAction.EXPORT,
        request=request,
        target=f"{fmt} {scope.date_from:%Y-%m-%d}..{scope.date_to:%Y-%m-%d}",
        detail=f"{calls.count()} calls; {request.GET.urlencode()}"[:1000],
    )
    if fmt == "xlsx":
        return FileResponse(
            xlsx_file(calls),
            as_attachment=True,
            filename=f"mot-calls-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(csv_stream(calls), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mot-calls-{stamp}.csv"'
    return response


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def flag_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Out of scope: 404, like every other read; in scope but not a reviewer (agents): 403.
    flag = get_object_or_404(flags_visible_to(request.user), pk=pk)
    try:
        flag = flag_review(
            actor=request.user, flag=flag, status=request.POST.get("status", ""), reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        if _wants_json(request):  # the review queue's script: say why, stay on the page
            return JsonResponse({"error": " ".join(exc.messages)}, status=400)
        messages.error(request, " ".join(exc.messages))
    else:
        if _wants_json(request):
            return JsonResponse(
                {
                    "id": flag.pk,
                    "review_status": flag.review_status,
                    "review_status_display": flag.get_review_status_display(),
                    "review_reason": flag.review_reason,
                    "message": _("Review saved."),
                }
            )
        messages.success(request, _("Review saved."))
    return redirect(_back(request, reverse("calls:detail", args=[flag.call_id]) + f"#flag-{flag.pk}"))


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """검토 대기열: the flags a reviewer may judge, filtered, with verdicts one by one or in bulk."""
    if request.user.is_agent:
        raise PermissionDenied
    form = ReviewQueueForm(request.GET, user=request.user)
    valid = form.is_valid()
    filters = form.filters()
    page, rows = review_queue_page(review_queue_flags(request.user, filters), request.GET.get("page"))
    for index, row in enumerate(rows):  # a plain form comes back at the next flag
        row.next_anchor = f"#row-{rows[index + 1].flag.pk}" if index + 1 < len(rows) else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboards/review_queue.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "here": request.get_full_path(),
            "bulk_max": BULK_REVIEW_MAX,
        },
        status=200 if valid else 400,
    )


@login_required
@require_POST
def review_queue_bulk(request: HttpRequest) -> HttpResponse:
    """선택 확인 / 선택 기각: one verdict on the selected flags, each checked like a single review."""
    if request.user.is_agent:
        raise PermissionDenied
    back = _back(request, reverse("dashboards:review_queue"))
    try:
        ids = [int(value) for value in request.POST.getlist("flags")]
    except ValueError:
        messages.error(request, _("The selection is not valid; nothing was changed."))
        return redirect(back)
    if not ids:
        messages.error(request, _("Select the flags first."))
        return redirect(back)
    status = request.POST.get("status", "")
    try:
        result = flags_review_bulk(
            actor=request.user, flag_ids=ids, status=status, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages) + " " + _("Nothing was changed."))
        return redirect(back)
    if result.reviewed:
        done = {
            ReviewStatus.CONFIRMED: ngettext("Confirmed %(n)s flag.", "Confirmed %(n)s flags.", len(result.reviewed)),
            ReviewStatus.DISMISSED: ngettext("Dismissed %(n)s flag.", "Dismissed %(n)s flags.", len(result.reviewed)),
        }.get(status, ngettext("Reset %(n)s flag.", "Reset %(n)s flags.", len(result.reviewed)))
        messages.success(request, done % {"n": len(result.reviewed)})
    if result.skipped:
        messages.warning(
            request,
            ngettext(
                "Skipped %(n)s flag: it is gone or not yours to review.",
                "Skipped %(n)s flags: they are gone or not yours to review.",
                len(result.skipped),
            )
            % {"n": len(result.skipped)},
        )
    return redirect(back)


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    if not can_review_call(request.user, call):
        raise PermissionDenied
    segment = get_object_or_404(Segment, call=call, pk=request.POST.get("segment") or 0)
    try:
        moment_comment_create(actor=request.user, segment=segment, text=request.POST.get("text", ""))
        messages.success(request, _("Comment added."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("calls:detail", args=[call.pk]) + f"#segment-{segment.pk}")
