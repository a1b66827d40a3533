from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .lockout import login_unlock
from .models import Team, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "channel_layout", "audio_retention_days", "transcript_retention_days", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("supervisors", "trainers")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "team", "daily_call_target", "is_active")
    list_filter = ("role", "team", "is_active")
    actions = ["unlock_login"]
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("MOT Coach"), {"fields": ("role", "display_name", "team", "daily_call_target", "coaches_all_teams")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("MOT Coach"), {"fields": ("role", "display_name", "team", "daily_call_target")}),
    )

    @admin.action(description=_("Unlock login (forget failed attempts)"))
    def unlock_login(self, request, queryset):
        for user in queryset:
            login_unlock(username=user.username)
        self.message_user(request, _("Unlocked %(count)d user(s).") % {"count": queryset.count()})
