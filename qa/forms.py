import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.scoping import team_ids_visible_to, teams_visible_to

from .models import AnswerType, AutoSource, SamplingRule, Scorecard
from .selectors import scorecards_visible_to
from .services import scorecard_as_spec


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


# --- the scorecard editor -----------------------------------------------------------------------

BLANK_CRITERIA = 3  # blank question rows per section (and one blank section), for pages without JS
_SECTION_TITLE = re.compile(r"^s-(\d+)-title$")
_CRITERION_TEXT = re.compile(r"^s-(\d+)-c-(\d+)-text$")


def blank_criterion() -> dict:
    return {
        "text": "",
        "guidance": "",
        "answer_type": AnswerType.YES_NO,
        "weight": 1,
        "allow_na": True,
        "is_fail": False,
        "auto_source": "",
        "auto_key": "",
        "errors": {},
    }


def _is_blank(criterion: dict) -> bool:
    return (
        not (criterion["text"].strip() or criterion["guidance"].strip() or criterion["auto_source"])
        and not (criterion["is_fail"])
    )


class ScorecardEditor:
    """The scorecard page's form: name, description, team, and sections of criteria posted as
    `s-<i>-title` and `s-<i>-c-<j>-<field>` (static/js/scorecard_editor.js renumbers them in page
    order). It only reads the post (numbers, choices, blank rows left out); whether the scorecard
    is right is qa.services' to say, and `add_service_errors` puts its answer beside the fields."""

    def __init__(self, *, user: User, data=None, scorecard: Scorecard | None = None):
        self.teams = list(teams_visible_to(user))
        self.errors: dict[str, list[str]] = {}
        self.sections: list[dict] = []
        if data is not None:
            self._read(data)
        elif scorecard is not None:
            self.name, self.description, self.team_id = scorecard.name, scorecard.description, scorecard.team_id
            self.team = scorecard.team
            for spec in scorecard_as_spec(scorecard):
                criteria = [{**blank_criterion(), **c, "errors": {}} for c in spec["criteria"]]
                self.sections.append({"title": spec["title"], "criteria": criteria, "errors": []})
        else:
            self.name, self.description, self.team_id, self.team = "", "", None, None

    def _read(self, data) -> None:
        self.name = data.get("name", "").strip()
        self.description = data.get("description", "").strip()
        team = data.get("team", "")
        self.team_id, self.team = None, None
        if team:
            self.team = next((t for t in self.teams if str(t.pk) == team), None)
            if self.team is None:
                self.errors["team"] = [_("Pick one of your teams, or all teams.")]
            else:
                self.team_id = self.team.pk
        section_ids = sorted({int(m[1]) for key in data if (m := _SECTION_TITLE.match(key))})
        criterion_ids = sorted({(int(m[1]), int(m[2])) for key in data if (m := _CRITERION_TEXT.match(key))})
        for s in section_ids:
            if data.get(f"s-{s}-DELETE"):
                continue
            section = {"title": data.get(f"s-{s}-title", "").strip(), "criteria": [], "errors": []}
            for _s, c in (pair for pair in criterion_ids if pair[0] == s):
                prefix = f"s-{s}-c-{c}-"
                if data.get(prefix + "DELETE"):
                    continue
                criterion = self._read_criterion(data, prefix)
                if not _is_blank(criterion):
                    section["criteria"].append(criterion)
            if section["title"] or section["criteria"]:
                self.sections.append(section)

    def _read_criterion(self, data, prefix: str) -> dict:
        criterion = blank_criterion()
        errors = criterion["errors"]
        criterion["text"] = data.get(prefix + "text", "").strip()
        criterion["guidance"] = data.get(prefix + "guidance", "").strip()
        criterion["answer_type"] = data.get(prefix + "answer_type", AnswerType.YES_NO)
        if criterion["answer_type"] not in AnswerType.values:
            errors["answer_type"] = [_("Pick an answer type.")]
        weight = data.get(prefix + "weight", "").strip()
        if weight.isdigit() and int(weight) <= 100:
            criterion["weight"] = int(weight)
        else:
            criterion["weight"] = weight
            errors["weight"] = [_("A weight is a whole number from 0 to 100.")]
        criterion["allow_na"] = bool(data.get(prefix + "allow_na"))
        criterion["is_fail"] = bool(data.get(prefix + "is_fail"))
        criterion["auto_source"] = data.get(prefix + "auto_source", "")
        if criterion["auto_source"] not in AutoSource.values:
            errors["auto_source"] = [_("Pick where the answer comes from.")]
        criterion["auto_key"] = data.get(prefix + "auto_key", "") if criterion["auto_source"] else ""
        return criterion

    def is_valid(self) -> bool:
        return not self.errors and not any(c["errors"] for s in self.sections for c in s["criteria"])

    @property
    def has_errors(self) -> bool:
        return not self.is_valid()

    @property
    def cleaned(self) -> dict:
        fields = ("text", "guidance", "answer_type", "weight", "allow_na", "is_fail", "auto_source", "auto_key")
        return {
            "name": self.name,
            "description": self.description,
            "team": self.team,
            "sections": [
                {"title": s["title"], "criteria": [{k: c[k] for k in fields} for c in s["criteria"]]}
                for s in self.sections
            ],
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service's errors beside their fields: "sections.<i>.criteria.<j>.<field>" keys
        land on that criterion, the others at the top of the form."""
        if not hasattr(exc, "error_dict"):
            self.errors.setdefault("general", []).extend(exc.messages)
            return
        for key, messages in exc.message_dict.items():
            parts = key.split(".")
            if len(parts) == 5 and parts[0] == "sections" and parts[2] == "criteria":
                try:
                    criterion = self.sections[int(parts[1])]["criteria"][int(parts[3])]
                except (IndexError, ValueError):
                    self.errors.setdefault("general", []).extend(messages)
                    continue
                criterion["errors"].setdefault(parts[4], []).extend(messages)
            elif key in ("name", "description", "team", "sections"):
                self.errors.setdefault(key, []).extend(messages)
            else:
                self.errors.setdefault("general", []).extend(messages)

    def rows(self) -> list[dict]:
        """The sections to draw, each with BLANK_CRITERIA blank rows, and one blank section."""
        rows = [
            {**s, "criteria": [*s["criteria"], *(blank_criterion() for _i in range(BLANK_CRITERIA))]}
            for s in self.sections
        ]
        rows.append({"title": "", "errors": [], "criteria": [blank_criterion() for _i in range(BLANK_CRITERIA)]})
        return rows
