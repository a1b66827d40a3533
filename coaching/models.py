"""Coaching: modules trainers write, assignments of them to agents, practice, 1:1 sessions and
suggestions computed from flag rates."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.models import Category, ChecklistItem

# The categories an agent can be coached out of: what the agent said, not what the customer did.
AGENT_CATEGORIES = (
    Category.BANMAL,
    Category.DISMISSIVE,
    Category.BLAME,
    Category.SARCASM,
    Category.PROFANITY,
)


class Module(models.Model):
    """A coaching module: what to say instead, why, and lines to practise on."""

    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    categories = models.JSONField(_("flag categories"), default=list, blank=True)
    checklist_items = models.JSONField(_("checklist items"), default=list, blank=True)
    content = models.TextField(_("content (Markdown)"), blank=True)
    good_examples = models.JSONField(_("good examples"), default=list, blank=True)
    bad_examples = models.JSONField(_("bad examples"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("coaching module")
        verbose_name_plural = _("coaching modules")

    def __str__(self) -> str:
        return self.title

    @property
    def agent_categories(self) -> list[str]:
        return [c for c in self.categories if c in AGENT_CATEGORIES]

    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels.get(c, c)) for c in self.categories]

    def checklist_labels(self) -> list[str]:
        labels = dict(ChecklistItem.choices)
        return [str(labels.get(c, c)) for c in self.checklist_items]


class PracticeItem(models.Model):
    """A real-world line to improve: the agent writes a better reply."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="practice_items")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    prompt = models.CharField(_("line to improve"), max_length=300)
    situation = models.CharField(_("situation"), max_length=300, blank=True)
    model_answer = models.CharField(_("model answer"), max_length=300, blank=True)

    class Meta:
        ordering = ["module", "order", "id"]
        verbose_name = _("practice item")
        verbose_name_plural = _("practice items")

    def __str__(self) -> str:
        return self.prompt


class TeamCoachingSettings(models.Model):
    """Per-team coaching switches. Without a row a team gets suggestions, never auto-assignment."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="coaching_settings")
    auto_assign = models.BooleanField(
        _("assign suggested modules automatically"),
        default=False,
        help_text=_("Suggested modules are assigned without a trainer approving them."),
    )

    class Meta:
        verbose_name = _("team coaching settings")
        verbose_name_plural = _("team coaching settings")

    def __str__(self) -> str:
        return str(self.team)


class Assignment(models.Model):
    """A module given to one agent, with a due date; complete once every practice item passed."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="assignments")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    due_date = models.DateField(_("due date"))
    note = models.TextField(_("note"), blank=True)
    flags = models.ManyToManyField("calls.Flag", blank=True, related_name="coaching_assignments")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["agent", "completed_at"], name="assignment_agent_open")]

    def __str__(self) -> str:
        return f"{self.module} → {self.agent}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("coaching:assignment_detail", args=[self.pk])

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.completed_at is None and self.due_date < timezone.localdate()


class PracticeAttempt(models.Model):
    """One reply an agent wrote to a practice item, and what the tone analyser said about it.

    Without an assignment it is free practice: an agent opened a published module on their own.
    Such attempts are kept (the agent sees them) but never count toward completing an assignment.
    """

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="attempts", null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_attempts", null=True
    )
    item = models.ForeignKey(PracticeItem, on_delete=models.CASCADE, related_name="attempts")
    reply = models.TextField(_("reply"))
    passed = models.BooleanField(_("passed"))
    polite = models.BooleanField(_("polite speech level"))
    hits = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "item", "-created_at", "-id"]
        verbose_name = _("practice attempt")
        verbose_name_plural = _("practice attempts")

    def __str__(self) -> str:
        return self.reply[:60]

    @property
    def is_free_practice(self) -> bool:
        return self.assignment_id is None

    def hits_labelled(self) -> list[dict]:
        """The stored hits with the category's display name (in the active language) beside its code."""
        labels = dict(Category.choices)
        return [
            {**hit, "category_label": str(labels.get(hit.get("category"), hit.get("category")))} for hit in self.hits
        ]


class CoachingSession(models.Model):
    """A record of a 1:1 between a coach and an agent."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_sessions")
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="coached_sessions"
    )
    held_on = models.DateField(_("date"))
    calls = models.ManyToManyField("calls.Call", blank=True, related_name="coaching_sessions")
    flags = models.ManyToManyField("calls.Flag", blank=True, related_name="coaching_sessions")
    notes = models.TextField(_("notes"), blank=True)
    agreed_actions = models.TextField(_("agreed actions"), blank=True)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")

    def __str__(self) -> str:
        return f"{self.held_on} {self.agent}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    IGNORED = "ignored", _("Ignored")
    AUTO_ASSIGNED = "auto_assigned", _("Assigned automatically")


class Suggestion(models.Model):
    """A module suggested for an agent because a flag rate crossed the threshold.

    open ──> approved (a trainer assigned it) | ignored | auto_assigned (the team opted in).
    At most one open suggestion per agent and module; a refresh updates its evidence.
    """

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_suggestions")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="suggestions")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    rate = models.FloatField(_("flags per 100 calls"))
    flag_count = models.PositiveIntegerField(_("flags"))
    call_count = models.PositiveIntegerField(_("calls"))
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    example_flags = models.ManyToManyField("calls.Flag", blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN, db_index=True
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-rate", "id"]
        verbose_name = _("coaching suggestion")
        verbose_name_plural = _("coaching suggestions")
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "module"],
                condition=models.Q(status="open"),
                name="suggestion_one_open_per_agent_module",
            )
        ]

    def __str__(self) -> str:
        return f"{self.module} → {self.agent} ({self.rate:.1f})"
