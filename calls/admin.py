from django import forms
from django.contrib import admin

from .models import Call, Campaign, LabelledLine, OutboxMessage, RetentionDeletion, Rule, ToneModelVersion
from .rulebook import RULE_FIELDS, rule_field_errors, rule_save


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "is_active")
    list_filter = ("team", "is_active")
    search_fields = ("name",)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("id", "started_at", "agent", "team", "direction", "outcome", "duration_seconds", "legal_hold")
    list_filter = ("direction", "outcome", "team", "legal_hold")
    search_fields = ("customer_name", "agent__username", "agent__display_name", "purpose")
    date_hierarchy = "started_at"
    raw_id_fields = ("agent", "created_by")


@admin.register(RetentionDeletion)
class RetentionDeletionAdmin(admin.ModelAdmin):
    """The retention log: browsable, never edited."""

    list_display = ("deleted_at", "kind", "call_id", "recording_id", "team_id", "call_started_at", "retention_days")
    list_filter = ("kind", "team_id")
    date_hierarchy = "deleted_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Messages the broker has not taken yet (it was down): they go by themselves once it is back."""

    list_display = ("id", "kind", "payload", "created_at", "send_attempts", "last_error")
    list_filter = ("kind",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RuleAdminForm(forms.ModelForm):
    """Checks the pattern and its examples as the API does, so the admin cannot save a broken rule."""

    class Meta:
        model = Rule
        fields = list(RULE_FIELDS)

    def clean(self):
        data = super().clean()
        rule = Rule(**{field: data.get(field, getattr(self.instance, field)) for field in RULE_FIELDS})
        errors = rule_field_errors(rule)
        if errors:
            raise forms.ValidationError(errors)
        return data


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleAdminForm
    list_display = ("code", "category", "severity", "speaker", "is_active", "version", "updated_at")
    list_filter = ("category", "severity", "speaker", "is_active")
    search_fields = ("code", "pattern", "explanation")

    def save_model(self, request, obj, form, change):
        # every edit goes through the rulebook service: validated again and versioned
        rule = Rule.objects.get(pk=obj.pk) if change else Rule()
        rule_save(actor=request.user, rule=rule, changes={f: form.cleaned_data[f] for f in RULE_FIELDS})
        obj.pk = rule.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # flags keep their rule code; switch a rule off instead


@admin.register(ToneModelVersion)
class ToneModelVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "digest", "is_active", "created_by", "created_at")
    readonly_fields = ("version", "digest", "is_active", "report", "created_by", "created_at")
    exclude = ("blob",)

    def has_add_permission(self, request) -> bool:
        return False  # versions come from manage.py train_tone_model or the API's train action

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LabelledLine)
class LabelledLineAdmin(admin.ModelAdmin):
    list_display = ("text", "speaker", "labels", "created_by", "created_at")
    list_filter = ("speaker",)
    search_fields = ("text",)
