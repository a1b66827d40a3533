"""In-app notifications: the one way to write one, and the one place each kind's text is made.

A notification stores what happened (`params`, plain JSON: names, call numbers, dates, quoted
words), not a sentence: `notification_text` words it from kind + params with gettext in the
language active when it is *read* (the reader's request), so an alert written while someone
worked in English reads in Korean for a Korean reader. `message` keeps the text in the site's
language (settings.LANGUAGE_CODE) as written, for rows from before params existed (they show it
as they always did) and as the fallback should a row's params no longer fit its kind.

Params by kind (what `notification_create` callers pass):

- abuse: agent, call, excerpt, moments = [{"at": seconds into the call, "text": the line}, …]
- dispute: agent, call, target ("evaluation" | "flag"), reason
- dispute_reply, event "reply": author, call, text; "revise": call (to the evaluator, whose
  evaluation was overturned); "decided": call, outcome (a qa DisputeStatus value), note
- evaluation, event "submitted": evaluator, score (number or null); "revised": score;
  "calibration": actor, call
- assignment: module, due (a date), actor (null: assigned automatically)
  (coaching.services.assignments_create: one per agent assigned, linked to the assignment)
- review: reviewer, call, status (a calls ReviewStatus value), count (optional: how many moments of
  the call one verdict covered, when more than one) (calls.review: one per agent and call a verdict
  changed, linked to the first moment on the call page)

Names are stored as they read when the notification was written; dates and datetimes may be
passed as such and are stored as ISO strings, shown in the project's formats (Seoul time).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Call, Notification, ReviewStatus

logger = logging.getLogger(__name__)

Params = dict[str, Any]


def notification_create(
    *, recipient: User, kind: str, params: Params, call: Call | None = None, link: str = ""
) -> Notification | None:
    """Tell `recipient` what happened (`params`, see the module's docstring for each kind).

    The text is not stored for the reader: it is made from kind + params when read. Params that
    do not fit the kind raise here (KeyError, ValueError), at the writer. Returns None when an
    abuse alert about this call was already sent to them."""
    params = _plain(params)
    with translation.override(settings.LANGUAGE_CODE):
        message = _render(kind, params)  # the stored fallback, in the site's language
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient, kind=kind, call=call, params=params, message=message, link=link
            )
    except IntegrityError:
        if kind == Notification.Kind.ABUSE:
            return None  # told already: a re-run must not tell twice
        raise


def notification_text(note: Notification) -> str:
    """The notification in the active language: from its params, or as stored for old rows."""
    if not isinstance(note.params, dict):
        return note.message  # written before params existed
    try:
        return _render(note.kind, note.params)
    except (KeyError, ValueError, TypeError, AttributeError):
        logger.warning("notification %s: params do not fit kind %r; showing the stored text", note.pk, note.kind)
        return note.message


def _plain(params: Params) -> Params:
    """Params as JSON will give them back (dates as ISO strings), so a fresh row renders as a read one."""
    plain = json.loads(json.dumps(params, cls=DjangoJSONEncoder))
    if not isinstance(plain, dict):
        raise TypeError("notification params are a dict")
    return plain


# --- each kind's words --------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _date(value: str) -> str:
    """A stored date (or datetime, shown as its Seoul date) in the project's date format."""
    moment = parse_datetime(value) if "T" in value else None
    if moment is not None:
        day: date = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    else:
        day = parse_date(value)
        if day is None:
            raise ValueError(f"not a date: {value!r}")
    return formats.date_format(day, "DATE_FORMAT")


def _score(value: float | None) -> str:
    return "—" if value is None else f"{float(value):g}"


def _abuse(p: Params) -> str:
    text = _(
        "Customer abuse toward %(agent)s on call #%(call)s: “%(excerpt)s”. Check on the agent and "
        "follow the abusive-customer procedure."
    ) % {"agent": p["agent"], "call": p["call"], "excerpt": p["excerpt"]}
    moments = "\n".join(f"[{_clock(m['at'])}] “{m['text']}”" for m in p.get("moments") or ())
    return f"{text}\n{_('Evidence')}:\n{moments}" if moments else text


def _dispute(p: Params) -> str:
    what = {"evaluation": _("an evaluation"), "flag": _("a flag")}[p["target"]]
    return _("%(agent)s disputes %(what)s on call #%(id)s: %(reason)s") % {
        "agent": p["agent"],
        "what": what,
        "id": p["call"],
        "reason": p["reason"],
    }


def _dispute_reply(p: Params) -> str:
    event = p["event"]
    if event == "reply":
        return _("%(author)s replied on the dispute about call #%(id)s: %(text)s") % {
            "author": p["author"],
            "id": p["call"],
            "text": p["text"],
        }
    if event == "revise":
        return _("A dispute of your evaluation of call #%(id)s was overturned: please revise it.") % {"id": p["call"]}
    if event == "decided":
        from qa.models import DisputeStatus  # qa builds on calls, not the other way round

        return _("Your dispute about call #%(id)s was decided: %(outcome)s. %(note)s") % {
            "id": p["call"],
            "outcome": DisputeStatus(p["outcome"]).label,
            "note": p["note"],
        }
    raise ValueError(f"unknown dispute_reply event {event!r}")


def _evaluation(p: Params) -> str:
    event = p["event"]
    if event == "submitted":
        return _("New evaluation of your call by %(evaluator)s: score %(score)s.") % {
            "evaluator": p["evaluator"],
            "score": _score(p["score"]),
        }
    if event == "revised":
        return _("Your evaluation was revised after your dispute: score %(score)s.") % {"score": _score(p["score"])}
    if event == "calibration":
        return _("%(actor)s asked you to score call #%(id)s for a calibration.") % {
            "actor": p["actor"],
            "id": p["call"],
        }
    raise ValueError(f"unknown evaluation event {event!r}")


def _assignment(p: Params) -> str:
    values = {"module": p["module"], "due": _date(p["due"])}
    if p.get("actor"):
        return _("%(actor)s assigned you the coaching module “%(module)s”, due %(due)s.") % {
            **values,
            "actor": p["actor"],
        }
    return _("You were assigned the coaching module “%(module)s”, due %(due)s.") % values


def _review(p: Params) -> str:
    values = {"reviewer": p["reviewer"], "call": p["call"], "status": ReviewStatus(p["status"]).label}
    count = int(p.get("count") or 1)
    if count > 1:
        return _("%(reviewer)s reviewed %(count)s moments of your call #%(call)s: %(status)s.") % {
            **values,
            "count": count,
        }
    return _("%(reviewer)s reviewed a moment of your call #%(call)s: %(status)s.") % values


_RENDERERS: dict[str, Callable[[Params], str]] = {
    Notification.Kind.ABUSE: _abuse,
    Notification.Kind.DISPUTE: _dispute,
    Notification.Kind.DISPUTE_REPLY: _dispute_reply,
    Notification.Kind.EVALUATION: _evaluation,
    Notification.Kind.ASSIGNMENT: _assignment,
    Notification.Kind.REVIEW: _review,
}


def _render(kind: str, params: Params) -> str:
    try:
        render = _RENDERERS[kind]
    except KeyError:
        raise ValueError(f"unknown notification kind {kind!r}") from None
    return str(render(params))


# --- reading and marking ------------------------------------------------------------------------


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
