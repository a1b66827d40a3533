"""The transactional outbox: Celery messages written with the rows they are about, sent after commit.

`outbox_add` stores a message in the current transaction and asks for it to be sent once that
transaction commits. If the broker refuses it then (Redis down, a network blip), nothing is lost
and the request that wrote it still succeeds: the message stays in the table and `outbox_dispatch`
— run every few seconds by Celery beat — sends it when the broker is back.
"""

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# The broker should answer at once or be treated as down: a web request must not hang on it.
SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


def _send_recording_pipeline(payload: dict) -> None:
    from .tasks import recording_pipeline

    recording_pipeline(payload["recording_id"]).apply_async(retry_policy=SEND_RETRY_POLICY)


def _send_calls_reanalyse(payload: dict) -> None:
    from .tasks import calls_reanalyse

    calls_reanalyse.apply_async(args=[payload["call_ids"]], retry_policy=SEND_RETRY_POLICY)


SENDERS: dict[str, Callable[[dict], None]] = {
    "recording_pipeline": _send_recording_pipeline,
    "calls_reanalyse": _send_calls_reanalyse,
}


def outbox_add(*, kind: str, payload: dict) -> OutboxMessage:
    """Store a message in the current transaction; it is sent after commit (or later, by the dispatcher)."""
    if kind not in SENDERS:
        raise ValueError(f"unknown outbox message kind {kind!r}")
    message = OutboxMessage.objects.create(kind=kind, payload=payload)
    transaction.on_commit(lambda: outbox_dispatch(ids=[message.pk]))
    return message


def outbox_dispatch(*, ids: Iterable[int] | None = None, limit: int = 500) -> int:
    """Send pending messages (all, or those in `ids`); returns how many went. Never raises for the broker.

    Each message is locked while it is sent (SKIP LOCKED), so the after-commit send and the
    periodic dispatcher never send the same one at the same time; the first broker error stops
    the batch, since the rest would fail the same way.
    """
    sent = 0
    pending = OutboxMessage.objects.order_by("id")
    if ids is not None:
        pending = pending.filter(pk__in=list(ids))
    for pk in list(pending.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if message is None:
                continue  # sent meanwhile, or being sent by another process
            try:
                SENDERS[message.kind](message.payload)
            except Exception as exc:  # kombu raises several types for "broker unreachable"
                OutboxMessage.objects.filter(pk=pk).update(
                    send_attempts=message.send_attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
                )
                logger.warning("outbox: could not send %s %s (will retry): %s", message.kind, message.payload, exc)
                break
            message.delete()
            sent += 1
    return sent
