from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.scoping import team_ids_visible_to, teams_visible_to

from .models import SamplingRule
from .selectors import scorecards_visible_to


def _evaluators_for(user: User):
    """The evaluators the user works with: the supervisors and trainers of the teams the user sees
    (linked to them as leads or coaches, not as members), those who see every team, and the user.
    Not `users_visible_to`, which finds people by their own team: supervisors and trainers have none."""
    evaluators = User.objects.filter(
        Q(role__in=[Role.SUPERVISOR, Role.TRAINER, Role.ADMIN]) | Q(is_superuser=True), is_active=True
    )
    team_ids = team_ids_visible_to(user)
    if team_ids is None:
        return evaluators.order_by("display_name", "username")
    return (
        evaluators.filter(
            Q(pk=user.pk)
            | Q(led_teams__in=team_ids)
            | Q(coached_teams__in=team_ids)
            | Q(team_id__in=team_ids)
            | Q(is_superuser=True)
            | Q(role=Role.ADMIN)
            | Q(role=Role.TRAINER, coaches_all_teams=True)
        )
        .distinct()
        .order_by("display_name", "username")
    )


class SamplingRuleForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=None)
    kind = forms.ChoiceField(label=_("Rule"), choices=SamplingRule.Kind.choices)
    count = forms.IntegerField(label=_("Calls per agent per week"), min_value=1, max_value=50, initial=2)
    scorecard = forms.ModelChoiceField(label=_("Scorecard"), queryset=None)
    evaluator = forms.ModelChoiceField(
        label=_("Evaluator"), queryset=None, required=False, empty_label=_("Any evaluator of the team")
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_visible_to(user)
        self.fields["scorecard"].queryset = scorecards_visible_to(user).filter(is_active=True)
        self.fields["evaluator"].queryset = _evaluators_for(user)


class CalibrationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    call = forms.IntegerField(label=_("Call number"), min_value=1)
    scorecard = forms.ModelChoiceField(label=_("Scorecard"), queryset=None)
    participants = forms.ModelMultipleChoiceField(
        label=_("Evaluators"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scorecard"].queryset = scorecards_visible_to(user).filter(is_active=True)
        self.fields["participants"].queryset = _evaluators_for(user)
