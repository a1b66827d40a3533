from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .phone import format_phone, mask_phone
from .validators import validate_duration, validate_phone, validate_started_at


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    CALLBACK = "callback", _("Callback scheduled")
    NOT_INTERESTED = "not_interested", _("Not interested")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Voicemail")
    TRANSFERRED = "transferred", _("Transferred")
    SALE = "sale", _("Sale / sign-up")
    COMPLAINT = "complaint", _("Complaint")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    OTHER = "other", _("Other")


class Campaign(models.Model):
    """A campaign or purpose an agent picks when logging a call (e.g. "인터넷 요금 절감 TM")."""

    name = models.CharField(_("name"), max_length=120)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("team"),
        help_text=_("Empty: available to every team."),
    )
    vocabulary = models.TextField(
        _("custom vocabulary"),
        blank=True,
        help_text=_("Product and brand names, one per line, to help transcription get them right."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="campaign_unique_per_team")]

    def __str__(self) -> str:
        return self.name

    @property
    def vocabulary_terms(self) -> list[str]:
        return [line.strip() for line in self.vocabulary.splitlines() if line.strip()]


class Call(models.Model):
    """One logged phone call: a moment of truth. Recordings attach to it (zero or more)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calls", verbose_name=_("agent")
    )
    # The agent's team when the call was made: scoping and team figures must not move when an
    # agent later changes team.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, related_name="calls", verbose_name=_("team")
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    customer_name = models.CharField(_("customer name"), max_length=100, blank=True)
    customer_phone = models.CharField(_("customer phone"), max_length=20, blank=True, validators=[validate_phone])
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("campaign"),
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"), db_index=True, validators=[validate_started_at])
    duration_seconds = models.IntegerField(_("duration (seconds)"), default=0, validators=[validate_duration])
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["agent", "-started_at"], name="call_agent_started"),
            models.Index(fields=["team", "-started_at"], name="call_team_started"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(duration_seconds__gte=0), name="call_duration_not_negative"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_direction_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def customer_phone_masked(self) -> str:
        return mask_phone(self.customer_phone)

    @property
    def customer_phone_formatted(self) -> str:
        return format_phone(self.customer_phone) if self.customer_phone else ""

    @property
    def duration_display(self) -> str:
        minutes, seconds = divmod(self.duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"
