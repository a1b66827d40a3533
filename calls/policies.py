"""What a user may do to a call. Reading is decided by selectors.calls_visible_to."""

from accounts.models import Role, User
from accounts.scoping import agents_assignable_by, team_ids_managed_by

from .models import Call


def can_change_call(user: User, call: Call) -> bool:
    if user.is_agent:
        return call.agent_id == user.pk
    team_ids = team_ids_managed_by(user)
    return team_ids is None or call.team_id in team_ids


def can_log_calls(user: User) -> bool:
    return user.role != Role.TRAINER or user.is_superuser


def can_log_for(user: User, agent: User) -> bool:
    return agents_assignable_by(user).filter(pk=agent.pk).exists()
