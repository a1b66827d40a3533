"""Quality evaluation (QA): scorecards, evaluations of calls, sampling into evaluators' queues,
calibration sessions, and agents' acknowledgements and disputes.

Writes go through qa.services, reads through qa.selectors.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from calls.models import Category, ChecklistItem


class Scorecard(models.Model):
    """An evaluation form: sections of weighted criteria.

    A scorecard that has been used by an evaluation is frozen (evaluations keep the questions they
    answered); changing it means a new version (qa.services.scorecard_new_version), which copies
    it with `version` + 1 and `previous` pointing back, and retires the old one.
    """

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scorecards",
        verbose_name=_("team"),
        help_text=_("Empty: for every team."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_version", editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.evaluations.exists()


class Section(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=150)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scorecard", "order", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.title


class AnswerType(models.TextChoices):
    YES_NO = "yes_no", _("Yes / No")
    SCALE = "scale", _("Scale 1–5")


class AutoSource(models.TextChoices):
    NONE = "", _("None (the evaluator answers)")
    CHECKLIST = "checklist", _("MOT checklist item found")
    NO_FLAG = "no_flag", _("No agent flag of a category")


class Criterion(models.Model):
    """One question. A fail criterion answered "no" fails the whole call (score 0)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=300)
    guidance = models.CharField(_("guidance"), max_length=500, blank=True)
    answer_type = models.CharField(
        _("answer type"), max_length=10, choices=AnswerType.choices, default=AnswerType.YES_NO
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    allow_na = models.BooleanField(_("N/A allowed"), default=True)
    is_fail = models.BooleanField(
        _("fails the call"), default=False, help_text=_("Answered “no”, the whole evaluation scores 0.")
    )
    auto_source = models.CharField(
        _("answered from the analysis"), max_length=10, choices=AutoSource.choices, default=AutoSource.NONE, blank=True
    )
    auto_key = models.CharField(
        _("checklist item or flag category"),
        max_length=20,
        blank=True,
        choices=[*ChecklistItem.choices, *Category.choices],
    )

    class Meta:
        ordering = ["scorecard", "section__order", "order", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return self.text


class Calibration(models.Model):
    """Several evaluators score the same call on the same scorecard, each blind to the others
    until they have submitted their own; the page then shows how far apart they were."""

    title = models.CharField(_("title"), max_length=150)
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="calibrations")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="calibrations")
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="calibrations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")

    def __str__(self) -> str:
        return self.title


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Evaluation(models.Model):
    """One evaluator's scoring of one call: draft → submitted.

    A submitted evaluation is what the agent sees and what the trends count (calibration
    evaluations count in neither). Overturning a dispute about it sets `revision_open`: the
    evaluator may then change the answers and submit the revision once.
    """

    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="evaluations")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="evaluations")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations_given")
    # Denormalised from the call, like Flag: trends and scoping without joining the call.
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluations")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, related_name="+")
    call_started_at = models.DateTimeField()
    calibration = models.ForeignKey(
        Calibration, on_delete=models.CASCADE, null=True, blank=True, related_name="evaluations"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    failed = models.BooleanField(_("failed"), default=False)
    comment = models.TextField(_("overall comment"), blank=True)
    revision_open = models.BooleanField(_("open for revision"), default=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    revised_at = models.DateTimeField(_("revised at"), null=True, blank=True)

    class Meta:
        ordering = ["-call_started_at", "-id"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "evaluator"], condition=Q(calibration__isnull=True), name="evaluation_once_per_call"
            ),
            models.UniqueConstraint(fields=["calibration", "evaluator"], name="evaluation_once_per_calibration"),
        ]
        indexes = [
            models.Index(fields=["team", "call_started_at"], name="evaluation_team_time"),
            models.Index(fields=["agent", "call_started_at"], name="evaluation_agent_time"),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} · call {self.call_id} · {self.evaluator}"

    @property
    def is_submitted(self) -> bool:
        return self.status == EvaluationStatus.SUBMITTED

    @property
    def is_editable(self) -> bool:
        return not self.is_submitted or self.revision_open


class Answer(models.Model):
    """An answer to one criterion: "yes", "no", "na" or "1".."5"; empty while unanswered.

    `auto_value` is what the call's analysis suggested (kept to show where the evaluator differs).
    """

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField(_("answer"), max_length=3, blank=True)
    auto_value = models.CharField(_("suggested by the analysis"), max_length=3, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["evaluation", "criterion__section__order", "criterion__order", "criterion_id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "criterion"], name="answer_once_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.value}"


class SamplingRule(models.Model):
    """How a team's calls get into evaluators' queues (run weekly by beat, or "sample now")."""

    class Kind(models.TextChoices):
        RANDOM_PER_AGENT = "random_per_agent", _("n random analysed calls per agent per week")
        HIGH_SEVERITY = "high_severity", _("All calls with high-severity agent flags")

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="sampling_rules")
    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices)
    count = models.PositiveSmallIntegerField(_("calls per agent per week"), default=2)
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+", verbose_name=_("scorecard"))
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evaluator"),
        help_text=_("Empty: any evaluator of the team."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "kind", "id"]
        verbose_name = _("sampling rule")
        verbose_name_plural = _("sampling rules")

    def __str__(self) -> str:
        return f"{self.team}: {self.get_kind_display()}"


class QueueItem(models.Model):
    """A call waiting for an evaluation ("평가 대기"). A rule samples a call once (the unique
    constraint makes re-running a week harmless)."""

    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="qa_queue_items")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="qa_queue"
    )
    rule = models.ForeignKey(SamplingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="items")
    week = models.DateField(_("week of"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "week", "call_id"]
        verbose_name = _("queued call")
        verbose_name_plural = _("evaluation queue")
        constraints = [models.UniqueConstraint(fields=["rule", "call"], name="queue_once_per_rule")]
        indexes = [models.Index(fields=["team", "done_at"], name="queue_team_open")]

    def __str__(self) -> str:
        return f"call {self.call_id} ({self.week})"


class Acknowledgement(models.Model):
    """An agent read an evaluation or a flag of theirs and accepts it."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    flag = models.ForeignKey("calls.Flag", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(evaluation__isnull=True) ^ Q(flag__isnull=True), name="ack_one_target"),
            models.UniqueConstraint(fields=["evaluation"], name="ack_once_per_evaluation"),
            models.UniqueConstraint(fields=["flag"], name="ack_once_per_flag"),
        ]

    def __str__(self) -> str:
        target = f"evaluation {self.evaluation_id}" if self.evaluation_id else f"flag {self.flag_id}"
        return f"{self.agent_id} acknowledged {target}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    OVERTURNED = "overturned", _("Overturned")


class Dispute(models.Model):
    """An agent disagrees with an evaluation or a flag of theirs, with a reason.

    open → upheld (the evaluation or flag stands) or overturned (the flag is dismissed through
    calls.review.flag_review; the evaluation opens for revision). Decided by a supervisor of the
    call's team, an admin, or (for an evaluation) its evaluator.
    """

    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="disputes")
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="disputes")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, null=True, blank=True, related_name="disputes")
    flag = models.ForeignKey("calls.Flag", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(
                condition=Q(evaluation__isnull=True) ^ Q(flag__isnull=True), name="dispute_one_target"
            ),
            models.UniqueConstraint(
                fields=["evaluation"], condition=Q(status="open"), name="dispute_one_open_per_evaluation"
            ),
            models.UniqueConstraint(fields=["flag"], condition=Q(status="open"), name="dispute_one_open_per_flag"),
        ]
        indexes = [models.Index(fields=["team", "status"], name="dispute_team_status")]

    def __str__(self) -> str:
        return f"dispute {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN


class DisputeMessage(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
