"""The call filters, shared by the web list and the API so both accept the same parameters."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.scoping import teams_visible_to, users_visible_to
from mot_coach.dates import validate_plausible_date

from .models import Call, Direction, Outcome


def _visible_agents(request):
    return users_visible_to(request.user).filter(role=Role.AGENT)


def _visible_teams(request):
    return teams_visible_to(request.user)


class CallFilter(django_filters.FilterSet):
    # Dates are whole local days: started_from=2026-11-01&started_to=2026-11-30 includes the 30th.
    started_from = django_filters.DateFilter(
        label=_("From"),
        field_name="started_at",
        lookup_expr="date__gte",
        validators=[validate_plausible_date],
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    started_to = django_filters.DateFilter(
        label=_("To"),
        field_name="started_at",
        lookup_expr="date__lte",
        validators=[validate_plausible_date],
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=_visible_teams)
    agent = django_filters.ModelChoiceFilter(label=_("Agent"), queryset=_visible_agents)
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=Direction.choices)
    outcome = django_filters.MultipleChoiceFilter(label=_("Outcome"), choices=Outcome.choices)

    class Meta:
        model = Call
        fields = ["started_from", "started_to", "team", "agent", "campaign", "direction", "outcome"]
