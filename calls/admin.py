from django.contrib import admin

from .models import Call, Campaign, OutboxMessage, RetentionDeletion


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
