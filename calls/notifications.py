"""In-app notifications: the one way to write one (the bell and /api/notifications/ read them)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

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
