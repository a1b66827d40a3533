from django.contrib import admin

from .models import Call, Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "is_active")
    list_filter = ("team", "is_active")
    search_fields = ("name",)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("id", "started_at", "agent", "team", "direction", "outcome", "duration_seconds")
    list_filter = ("direction", "outcome", "team")
    search_fields = ("customer_name", "agent__username", "agent__display_name", "purpose")
    date_hierarchy = "started_at"
    raw_id_fields = ("agent", "created_by")
