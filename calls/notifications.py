"""In-app notifications: the one way to write one (the bell and /api/notifications/ read them)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import User

from .models import Call, Notification


def notification_create(
    *, recipient: User, kind: str, message: str, call: Call | None = None, link: str = ""
) -> Notification | None:
    """Tell `recipient`; None when an abuse alert about this call was already sent to them."""
    try:
        with transaction.atomic():
            return Notification.objects.create(recipient=recipient, kind=kind, call=call, message=message, link=link)
    except IntegrityError:
        if kind == Notification.Kind.ABUSE:
            return None  # told already: a re-run must not tell twice
        raise


def notifications_for(recipient: User) -> QuerySet[Notification]:
    """The recipient's notifications, unread first, newest first within each."""
    return Notification.objects.filter(recipient=recipient).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-id"
    )


def unread_notification_count(recipient: User) -> int:
    """What the bell shows: one indexed count (notification_unread is on recipient, read_at)."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()


def notification_mark_read(*, recipient: User, notification: Notification) -> bool:
    """Mark one of the recipient's notifications read; False if it was already (or is not theirs)."""
    return bool(
        Notification.objects.filter(pk=notification.pk, recipient=recipient, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def notifications_mark_all_read(*, recipient: User) -> int:
    """Mark every unread notification of the recipient read. Returns how many."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(read_at=timezone.now())
