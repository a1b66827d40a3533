"""The review queue: every flag a reviewer may judge, filtered, a page at a time.

Reads only; verdicts go through calls.review (flag_review, flags_review_bulk) so the rulebook's
precision and the tone model's retraining data see the queue's verdicts like the call page's.
A page costs a fixed number of queries: the count, the flags with their segment and recording,
and one window query for the turn before each flagged one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team, User
from accounts.scoping import teams_visible_to, users_visible_to
from calls.models import Category, Flag, ReviewStatus, Segment, Severity, Speaker
from calls.review import _segment_parts
from calls.selectors import local_day_bounds, scope_to_user

PAGE_SIZE = 25


class Kind:
    AGENT = "agent"  # what the agent said: the default, what counts against agents
    ABUSE = "abuse"  # customer abuse of the agent
    ALL = "all"

    choices = [(AGENT, _("Agent flags")), (ABUSE, _("Customer abuse")), (ALL, _("All flags"))]


REVIEW_CHOICES = [
    (ReviewStatus.UNREVIEWED, _("Not reviewed")),
    (ReviewStatus.CONFIRMED, _("Confirmed")),
    (ReviewStatus.DISMISSED, _("Dismissed")),
    ("reviewed", _("Reviewed (either)")),
    ("all", _("All")),
]


class ReviewQueueForm(forms.Form):
    """The queue's filters. Parameter names match the dashboards' (team, agent, started_from/to)."""

    kind = forms.ChoiceField(label=_("Flags"), choices=Kind.choices, required=False)
    review = forms.ChoiceField(label=_("Review"), choices=REVIEW_CHOICES, required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All my teams")
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=User.objects.none(), required=False, empty_label=_("All agents")
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *Category.choices], required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("All severities")), *Severity.choices], required=False
    )
    started_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    started_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, user: User):
        super().__init__(data)
        self.fields["team"].queryset = teams_visible_to(user).order_by("name")
        self.fields["agent"].queryset = (
            users_visible_to(user).filter(role=Role.AGENT).order_by("display_name", "username")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("started_from"), data.get("started_to")
        if start and end and start > end:
            data["started_from"], data["started_to"] = end, start
        return data

    def filters(self) -> dict:
        """What to filter by: the valid fields (an invalid one is reported and left out)."""
        data = getattr(self, "cleaned_data", {})
        return {
            "kind": data.get("kind") or Kind.AGENT,
            "review": data.get("review") or ReviewStatus.UNREVIEWED,
            "team": data.get("team"),
            "agent": data.get("agent"),
            "category": data.get("category") or "",
            "severity": data.get("severity") or "",
            "started_from": data.get("started_from"),
            "started_to": data.get("started_to"),
        }


def review_queue_flags(user: User, filters: dict) -> QuerySet[Flag]:
    """The flags `user` may review that match `filters`, newest call first, in call order within it."""
    if user.is_agent:
        return Flag.objects.none()
    flags = scope_to_user(Flag.objects.all(), user, "call__")
    kind = filters.get("kind") or Kind.AGENT
    if kind == Kind.AGENT:
        flags = flags.filter(speaker=Speaker.AGENT).exclude(category=Category.ABUSE)
    elif kind == Kind.ABUSE:
        flags = flags.filter(category=Category.ABUSE)
    review = filters.get("review") or ReviewStatus.UNREVIEWED
    if review == "reviewed":
        flags = flags.exclude(review_status=ReviewStatus.UNREVIEWED)
    elif review != "all":
        flags = flags.filter(review_status=review)
    # team and time on the flag itself (denormalised, indexed), as the dashboards count them
    if filters.get("team"):
        flags = flags.filter(team_id=filters["team"].pk)
    if filters.get("agent"):
        flags = flags.filter(agent_id=filters["agent"].pk)
    if filters.get("category"):
        flags = flags.filter(category=filters["category"])
    if filters.get("severity"):
        flags = flags.filter(severity=filters["severity"])
    started_from: date | None = filters.get("started_from")
    started_to: date | None = filters.get("started_to")
    if started_from:
        flags = flags.filter(call_started_at__gte=local_day_bounds(started_from)[0])
    if started_to:
        flags = flags.filter(call_started_at__lt=local_day_bounds(started_to)[1])
    return flags.order_by("-call_started_at", "-call_id", "segment__start", "start", "id")


def unreviewed_agent_flags(flags: QuerySet[Flag]) -> QuerySet[Flag]:
    """The queue's default view of a set of flags (the dashboard's "to review" card counts these)."""
    return flags.filter(
        Q(review_status=ReviewStatus.UNREVIEWED) & Q(speaker=Speaker.AGENT) & ~Q(category=Category.ABUSE)
    )


@dataclass
class QueueRow:
    flag: Flag
    parts: list
    previous_speaker: str
    previous_text: str
    recording_id: int | None
    has_audio: bool

    @property
    def offset(self) -> str:
        whole = int(self.flag.segment.start)
        return f"{whole // 60:02d}:{whole % 60:02d}"


def review_queue_page(flags: QuerySet[Flag], page_number) -> tuple[Page, list[QueueRow]]:
    # The turn just before the flagged one (often the customer's line the agent answered):
    # two correlated subqueries on the page's 25 rows, each within one call's segments.
    before = Segment.objects.filter(call_id=OuterRef("call_id"), start__lt=OuterRef("segment__start")).order_by(
        "-start", "-transcript_id", "-index"
    )
    annotated = flags.select_related("agent", "team", "segment", "segment__transcript__recording").annotate(
        prev_speaker=Subquery(before.values("speaker")[:1]),
        prev_text=Subquery(before.values("text")[:1]),
    )
    page = Paginator(annotated, PAGE_SIZE).get_page(page_number)
    speakers = dict(Speaker.choices)
    rows = []
    for flag in page.object_list:
        recording = flag.segment.transcript.recording
        rows.append(
            QueueRow(
                flag=flag,
                parts=_segment_parts(flag.segment.text, [flag]),
                previous_speaker=speakers.get(flag.prev_speaker, "") if flag.prev_text else "",
                previous_text=flag.prev_text or "",
                recording_id=recording.pk,
                has_audio=bool(recording.file) and recording.audio_deleted_at is None,
            )
        )
    return page, rows
