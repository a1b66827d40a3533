"""Writing the access log. Views call `access_log_record`; signals log permission changes."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from mot_coach.net import client_ip

from .models import ACCESS_LOG_MIN_RETENTION_DAYS, AccessAction, AccessLog

# The request being served, so that a signal (a role changed in the admin) knows who and from where.
current_request: ContextVar[HttpRequest | None] = ContextVar("privacy_current_request", default=None)


def access_log_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    user=None,
    call_id: int | None = None,
    recording_id: int | None = None,
    target: str = "",
    detail: str = "",
    once_per: timedelta | None = None,
) -> AccessLog | None:
    """Append one row. With `once_per`, nothing is written when the same user already has a row
    for the same action, recording and call from the same address within that time (the many
    Range requests of one playback are one access). Returns the row written, or None."""
    request = request if request is not None else current_request.get()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    ip = client_ip(request) if request is not None else None
    if once_per is not None:
        recent = AccessLog.objects.filter(
            user_id=user.pk if user else None,
            action=action,
            call_id=call_id,
            recording_id=recording_id,
            ip_address=ip,
            at__gte=timezone.now() - once_per,
        )
        if recent.exists():
            return None
    return AccessLog.objects.create(
        user_id=user.pk if user else None,
        username=user.get_username() if user else "",
        role=getattr(user, "role", "") or "",
        ip_address=ip,
        action=action,
        call_id=call_id,
        recording_id=recording_id,
        target=target[:200],
        detail=detail,
        path=request.get_full_path()[:500] if request is not None else "",
    )


def audio_access_record(request: HttpRequest, recording) -> AccessLog | None:
    """A playback (Range requests, what <audio> sends) or a download (the whole file), once per
    `ACCESS_LOG_AUDIO_WINDOW_SECONDS` per user, recording and address."""
    action = AccessAction.AUDIO_PLAY if request.headers.get("Range") else AccessAction.AUDIO_DOWNLOAD
    return access_log_record(
        action=action,
        request=request,
        call_id=recording.call_id,
        recording_id=recording.pk,
        once_per=timedelta(seconds=settings.ACCESS_LOG_AUDIO_WINDOW_SECONDS),
    )


def access_log_retention_days() -> int:
    return max(settings.ACCESS_LOG_RETENTION_DAYS, ACCESS_LOG_MIN_RETENTION_DAYS)


def access_log_purge_expired(*, now: datetime | None = None) -> int:
    """Delete rows older than the retention period (never younger than two years). Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=access_log_retention_days())
    expired = AccessLog.objects.filter(at__lt=cutoff)
    deleted, _by_model = models.QuerySet.delete(expired)  # past the append-only guard, on purpose
    return deleted
