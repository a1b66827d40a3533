"""Who may see which teams and people. Every selector in the project builds on these.

The rule of the product: an agent sees themself, a supervisor the teams they lead, a trainer the
teams they coach (or all, if they coach all), an admin everything.
"""

from django.db.models import Q, QuerySet

from .models import Role, Team, User


def sees_everything(user: User) -> bool:
    return user.is_superuser or user.role == Role.ADMIN or (user.role == Role.TRAINER and user.coaches_all_teams)


def team_ids_visible_to(user: User) -> set[int] | None:
    """The ids of the teams whose work the user may read; None means every team."""
    if sees_everything(user):
        return None
    if user.role == Role.SUPERVISOR:
        return set(user.led_teams.values_list("id", flat=True))
    if user.role == Role.TRAINER:
        return set(user.coached_teams.values_list("id", flat=True))
    return {user.team_id} if user.team_id else set()


def team_ids_managed_by(user: User) -> set[int] | None:
    """Teams whose calls the user may change (trainers only read); None means every team."""
    if user.is_superuser or user.role == Role.ADMIN:
        return None
    if user.role == Role.SUPERVISOR:
        return set(user.led_teams.values_list("id", flat=True))
    return set()


def teams_visible_to(user: User) -> QuerySet[Team]:
    team_ids = team_ids_visible_to(user)
    teams = Team.objects.all()
    return teams if team_ids is None else teams.filter(id__in=team_ids)


def users_visible_to(user: User) -> QuerySet[User]:
    users = User.objects.select_related("team")
    if sees_everything(user):
        return users
    if user.is_agent:
        return users.filter(pk=user.pk)
    team_ids = team_ids_visible_to(user) or set()
    return users.filter(Q(pk=user.pk) | Q(team_id__in=team_ids)).distinct()


def agents_assignable_by(user: User) -> QuerySet[User]:
    """Agents a user may log a call for: themself, or the agents of the teams they manage."""
    agents = User.objects.filter(role=Role.AGENT, is_active=True)
    if user.is_agent:
        return agents.filter(pk=user.pk)
    team_ids = team_ids_managed_by(user)
    if team_ids is None:
        return agents
    return agents.filter(team_id__in=team_ids)
