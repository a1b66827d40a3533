from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import ChannelLayout
from privacy.models import AccessAction
from privacy.services import access_log_record
from qa.selectors import call_qa_context

from . import services
from .evidence import can_export_evidence, evidence_pack_build
from .filters import CallFilter
from .forms import CallForm
from .models import Notification
from .notifications import notification_mark_read, notifications_for, notifications_mark_all_read
from .policies import can_change_call, can_log_calls
from .recordings import RecordingNotRetryable, recording_retry
from .review import call_review_context, call_speakers_set, can_review_call
from .selectors import (
    agent_daily_progress,
    agent_recent_calls,
    call_segments,
    calls_visible_to,
    recordings_visible_to,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_agent:
        return redirect("dashboards:agent")
    return redirect("dashboards:team")


@login_required
def quick_log(request: HttpRequest) -> HttpResponse:
    """The page an agent keeps open all day: log a call in seconds, see today's progress."""
    user = request.user
    if not can_log_calls(user):
        raise PermissionDenied
    if request.method == "POST":
        form = CallForm(request.POST, user=user)
        if form.is_valid():
            changes = form.changes()
            services.call_create(actor=user, **changes)
            messages.success(request, _("Call logged."))
            return redirect("calls:quick_log")
    else:
        form = CallForm(user=user)
    context = {"form": form}
    if user.is_agent:
        context["progress"] = agent_daily_progress(user)
        context["recent_calls"] = agent_recent_calls(user)
    else:
        context["recent_calls"] = calls_visible_to(user).filter(created_by=user)[:10]
    return render(request, "calls/quick_log.html", context)


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    calls = calls_visible_to(request.user)
    call_filter = CallFilter(request.GET or None, queryset=calls, request=request)
    page = Paginator(call_filter.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "calls/call_list.html",
        {"filter": call_filter, "page": page, "query": query.urlencode(), "can_log": can_log_calls(request.user)},
    )


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    recordings = list(call.recordings.all())
    segments = list(call_segments(call))
    can_unmask = request.user.has_perm("calls.view_unmasked_transcript")
    unmasked = can_unmask and request.GET.get("unmasked") == "1"
    if unmasked:
        for segment in segments:  # for this page only; never saved
            segment.text = segment.text_unmasked or segment.text
    if segments:
        action = AccessAction.UNMASKED_VIEW if unmasked else AccessAction.TRANSCRIPT_VIEW
        access_log_record(action=action, request=request, call_id=call.pk)
    review = call_review_context(request.user, call, segments)
    has_abuse = any(f.category == "abuse" and f.review_status != "dismissed" for f in review["flags"])
    evidence_url = (
        reverse("calls:evidence", args=[call.pk]) if has_abuse and can_export_evidence(request.user, call) else ""
    )
    return render(
        request,
        "calls/call_detail.html",
        {
            "call": call,
            "can_change": can_change_call(request.user, call),
            "recordings": recordings,
            "segments": segments,
            "can_unmask": can_unmask,
            "unmasked": unmasked,
            "speakers_uncertain": any(r.speakers_uncertain for r in recordings),
            "speakers_guessed": any(r.speaker_confidence is not None for r in recordings),
            "timeline": _timeline(segments, review["flags"]),
            "evidence_url": evidence_url,
            **review,
            **call_qa_context(request.user, call),
        },
    )


def _timeline(segments: list, flags: list) -> dict:
    """Both speakers' turns and the flags as positions (percent of the call) for the timeline strip."""
    end = max((s.end for s in segments), default=0.0)
    if end <= 0:
        return {}

    def pct(seconds: float) -> float:
        return round(100 * max(0.0, seconds) / end, 3)

    lanes = {"agent": [], "customer": [], "unknown": []}
    for segment in segments:
        lanes.setdefault(segment.speaker, []).append(
            {"segment": segment, "left": pct(segment.start), "width": max(pct(segment.end - segment.start), 0.15)}
        )
    markers = [{"flag": flag, "left": pct(flag.seg.start)} for flag in flags if getattr(flag, "seg", None) is not None]
    return {"end": round(end, 1), "lanes": [(name, turns) for name, turns in lanes.items() if turns], "flags": markers}


@login_required
@require_POST
def call_speakers(request: HttpRequest, pk: int) -> HttpResponse:
    """Swap or confirm the call's speakers (reviewers only); the call is re-analysed."""
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    if not can_review_call(request.user, call):
        raise PermissionDenied
    try:
        call_speakers_set(actor=request.user, call=call, action=request.POST.get("action", ""))
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    messages.success(request, _("Speakers saved; the call is being analysed again."))
    return redirect(reverse("calls:detail", args=[call.pk]) + "#transcript")


@login_required
def recording_upload(request: HttpRequest) -> HttpResponse:
    """Drag-and-drop upload of one or many recordings, to an existing call or as new calls."""
    if not can_log_calls(request.user):
        raise PermissionDenied
    call = None
    if request.GET.get("call"):
        call = get_object_or_404(calls_visible_to(request.user), pk=request.GET["call"])
        if not can_change_call(request.user, call):
            raise PermissionDenied
    form = CallForm(user=request.user)
    # Empty means "now" when the file arrives (the API's default), not when the page was opened.
    form.fields["started_at"].initial = None
    form.fields["started_at"].help_text = _("Seoul time. Leave empty for the time of the upload.")
    return render(
        request,
        "calls/upload.html",
        {"call": call, "form": form, "layouts": ChannelLayout.choices, "max_mb": settings.RECORDING_MAX_BYTES // 2**20},
    )


@login_required
@require_POST
def recording_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    recording = get_object_or_404(recordings_visible_to(request.user), pk=pk)
    try:
        recording_retry(actor=request.user, recording=recording)
    except RecordingNotRetryable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The recording is queued again."))
    return redirect("calls:detail", pk=recording.call_id)


@login_required
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    if not can_change_call(request.user, call):
        raise PermissionDenied
    show_phone = call.agent_id == request.user.pk
    form = CallForm(request.POST or None, instance=call, user=request.user, show_phone=show_phone)
    if request.method == "POST" and form.is_valid():
        services.call_update(actor=request.user, call=call, changes=form.changes())
        messages.success(request, _("Call updated."))
        return redirect("calls:detail", pk=call.pk)
    return render(request, "calls/call_edit.html", {"call": call, "form": form})


@login_required
@require_POST
def call_delete(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    services.call_delete(actor=request.user, call=call)
    messages.success(request, _("Call deleted."))
    return redirect("calls:list")


# --- customer-abuse evidence --------------------------------------------------------------------


@login_required
def call_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence pack (ZIP) of a call's customer abuse, for the team's supervisors and admins."""
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    if not can_export_evidence(request.user, call):
        raise PermissionDenied
    try:
        pack = evidence_pack_build(actor=request.user, call=call)
    except ValueError:
        return HttpResponse(
            _("This call has no customer abuse to put in an evidence pack."),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    clips = sum(1 for clip in pack.clips if clip.name)
    access_log_record(
        action=AccessAction.EVIDENCE_EXPORT,
        request=request,
        call_id=call.pk,
        target=pack.filename,
        detail=f"{pack.flag_count} abuse moments; {clips} audio clips; zip sha256 {pack.sha256}",
    )
    response = HttpResponse(pack.data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{pack.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- notifications ------------------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """알림: the user's notifications, unread first, each linking to its moment."""
    notes = notifications_for(request.user)
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    items = list(page.object_list)
    abuse_calls = {n.call_id for n in items if n.kind == Notification.Kind.ABUSE and n.call_id}
    evidence_calls = set()
    if abuse_calls:
        evidence_calls = {
            call.pk
            for call in calls_visible_to(request.user).filter(pk__in=abuse_calls)
            if can_export_evidence(request.user, call)
        }
    for note in items:
        note.evidence_url = reverse("calls:evidence", args=[note.call_id]) if note.call_id in evidence_calls else ""
    return render(
        request,
        "calls/notifications.html",
        {"page": page, "items": items, "unread": notes.filter(read_at__isnull=True).count()},
    )


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to its moment, marking it read on the way."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(recipient=request.user, notification=note)
    if note.link and url_has_allowed_host_and_scheme(note.link, {request.get_host()}, request.is_secure()):
        return redirect(note.link)
    return redirect("calls:notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(recipient=request.user, notification=note)
    return redirect("calls:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(recipient=request.user)
    if count:
        messages.success(
            request,
            ngettext("Marked %(n)s notification as read.", "Marked %(n)s notifications as read.", count) % {"n": count},
        )
    return redirect("calls:notifications")
