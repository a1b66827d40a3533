from django.contrib import admin

from .models import (
    Assignment,
    CoachingSession,
    Module,
    PracticeAttempt,
    PracticeItem,
    Suggestion,
    TeamCoachingSettings,
)


class PracticeItemInline(admin.TabularInline):
    model = PracticeItem
    extra = 1


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "title_en", "categories", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["title", "title_en", "content"]
    inlines = [PracticeItemInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["module", "agent", "assigned_by", "assigned_at", "due_date", "completed_at"]
    list_filter = ["module", "agent__team"]
    raw_id_fields = ["flags"]
    search_fields = ["agent__username", "agent__display_name"]


@admin.register(PracticeAttempt)
class PracticeAttemptAdmin(admin.ModelAdmin):
    list_display = ["assignment", "item", "reply", "passed", "created_at"]
    list_filter = ["passed"]


@admin.register(CoachingSession)
class CoachingSessionAdmin(admin.ModelAdmin):
    list_display = ["held_on", "agent", "coach", "follow_up_on"]
    raw_id_fields = ["calls", "flags"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["agent", "module", "category", "rate", "flag_count", "call_count", "status", "created_at"]
    list_filter = ["status", "category"]
    raw_id_fields = ["example_flags"]


@admin.register(TeamCoachingSettings)
class TeamCoachingSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "auto_assign"]
