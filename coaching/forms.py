from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from calls.models import Category
from mot_coach.dates import validate_plausible_date

from .models import ChecklistItem, CoachingSession, Module


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ModuleForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Flag categories"), choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    checklist_items = forms.MultipleChoiceField(
        label=_("Checklist items"), choices=ChecklistItem.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    good_examples = forms.CharField(label=_("Good examples"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                    help_text=_("One per line."))  # fmt: skip
    bad_examples = forms.CharField(label=_("Bad examples"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                   help_text=_("One per line."))  # fmt: skip
    practice = forms.CharField(
        label=_("Practice items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line: line to improve | situation | model answer."),
    )

    class Meta:
        model = Module
        fields = ["title", "title_en", "categories", "checklist_items", "content", "is_active"]
        widgets = {"content": forms.Textarea(attrs={"rows": 16})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        module = self.instance
        if module.pk:
            self.initial["good_examples"] = "\n".join(module.good_examples)
            self.initial["bad_examples"] = "\n".join(module.bad_examples)
            self.initial["practice"] = "\n".join(
                " | ".join(filter(None, [i.prompt, i.situation, i.model_answer])) for i in module.practice_items.all()
            )

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "title_en": data["title_en"],
            "categories": list(data["categories"]),
            "checklist_items": list(data["checklist_items"]),
            "content": data["content"],
            "is_active": data["is_active"],
            "good_examples": _lines(data["good_examples"]),
            "bad_examples": _lines(data["bad_examples"]),
        }

    def practice_items(self) -> list[dict]:
        items = []
        for line in _lines(self.cleaned_data["practice"]):
            parts = [p.strip() for p in line.split("|")] + ["", ""]
            items.append({"prompt": parts[0][:300], "situation": parts[1][:300], "model_answer": parts[2][:300]})
        return items


class AssignForm(forms.Form):
    module = forms.ModelChoiceField(label=_("Module"), queryset=Module.objects.filter(is_active=True))
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Whole team"), queryset=Team.objects.none(), required=False)
    due_date = forms.DateField(
        label=_("Due date"), validators=[validate_plausible_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    flags = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, agents, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents
        self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        if bool(data.get("agent")) == bool(data.get("team")):
            raise forms.ValidationError(_("Choose an agent or a team, not both."))
        return data

    def flag_ids(self) -> list[int]:
        return [int(x) for x in (self.cleaned_data.get("flags") or "").split(",") if x.strip().isdigit()]


class SessionForm(forms.ModelForm):
    class Meta:
        model = CoachingSession
        fields = ["agent", "held_on", "notes", "agreed_actions", "follow_up_on"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 5}),
            "agreed_actions": forms.Textarea(attrs={"rows": 3}),
        }

    calls = forms.CharField(label=_("Linked calls"), required=False, help_text=_("Call numbers, separated by commas."))

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents
        for name in ("held_on", "follow_up_on"):
            self.fields[name].validators.append(validate_plausible_date)

    def call_ids(self) -> list[int]:
        return [
            int(x) for x in (self.cleaned_data.get("calls") or "").replace("#", "").split(",") if x.strip().isdigit()
        ]
