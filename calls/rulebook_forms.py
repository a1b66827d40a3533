"""Forms of the rulebook screen. Saving goes through calls.rulebook.rule_save, never form.save()."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from accounts.scoping import teams_visible_to

from .models import Category, Rule, RuleSpeaker, Severity
from .rulebook import RULE_FIELDS
from .rulebook_selectors import LIVE_TEST_DAYS


def _label(name: str) -> str:
    return Rule._meta.get_field(name).verbose_name


class RuleFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", _("All"))] + Category.choices)
    active = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), ("1", _("Active")), ("0", _("Off"))]
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code or explanation")}),
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        active = {"1": True, "0": False}.get(data.get("active") or "")
        return {"category": data.get("category") or "", "active": active, "q": data.get("q") or ""}


class ExampleLinesField(forms.CharField):
    """One example a line; blank lines dropped."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        for line in value:
            if len(line) > 500:
                raise ValidationError(_("An example may be at most 500 characters long."), code="max_length")


class RuleForm(forms.Form):
    code = forms.SlugField(
        label=_label("code"),
        max_length=60,
        help_text=_("Letters, digits and hyphens, e.g. fax-brushoff. It cannot change later: flags are counted by it."),
    )
    category = forms.ChoiceField(label=_label("category"), choices=Category.choices)
    severity = forms.ChoiceField(label=_label("severity"), choices=Severity.choices)
    speaker = forms.ChoiceField(label=_label("speaker"), choices=RuleSpeaker.choices)
    pattern = forms.CharField(
        label=_label("pattern"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off", "class": "mono"}),
    )
    explanation = forms.CharField(label=_label("explanation"), max_length=300)
    suggestion = forms.CharField(label=_label("suggestion"), max_length=300, required=False)
    must_match = ExampleLinesField(label=_("Must match"), required=False, help_text=_("One example a line."))
    must_not_match = ExampleLinesField(label=_("Must not match"), required=False, help_text=_("One example a line."))
    is_active = forms.BooleanField(label=_label("is_active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, rule: Rule | None = None, **kwargs: Any):
        self.rule = rule
        if rule is not None and rule.pk and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(rule, name) for name in RULE_FIELDS} | {"version": rule.version}
        super().__init__(*args, **kwargs)
        if rule is not None and rule.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code cannot change: flags are counted by it.")

    def changes(self) -> dict[str, Any]:
        changes = {name: self.cleaned_data[name] for name in RULE_FIELDS}
        if self.rule is not None and self.rule.pk:
            del changes["code"]
        return changes

    def add_service_errors(self, error: ValidationError) -> None:
        """Put rule_save's errors beside their fields (or above the form for the rest)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.message_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class LiveTestForm(forms.Form):
    """What the live test reads from the edit form as it is typed."""

    pattern = forms.CharField(required=False, strip=False)
    speaker = forms.ChoiceField(choices=RuleSpeaker.choices)
    must_match = ExampleLinesField(required=False)
    must_not_match = ExampleLinesField(required=False)
    days = forms.TypedChoiceField(choices=[(d, d) for d in LIVE_TEST_DAYS], coerce=int, required=False, empty_value=30)


class ReanalyseForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All my teams")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        today = timezone.localdate()  # Asia/Seoul: the dates people read on their calls
        kwargs.setdefault("initial", {"date_from": today - timedelta(days=6), "date_to": today})
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_visible_to(user).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
