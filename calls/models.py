from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ChannelLayout

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
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("Keep this call's audio and transcript past the team's retention periods (a dispute, an audit)."),
    )
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


def recording_upload_to(instance: "Recording", filename: str) -> str:
    # The stored name is ours, never the uploader's: no path tricks, no collisions, no PII in paths.
    return f"recordings/{instance.created_at:%Y/%m}/{instance.storage_key}{instance.storage_suffix}"


class RecordingStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PROBING = "probing", _("Checking audio")
    TRANSCRIBING = "transcribing", _("Transcribing")
    ANALYSING = "analysing", _("Analysing tone")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def recording_stall_bound(duration_seconds: float) -> timedelta:
    # A stage's time grows with the audio (transcription most of all); short files get a floor.
    return timedelta(
        seconds=max(settings.RECORDING_STALL_MIN_SECONDS, settings.RECORDING_STALL_FACTOR * (duration_seconds or 0))
    )


class Recording(models.Model):
    """An uploaded call recording and where it is in the pipeline.

    The status is a state machine, changed only by calls.services / calls.pipeline:

        queued ──> probing ──> transcribing ──> analysing ──> done
           ^          │             │               │
           │          └─────────────┴───────────────┴──> failed
           └───────────────────── retry ────────────────────┘

    - queued: stored and validated at upload, the pipeline is enqueued (on commit).
    - probing / transcribing / analysing: a worker holds the stage; `progress` is the percent
      of audio transcribed. A worker that dies mid-stage leaves the status as it was; the
      re-delivered task picks it up again, and `attempts` (counted when a transcription starts)
      turns a file that keeps killing its worker into `failed` instead of a loop.
    - done: transcript and analysis stored. Re-running any stage does nothing.
    - failed: `failure_reason` says why in words a person can act on. A retry sends it back to
      queued, keeping whatever stages already finished.
    - stuck: not a status but a condition — a non-terminal recording that has not moved (no
      status change, no progress written: see `last_moved_at`) for longer than `stall_bound()`
      (a whole worker died, a message was lost, the broker was down). The sweeper
      (calls.tasks.recordings_sweep) sends it back to queued by itself, counting `sweeps` so a
      file that keeps hanging ends failed; its reviewer may retry it too.

    Enqueueing goes through calls.OutboxMessage, written in the same transaction as the row, so a
    broker that is down at commit delays the pipeline instead of losing it.
    """

    TERMINAL = (RecordingStatus.DONE, RecordingStatus.FAILED)

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="recordings", verbose_name=_("call"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(_("file"), upload_to=recording_upload_to, max_length=255)
    storage_key = models.CharField(max_length=32, unique=True, editable=False)
    storage_suffix = models.CharField(max_length=8, editable=False)
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"))
    format_name = models.CharField(_("format"), max_length=40)
    codec = models.CharField(_("codec"), max_length=40)
    duration_seconds = models.FloatField(_("duration (seconds)"))
    sample_rate = models.PositiveIntegerField(_("sample rate"))
    channels = models.PositiveSmallIntegerField(_("channels"))
    channel_layout = models.CharField(_("channel layout"), max_length=20, choices=ChannelLayout.choices)
    language = models.CharField(_("language"), max_length=8, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RecordingStatus.choices, default=RecordingStatus.QUEUED, db_index=True
    )
    progress = models.FloatField(_("progress (%)"), default=0)
    attempts = models.PositiveSmallIntegerField(_("transcription attempts"), default=0)
    sweeps = models.PositiveSmallIntegerField(_("times re-queued as stuck"), default=0)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    status_changed_at = models.DateTimeField(_("status changed at"), auto_now=True)
    # Written with each progress update: a long transcription that is still moving is not stuck.
    progress_at = models.DateTimeField(_("progress written at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    audio_deleted_at = models.DateTimeField(_("audio deleted at (retention)"), null=True, blank=True)
    # Mono only: how sure the voice clustering and role cues are about who is the agent (0..1);
    # None when channels separated the speakers. A reviewer's swap or confirmation settles it.
    speaker_confidence = models.FloatField(_("speaker confidence"), null=True, blank=True)
    speakers_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("speakers set by"),
    )
    speakers_reviewed_at = models.DateTimeField(_("speakers set at"), null=True, blank=True)

    class Meta:
        ordering = ["call", "created_at", "id"]
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")

    def __str__(self) -> str:
        return f"{self.original_filename or self.storage_key} ({self.get_status_display()})"

    @property
    def is_terminal(self) -> bool:
        return self.status in self.TERMINAL

    def stall_bound(self) -> timedelta:
        """How long a stage may go without a status change before the recording counts as stuck."""
        return recording_stall_bound(self.duration_seconds)

    @property
    def last_moved_at(self):
        return max(self.status_changed_at, self.progress_at or self.status_changed_at)

    @property
    def is_stuck(self) -> bool:
        return not self.is_terminal and self.last_moved_at < timezone.now() - self.stall_bound()

    @property
    def is_stereo_split(self) -> bool:
        return self.channel_layout != ChannelLayout.MONO

    @property
    def speakers_uncertain(self) -> bool:
        """A mono recording whose agent we could not pick out surely enough to score them."""
        if self.channel_layout != ChannelLayout.MONO or self.speakers_reviewed_at is not None:
            return False
        return self.speaker_confidence is None or self.speaker_confidence < settings.SPEAKER_CONFIDENCE_THRESHOLD


class Transcript(models.Model):
    """The transcript of one recording: one at most (the one-to-one is the guarantee)."""

    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="transcript")
    language = models.CharField(max_length=8, blank=True)
    model_name = models.CharField(max_length=200)
    settings_used = models.JSONField(default=dict)
    processing_seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transcript")
        verbose_name_plural = _("transcripts")

    def __str__(self) -> str:
        return f"transcript of recording {self.recording_id}"


class Speaker(models.TextChoices):
    AGENT = "agent", _("Agent")
    CUSTOMER = "customer", _("Customer")
    UNKNOWN = "unknown", _("Unknown speaker")


def segments_mask(segments) -> None:
    """Mask personal numbers in segments about to be stored (pii.mask_pii), in place.

    `text` keeps the masked text, which is all anyone sees: the API, the call page, flags'
    excerpts, search and exports read it. The original goes to `text_unmasked` (only when
    something was masked), readable with the `calls.view_unmasked_transcript` permission. A
    segment is read after the one before it, so "뒷자리요?" → "5678" is masked. Text already
    masked masks to itself, so storing twice changes nothing.
    """
    from pii import mask_pii, mask_words

    previous = None
    for segment in segments:
        context = ""
        if previous is not None and previous.transcript_id == segment.transcript_id:
            context = previous.text_unmasked or previous.text
        masked, spans = mask_pii(segment.text, context)
        if spans:
            segment.words = mask_words(segment.words or [], segment.text, masked)
            segment.text_unmasked = segment.text
            segment.text = masked
        previous = segment


class SegmentQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        segments_mask(objs)
        return super().bulk_create(objs, *args, **kwargs)


class Segment(models.Model):
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    # Denormalised so that search and the dashboards reach segments without two joins.
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    speaker = models.CharField(max_length=10, choices=Speaker.choices)
    start = models.FloatField()
    end = models.FloatField()
    # Personal numbers masked ("010-****-****" → "***-****-****"), same length as the original so
    # character spans line up; see segments_mask.
    text = models.TextField()
    text_unmasked = models.TextField(blank=True, default="")
    avg_logprob = models.FloatField(null=True)
    no_speech_prob = models.FloatField(null=True)
    compression_ratio = models.FloatField(null=True)
    words = models.JSONField(default=list, blank=True)

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["transcript", "index"]
        constraints = [models.UniqueConstraint(fields=["transcript", "index"], name="segment_unique_index")]
        permissions = [("view_unmasked_transcript", _("Can view transcripts with personal numbers unmasked"))]

    def __str__(self) -> str:
        return f"[{self.start:.1f}-{self.end:.1f}] {self.speaker}: {self.text[:40]}"

    def save(self, *args, **kwargs):
        segments_mask([self])
        super().save(*args, **kwargs)


class Category(models.TextChoices):
    BANMAL = "banmal", _("Banmal (no polite speech)")
    DISMISSIVE = "dismissive", _("Dismissive")
    BLAME = "blame", _("Blaming the customer")
    SARCASM = "sarcasm", _("Sarcasm / condescension")
    PROFANITY = "profanity", _("Profanity")
    ABUSE = "abuse", _("Abuse of the agent")


class ChecklistItem(models.TextChoices):
    """The MOT checklist of a call's agent side, in the order a call goes."""

    GREETING = "greeting", _("Greeting with company or name")
    NEED_CONFIRMED = "need_confirmed", _("Customer's need confirmed")
    EMPATHY = "empathy", _("Empathy or apology after a complaint")
    NEXT_STEP = "next_step", _("A clear next step")
    CLOSING = "closing", _("Polite closing")


# Bit i of CallAnalysis.checklist_found / checklist_due stands for CHECKLIST_BITS[i]. Append only:
# stored analyses keep the bits they were written with.
CHECKLIST_BITS: tuple[str, ...] = (
    ChecklistItem.GREETING,
    ChecklistItem.NEED_CONFIRMED,
    ChecklistItem.EMPATHY,
    ChecklistItem.NEXT_STEP,
    ChecklistItem.CLOSING,
)


def checklist_bits(checklist) -> tuple[int, int]:
    """(found, due) bit masks of a stored checklist: due is found or missing (not 'not applicable')."""
    found = due = 0
    for entry in checklist or ():
        item = entry.get("item") if isinstance(entry, dict) else None
        if item not in CHECKLIST_BITS:
            continue
        bit = 1 << CHECKLIST_BITS.index(item)
        status = entry.get("status")
        if status == "found":
            found |= bit
            due |= bit
        elif status == "missing":
            due |= bit
    return found, due


CHECKLIST_MISSING = {
    ChecklistItem.GREETING: _("No greeting with the company or the agent's name."),
    ChecklistItem.NEED_CONFIRMED: _("The agent did not confirm what the customer needs."),
    ChecklistItem.EMPATHY: _("The customer complained and the agent did not acknowledge it or apologise."),
    ChecklistItem.NEXT_STEP: _("No concrete next step or commitment."),
    ChecklistItem.CLOSING: _("No polite closing."),
}


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


class RuleSpeaker(models.TextChoices):
    AGENT = "agent", _("Agent")
    CUSTOMER = "customer", _("Customer")
    ANY = "any", _("Either speaker")


class Rule(models.Model):
    """One rule of the tone rulebook: a morpheme-level pattern with its examples.

    Saved only through calls.rulebook.rule_save, which checks the pattern compiles and every
    example matches (or not) as declared, bumps `version` and keeps the previous text in
    RuleVersion. The pattern language is described in the README.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    speaker = models.CharField(_("speaker"), max_length=10, choices=RuleSpeaker.choices)
    pattern = models.TextField(_("pattern"))
    explanation = models.CharField(_("explanation"), max_length=300)
    suggestion = models.CharField(_("suggested phrasing"), max_length=300, blank=True)
    must_match = models.JSONField(_("examples that must match"), default=list, blank=True)
    must_not_match = models.JSONField(_("examples that must not match"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("tone rule")
        verbose_name_plural = _("tone rules")

    def __str__(self) -> str:
        return f"{self.code} (v{self.version})"

    def to_spec(self):
        from tone import RuleSpec

        return RuleSpec(
            code=self.code,
            category=self.category,
            severity=self.severity,
            speaker=self.speaker,
            pattern=self.pattern,
            explanation=self.explanation,
            suggestion=self.suggestion,
            must_match=tuple(self.must_match or ()),
            must_not_match=tuple(self.must_not_match or ()),
        )


class RuleVersion(models.Model):
    """The text of a rule as it was at one version: rules are versioned, never silently edited."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rule", "-version"]
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.snapshot.get('code', self.rule_id)} v{self.version}"


class ReviewStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", _("Not reviewed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Flag(models.Model):
    """A moment the tone analysis flagged: a span of one transcript segment."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="flags")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="flags")
    # Denormalised for the dashboards: who, which team, when, without joining the call.
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, related_name="+")
    call_started_at = models.DateTimeField(db_index=True)
    speaker = models.CharField(max_length=10, choices=Speaker.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    start = models.PositiveIntegerField(_("span start"))
    end = models.PositiveIntegerField(_("span end"))
    excerpt = models.CharField(_("flagged words"), max_length=300)
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, related_name="flags")
    rule_code = models.CharField(_("rule"), max_length=60)
    rule_version = models.PositiveIntegerField(default=1)
    explanation = models.CharField(_("explanation"), max_length=300)
    suggestion = models.CharField(_("suggested phrasing"), max_length=300, blank=True)
    # The learned model's probability for the category (None: flagged by the rules alone).
    score = models.FloatField(_("model score"), null=True, blank=True)
    review_status = models.CharField(
        _("review"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.UNREVIEWED, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(_("review note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "segment__start", "start"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        indexes = [
            models.Index(fields=["team", "call_started_at"], name="flag_team_time"),
            models.Index(fields=["agent", "call_started_at"], name="flag_agent_time"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.excerpt}"


class ToneModelVersion(models.Model):
    """One trained version of the learned tone model (tone.model.ToneModel, serialised in `blob`).

    Versioned like the rulebook: created only by calls.tone_models.tone_model_train, which
    refuses a model that scores worse on the held-back test split than the one in use. The
    newest active version is what analysis uses; with none, the model shipped in
    tone/tone_model.npz. `report` keeps the validation and test figures, the training data
    counts and what changed against the previous model.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    digest = models.CharField(max_length=12, unique=True)
    blob = models.BinaryField()
    report = models.JSONField(default=dict)
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("tone model version")
        verbose_name_plural = _("tone model versions")

    def __str__(self) -> str:
        return f"tone model v{self.version} ({self.digest})"


class LabelledLine(models.Model):
    """A line a trainer labelled by hand: training data for the next tone model."""

    text = models.TextField(_("text"))
    speaker = models.CharField(
        _("speaker"), max_length=10, choices=[(Speaker.AGENT, _("Agent")), (Speaker.CUSTOMER, _("Customer"))]
    )
    labels = models.JSONField(_("labels"), default=list, blank=True)
    context = models.TextField(_("previous turn"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("labelled line")
        verbose_name_plural = _("labelled lines")

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:40]} {self.labels}"


class CallAnalysis(models.Model):
    """The tone analysis of a call as a whole: MOT checklist and metrics, one per call."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="analysis")
    checklist = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)
    flag_count = models.PositiveIntegerField(default=0)
    agent_flag_count = models.PositiveIntegerField(default=0)
    abuse_count = models.PositiveIntegerField(default=0)
    rulebook_key = models.CharField(max_length=64, blank=True)
    analysed_at = models.DateTimeField()
    # The checklist in two small bit masks (CHECKLIST_BITS), kept by save(): the dashboards count
    # coverage from these in an index-only scan instead of reading every checklist's JSON.
    checklist_found = models.PositiveSmallIntegerField(default=0, editable=False)
    checklist_due = models.PositiveSmallIntegerField(default=0, editable=False)
    # Denormalised from the call like Flag's (save() copies them; calls.services keeps them when
    # a call changes agent or time), so the dashboards count analyses by team/agent and time
    # without joining the call. Empty only for rows bulk-created around save().
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, related_name="+")
    call_started_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("call analysis")
        verbose_name_plural = _("call analyses")

    def __str__(self) -> str:
        return f"analysis of call {self.call_id}"

    def save(self, *args, **kwargs):
        self.checklist_found, self.checklist_due = checklist_bits(self.checklist)
        call = self.call
        self.agent_id, self.team_id, self.call_started_at = call.agent_id, call.team_id, call.started_at
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                *(("checklist_found", "checklist_due") if "checklist" in update_fields else ()),
                "agent",
                "team",
                "call_started_at",
            }
        super().save(*args, **kwargs)


class Notification(models.Model):
    """An in-app message to one person: the bell on every page lists the unread ones.

    Written only through calls.notifications.notification_create. `params` is what happened
    (names, call number, quoted words …); the text is made from kind + params in the reader's
    language when shown (`text`). `message` is that text in the site's language as written: what
    rows from before `params` (null) show, and the fallback. `link` is the path of the moment it
    is about (a call page with the flag's anchor, an evaluation, a dispute). An abuse alert is
    sent at most once per call and recipient; other kinds may repeat.
    """

    class Kind(models.TextChoices):
        ABUSE = "abuse", _("Customer abuse")
        DISPUTE = "dispute", _("Dispute")
        DISPUTE_REPLY = "dispute_reply", _("Reply to a dispute")
        EVALUATION = "evaluation", _("Evaluation")
        ASSIGNMENT = "assignment", _("Coaching assignment")
        REVIEW = "review", _("Review")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="notifications", null=True)
    message = models.TextField()
    params = models.JSONField(null=True, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "call"],
                condition=models.Q(kind="abuse"),
                name="notification_abuse_once_per_call",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.message[:60]

    @property
    def text(self) -> str:
        """The notification in the active language (the reader's), or as stored for an old row."""
        from .notifications import notification_text

        return notification_text(self)


class OutboxMessage(models.Model):
    """A Celery message to send once the transaction that wrote it has committed (transactional outbox).

    Written in the same transaction as the rows it is about, so the message exists exactly when
    they do. It is sent right after the commit; if the broker is down then, it stays here and
    calls.outbox.outbox_dispatch (every few seconds, from Celery beat) sends it once the broker is
    back. A sent message is deleted. Sending twice is harmless: every stage claims its work.
    """

    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    send_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"{self.kind} {self.payload}"


class RetentionDeletion(models.Model):
    """One deletion made by the retention policy: what went, of which call, when, and under what rule.

    Kept without foreign keys so that it outlives what it records; nothing in the app edits it.
    """

    class Kind(models.TextChoices):
        AUDIO = "audio", _("Audio")
        TRANSCRIPT = "transcript", _("Transcript")

    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    call_id = models.BigIntegerField(_("call"), db_index=True)
    recording_id = models.BigIntegerField(_("recording"), null=True)
    team_id = models.BigIntegerField(_("team"), null=True)
    call_started_at = models.DateTimeField(_("call started at"))
    retention_days = models.PositiveIntegerField(_("retention period (days)"))
    detail = models.JSONField(_("detail"), default=dict)
    deleted_at = models.DateTimeField(_("deleted at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-deleted_at", "-id"]
        verbose_name = _("retention deletion")
        verbose_name_plural = _("retention deletions")

    def __str__(self) -> str:
        return f"{self.kind} of call {self.call_id} ({self.deleted_at:%Y-%m-%d})"
