from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    TRAINER = "trainer", _("Trainer")
    ADMIN = "admin", _("Administrator")


class ChannelLayout(models.TextChoices):
    """How a recorder lays out the two parties of a call in the audio file."""

    AGENT_LEFT = "agent_left", _("Stereo: agent left, customer right")
    AGENT_RIGHT = "agent_right", _("Stereo: agent right, customer left")
    MONO = "mono", _("Mono (speakers not separated)")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    supervisors = models.ManyToManyField(
        "User",
        related_name="led_teams",
        blank=True,
        limit_choices_to={"role": Role.SUPERVISOR},
        verbose_name=_("supervisors"),
    )
    trainers = models.ManyToManyField(
        "User",
        related_name="coached_teams",
        blank=True,
        limit_choices_to={"role": Role.TRAINER},
        verbose_name=_("trainers"),
    )
    channel_layout = models.CharField(
        _("recording channel layout"),
        max_length=20,
        choices=ChannelLayout.choices,
        default=ChannelLayout.AGENT_LEFT,
    )
    vocabulary = models.TextField(
        _("custom vocabulary"),
        blank=True,
        help_text=_("Product and brand names, one per line, to help transcription get them right."),
    )
    # Counted from the call's start; empty keeps forever. Calls on legal hold are exempt.
    audio_retention_days = models.PositiveIntegerField(
        _("keep audio for (days)"), null=True, blank=True, help_text=_("Empty: keep recordings forever.")
    )
    transcript_retention_days = models.PositiveIntegerField(
        _("keep transcripts for (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: keep transcripts (and their flags and search index) forever."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    @property
    def vocabulary_terms(self) -> list[str]:
        return [line.strip() for line in self.vocabulary.splitlines() if line.strip()]


class User(AbstractUser):
    """A person using MOT Coach. The role decides what they see (see accounts.scoping)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
        verbose_name=_("team"),
        help_text=_("The team an agent belongs to."),
    )
    daily_call_target = models.PositiveSmallIntegerField(
        _("daily call target"), default=8, validators=[MinValueValidator(0), MaxValueValidator(1000)]
    )
    coaches_all_teams = models.BooleanField(
        _("coaches all teams"), default=False, help_text=_("A trainer who coaches every team.")
    )

    class Meta:
        ordering = ["display_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def save(self, *args, **kwargs) -> None:
        # The admin role and Django's staff flags describe the same thing; keep them in step so
        # an admin can use the Django admin and nobody else can.
        if self.role == Role.ADMIN:
            self.is_staff = True
        elif not self.is_superuser:
            self.is_staff = False
        super().save(*args, **kwargs)

    @property
    def is_agent(self) -> bool:
        """Limited to their own calls. A superuser never is, whatever role they carry."""
        return self.role == Role.AGENT and not self.is_superuser

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_trainer(self) -> bool:
        return self.role == Role.TRAINER

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser
