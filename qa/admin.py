from django import forms
from django.contrib import admin

from .models import (
    Acknowledgement,
    Answer,
    Calibration,
    Criterion,
    Dispute,
    DisputeMessage,
    Evaluation,
    QueueItem,
    SamplingRule,
    Scorecard,
    Section,
)
from .services import _criterion_check


class FrozenWhenUsed:
    """A scorecard an evaluation has used is read-only here: change it by a new version."""

    def _frozen(self, obj) -> bool:
        scorecard = obj if isinstance(obj, Scorecard) else getattr(obj, "scorecard", None)
        return scorecard is not None and scorecard.pk is not None and scorecard.is_frozen

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and self._frozen(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and self._frozen(obj))


class SectionInline(FrozenWhenUsed, admin.TabularInline):
    model = Section
    extra = 1

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj is not None and self._frozen(obj))


class CriterionForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if data.get("text"):
            _criterion_check(data)  # same rules as the API
        return data


class CriterionInline(FrozenWhenUsed, admin.StackedInline):
    model = Criterion
    form = CriterionForm
    extra = 1
    fields = [
        ("section", "order"),
        "text",
        "guidance",
        ("answer_type", "weight", "allow_na", "is_fail"),
        ("auto_source", "auto_key"),
    ]

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj is not None and self._frozen(obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Section.objects.filter(scorecard_id=object_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Scorecard)
class ScorecardAdmin(FrozenWhenUsed, admin.ModelAdmin):
    list_display = ["name", "version", "team", "is_active", "created_at"]
    list_filter = ["is_active", "team"]
    search_fields = ["name"]
    inlines = [SectionInline, CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(FrozenWhenUsed, admin.ModelAdmin):
    list_display = ["text", "scorecard", "section", "answer_type", "weight", "is_fail", "auto_source", "auto_key"]
    list_filter = ["scorecard", "answer_type", "is_fail"]
    form = CriterionForm


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["criterion", "value", "auto_value", "comment"]
    readonly_fields = ["criterion", "auto_value"]
    can_delete = False


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["call", "scorecard", "evaluator", "agent", "status", "score", "failed", "submitted_at"]
    list_filter = ["status", "failed", "team"]
    raw_id_fields = ["call", "calibration"]
    readonly_fields = ["agent", "team", "call_started_at", "score", "failed", "submitted_at", "revised_at"]
    inlines = [AnswerInline]


@admin.register(SamplingRule)
class SamplingRuleAdmin(admin.ModelAdmin):
    list_display = ["team", "kind", "count", "scorecard", "evaluator", "is_active"]
    list_filter = ["team", "kind", "is_active"]


@admin.register(QueueItem)
class QueueItemAdmin(admin.ModelAdmin):
    list_display = ["call", "agent", "team", "week", "evaluator", "rule", "done_at"]
    list_filter = ["team", "week"]
    raw_id_fields = ["call", "evaluation"]


@admin.register(Calibration)
class CalibrationAdmin(admin.ModelAdmin):
    list_display = ["title", "call", "scorecard", "created_by", "created_at", "closed_at"]
    raw_id_fields = ["call"]
    filter_horizontal = ["participants"]


class DisputeMessageInline(admin.TabularInline):
    model = DisputeMessage
    extra = 0


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["raised_by", "call", "evaluation", "flag", "status", "decided_by", "created_at"]
    list_filter = ["status", "team"]
    raw_id_fields = ["call", "evaluation", "flag"]
    inlines = [DisputeMessageInline]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["agent", "evaluation", "flag", "created_at"]
    raw_id_fields = ["evaluation", "flag"]
