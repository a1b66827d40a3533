import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.scoping import agents_assignable_by

from .models import Call, Direction, Outcome
from .selectors import campaigns_visible_to
from .validators import validate_duration

_MMSS = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})\s*$")


class MinutesSecondsField(forms.Field):
    """Agents type durations the way a phone shows them: "3:25", "1:02:03", or plain seconds."""

    widget = forms.TextInput

    def prepare_value(self, value):
        if isinstance(value, int):
            minutes, seconds = divmod(value, 60)
            return f"{minutes}:{seconds:02d}"
        return value

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return 0
        if value.lstrip("-").isdigit():
            seconds = int(value)
        else:
            match = _MMSS.match(value)
            if not match:
                raise forms.ValidationError(_("Enter the duration as minutes:seconds, e.g. 3:25."))
            hours, minutes, secs = (int(g or 0) for g in match.groups())
            if secs >= 60:
                raise forms.ValidationError(_("Seconds must be below 60."))
            seconds = hours * 3600 + minutes * 60 + secs
        validate_duration(seconds)
        return seconds


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CallForm(forms.ModelForm):
    """The quick-log and edit form. Only what an agent needs on every call is required."""

    duration_seconds = MinutesSecondsField(
        label=_("Duration"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "3:25", "inputmode": "numeric"}),
    )

    class Meta:
        model = Call
        fields = [
            "agent",
            "direction",
            "outcome",
            "customer_name",
            "customer_phone",
            "campaign",
            "purpose",
            "started_at",
            "duration_seconds",
            "notes",
        ]
        widgets = {
            "direction": forms.RadioSelect,
            "started_at": LocalDateTimeInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "customer_phone": forms.TextInput(attrs={"inputmode": "tel", "placeholder": "010-1234-5678"}),
        }

    def __init__(self, *args, user: User, show_phone: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        agents = agents_assignable_by(user)
        if user.is_agent:
            del self.fields["agent"]
        else:
            self.fields["agent"].queryset = agents
        self.fields["campaign"].queryset = campaigns_visible_to(user)
        self.fields["started_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["started_at"].required = False
        self.fields["outcome"].choices = list(Outcome.choices)
        self.fields["direction"].choices = list(Direction.choices)
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("direction", Direction.OUTBOUND)
            self.initial.setdefault("outcome", Outcome.RESOLVED)
        if not show_phone:
            # Only the call's own agent sees the full number; anyone else may replace it, and an
            # empty field keeps the number that is there.
            self.fields["customer_phone"].required = False
            self.fields["customer_phone"].widget.attrs["placeholder"] = self.instance.customer_phone_masked
            self.initial["customer_phone"] = ""
        self.show_phone = show_phone

    def clean_customer_phone(self) -> str:
        value = self.cleaned_data.get("customer_phone", "")
        if not self.show_phone and not value:
            return self.instance.customer_phone
        return value

    def clean_started_at(self):
        return self.cleaned_data.get("started_at") or timezone.now()

    # A call nobody picked up has no talk time; every other call logged at 0:00 is a slip (Enter on
    # an untouched form) that would count toward the daily target.
    OUTCOMES_WITHOUT_TALK = frozenset({Outcome.NO_ANSWER})

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and "duration_seconds" in self.fields and not self.errors.get("duration_seconds"):
            outcome = data.get("outcome")
            if not data.get("duration_seconds") and outcome and outcome not in self.OUTCOMES_WITHOUT_TALK:
                self.add_error(
                    "duration_seconds",
                    _("Enter how long the call took (e.g. 3:25). Only a call with no answer may be 0:00."),
                )
        return data

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}
