"""Every write to a call goes through here, so the web form and the API keep the same rules."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Call
from .phone import normalize_phone
from .policies import can_change_call, can_log_for

EDITABLE_FIELDS = frozenset(
    {
        "agent",
        "direction",
        "customer_name",
        "customer_phone",
        "campaign",
        "purpose",
        "started_at",
        "duration_seconds",
        "outcome",
        "notes",
    }
)


def call_create(
    *,
    actor: User,
    agent: User | None = None,
    direction: str,
    outcome: str,
    started_at=None,
    duration_seconds: int = 0,
    customer_name: str = "",
    customer_phone: str = "",
    campaign=None,
    purpose: str = "",
    notes: str = "",
) -> Call:
    agent = agent or actor
    if not can_log_for(actor, agent):
        raise PermissionDenied(_("You may not log calls for this agent."))
    call = Call(
        agent=agent,
        team_id=agent.team_id,
        direction=direction,
        outcome=outcome,
        started_at=started_at or timezone.now(),
        duration_seconds=duration_seconds,
        customer_name=customer_name.strip(),
        customer_phone=normalize_phone(customer_phone),
        campaign=campaign,
        purpose=purpose.strip(),
        notes=notes,
        created_by=actor,
    )
    call.full_clean()
    call.save()
    return call


@transaction.atomic
def call_update(*, actor: User, call: Call, changes: dict[str, Any]) -> Call:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if not can_change_call(actor, call):
        raise PermissionDenied(_("You may not change this call."))
    new_agent = changes.get("agent")
    if new_agent is not None and new_agent.pk != call.agent_id:
        if not can_log_for(actor, new_agent):
            raise PermissionDenied(_("You may not move this call to that agent."))
        call.team_id = new_agent.team_id
    for field, value in changes.items():
        if field == "customer_phone":
            value = normalize_phone(value)
        setattr(call, field, value)
    call.full_clean()
    call.save()
    if {"agent", "started_at"} & set(changes):
        _denormalised_copies_refresh(call)
    return call


def _denormalised_copies_refresh(call: Call) -> None:
    """Flags, the analysis and the search index copy who and when from the call, for the dashboards' sake."""
    from dashboards.services import call_index

    from .models import CallAnalysis, Flag

    copied = {"agent": call.agent_id, "team": call.team_id, "call_started_at": call.started_at}
    Flag.objects.filter(call=call).update(**copied)
    CallAnalysis.objects.filter(call=call).update(**copied)
    call_index(call.pk)


def call_delete(*, actor: User, call: Call) -> None:
    if not can_change_call(actor, call):
        raise PermissionDenied(_("You may not delete this call."))
    call.delete()
