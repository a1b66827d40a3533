"""Reviewing a call's flags: who may review, the verdict service, comments on moments, and the
per-rule precision that reviewers' verdicts feed (dismissals tell the trainers which rules misfire).
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scoping import team_ids_visible_to

from .models import (
    CHECKLIST_MISSING,
    Call,
    CallAnalysis,
    ChecklistItem,
    Flag,
    Notification,
    ReviewStatus,
    Rule,
    Segment,
)
from .notifications import notification_create
from .selectors import agent_said, scope_to_user

REVIEW_STATUSES = {ReviewStatus.CONFIRMED, ReviewStatus.DISMISSED, ReviewStatus.UNREVIEWED}


def can_review_call(user: User, call: Call) -> bool:
    """The team's supervisors, the trainers who coach it and admins review; agents never do."""
    if not user.is_authenticated or user.is_agent:
        return False
    team_ids = team_ids_visible_to(user)
    return team_ids is None or call.team_id in team_ids


SPEAKER_ACTIONS = ("swap", "confirm")


def call_speakers_set(*, actor: User, call: Call, action: str) -> int:
    """A reviewer settles who is the agent: swap the two speakers, or confirm them as they are.

    Either way the speakers count as known from then on (a mono call that was too uncertain to
    score gets scored) and the call is re-analysed on the worker once this commits. Returns the
    number of segments whose speaker changed.
    """
    from .tasks import calls_reanalyse

    if not can_review_call(actor, call):
        raise PermissionDenied(_("You may not review this call."))
    if action not in SPEAKER_ACTIONS:
        raise ValidationError({"action": _("Unknown speaker action.")})
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=call.pk).first()
        changed = 0
        if action == "swap":
            segments = Segment.objects.filter(call=call, speaker__in=("agent", "customer"))
            changed = segments.update(
                speaker=Case(When(speaker="agent", then=Value("customer")), default=Value("agent"))
            )
        call.recordings.filter(transcript__isnull=False).update(
            speakers_reviewed_by=actor, speakers_reviewed_at=timezone.now()
        )
        transaction.on_commit(lambda: calls_reanalyse.delay([call.pk]))
    return changed


def can_assign_coaching(user: User) -> bool:
    return user.is_superuser or user.role in (Role.SUPERVISOR, Role.TRAINER, Role.ADMIN)


def flags_visible_to(user: User) -> QuerySet[Flag]:
    return scope_to_user(Flag.objects.select_related("segment", "call"), user, "call__")


def _verdict_check(status: str, reason: str) -> str:
    if status not in REVIEW_STATUSES:
        raise ValidationError({"status": _("Unknown review status.")})
    reason = (reason or "").strip()
    if status == ReviewStatus.DISMISSED and not reason:
        raise ValidationError({"reason": _("Say why the flag is wrong.")})
    return reason


def _verdict_apply(flag: Flag, *, actor: User, status: str, reason: str, at) -> None:
    flag.review_status = status
    flag.review_reason = reason
    if status == ReviewStatus.UNREVIEWED:
        flag.reviewed_by, flag.reviewed_at = None, None
    else:
        flag.reviewed_by, flag.reviewed_at = actor, at


VERDICT_FIELDS = ["review_status", "review_reason", "reviewed_by", "reviewed_at"]

# The verdicts the agent hears of. The review notification names the verdict ("… reviewed a moment
# of your call #12: Dismissed."), so a dismissal is news too: the moment no longer counts against
# them. Putting a flag back to "not reviewed" is a reviewer's correction and tells nobody.
NOTIFIED_VERDICTS = (ReviewStatus.CONFIRMED, ReviewStatus.DISMISSED)


def _verdict_notify(*, actor: User, flags: list[Flag], status: str) -> int:
    """Tell each call's agent of a verdict that changed `flags` (one review action): one
    notification per call, linked to its first reviewed moment on the call page. Written in the
    caller's transaction, so a verdict that rolls back tells nobody. Returns how many were told."""
    if status not in NOTIFIED_VERDICTS:
        return 0
    by_call: dict[int, list[Flag]] = {}
    for flag in flags:
        if agent_said(flag):
            by_call.setdefault(flag.call_id, []).append(flag)
    if not by_call:
        return 0
    calls = Call.objects.select_related("agent").in_bulk(list(by_call))
    told = 0
    for call_id, moments in by_call.items():
        call = calls.get(call_id)
        if call is None:
            continue
        agent = call.agent
        if agent.pk == actor.pk or not agent.is_active:
            continue  # nobody is told of their own verdict; a departed agent reads nothing
        if not agent.is_agent and not scope_to_user(Call.objects.filter(pk=call.pk), agent).exists():
            continue  # no longer an agent, and no longer sees this call: the link would be a 404
        first = min(moments, key=lambda f: (f.segment.start, f.start, f.pk)) if len(moments) > 1 else moments[0]
        params = {"reviewer": str(actor), "call": call.pk, "status": str(status)}
        if len(moments) > 1:
            params["count"] = len(moments)
        notification_create(
            recipient=agent,
            kind=Notification.Kind.REVIEW,
            params=params,
            call=call,
            link=reverse("calls:detail", args=[call.pk]) + f"#flag-{first.pk}",
        )
        told += 1
    return told


def flag_review(*, actor: User, flag: Flag, status: str, reason: str = "", notify: bool = True) -> Flag:
    """Record a reviewer's verdict on a flag. A dismissal needs a reason (it teaches the rulebook).

    A new verdict (confirmed or dismissed, not the one the flag already had) on the agent's own
    words tells the call's agent, unless `notify` is False (a dispute's decision, which tells the
    agent itself)."""
    if not can_review_call(actor, flag.call):
        raise PermissionDenied(_("You may not review this call."))
    reason = _verdict_check(status, reason)
    with transaction.atomic():
        flag = Flag.objects.select_for_update().get(pk=flag.pk)
        changed = flag.review_status != status
        _verdict_apply(flag, actor=actor, status=status, reason=reason, at=timezone.now())
        flag.save(update_fields=VERDICT_FIELDS)
        if notify and changed:
            _verdict_notify(actor=actor, flags=[flag], status=status)
    return flag


BULK_REVIEW_MAX = 200


@dataclass
class BulkReview:
    reviewed: list[int]
    skipped: list[int]  # asked for, but gone or not the actor's to review


def flags_review_bulk(*, actor: User, flag_ids: list[int], status: str, reason: str = "") -> BulkReview:
    """One verdict on many flags (the review queue's "confirm / dismiss selected").

    The same rules and fields as flag_review: every flag is checked against the actor's teams
    (a flag of a team they do not review is skipped, never changed), and each reviewed flag
    records the reviewer and the time. One transaction; the flags are locked as flag_review
    locks one. Each agent whose flags got a new verdict hears of it once per call, not per flag.
    """
    reason = _verdict_check(status, reason)
    ids = list(dict.fromkeys(int(i) for i in flag_ids))
    if len(ids) > BULK_REVIEW_MAX:
        raise ValidationError({"flags": _("Select at most %(n)s flags at a time.") % {"n": BULK_REVIEW_MAX}})
    if not actor.is_authenticated or actor.is_agent:
        return BulkReview(reviewed=[], skipped=ids)
    team_ids = team_ids_visible_to(actor)  # once for the batch: can_review_call per flag, in memory
    now = timezone.now()
    with transaction.atomic():
        flags = list(Flag.objects.select_for_update(of=("self",)).select_related("call", "segment").filter(pk__in=ids))
        allowed = [f for f in flags if team_ids is None or f.call.team_id in team_ids]
        changed = [f for f in allowed if f.review_status != status]
        for flag in allowed:
            _verdict_apply(flag, actor=actor, status=status, reason=reason, at=now)
        Flag.objects.bulk_update(allowed, VERDICT_FIELDS)
        _verdict_notify(actor=actor, flags=changed, status=status)
    reviewed = {f.pk for f in allowed}
    return BulkReview(reviewed=[i for i in ids if i in reviewed], skipped=[i for i in ids if i not in reviewed])


def moment_comment_create(*, actor: User, segment: Segment, text: str):
    from dashboards.models import MomentComment

    if not can_review_call(actor, segment.call):
        raise PermissionDenied(_("You may not comment on this call."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    return MomentComment.objects.create(call_id=segment.call_id, segment=segment, author=actor, text=text[:2000])


@dataclass
class RulePrecision:
    rule_code: str
    rule_id: int | None
    category: str
    confirmed: int
    dismissed: int
    unreviewed: int
    dismiss_reasons: list[str] = field(default_factory=list)

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.dismissed

    @property
    def precision(self) -> float | None:
        return self.confirmed / self.reviewed if self.reviewed else None

    @property
    def precision_percent(self) -> int | None:
        return None if self.precision is None else round(100 * self.precision)


def rule_precision(user: User | None = None) -> list[RulePrecision]:
    """confirmed / (confirmed + dismissed) per rule code, lowest precision first."""
    flags = Flag.objects.all() if user is None else scope_to_user(Flag.objects.all(), user, "call__")
    rows = flags.values("rule_code", "category").annotate(
        confirmed=Count("id", filter=Q(review_status=ReviewStatus.CONFIRMED)),
        dismissed=Count("id", filter=Q(review_status=ReviewStatus.DISMISSED)),
        unreviewed=Count("id", filter=Q(review_status=ReviewStatus.UNREVIEWED)),
    )
    rule_ids = dict(Rule.objects.values_list("code", "id"))
    merged: dict[str, RulePrecision] = {}
    for row in rows:
        item = merged.setdefault(
            row["rule_code"],
            RulePrecision(row["rule_code"], rule_ids.get(row["rule_code"]), row["category"], 0, 0, 0),
        )
        item.confirmed += row["confirmed"]
        item.dismissed += row["dismissed"]
        item.unreviewed += row["unreviewed"]
    reasons = (
        flags.filter(review_status=ReviewStatus.DISMISSED)
        .exclude(review_reason="")
        .order_by("-reviewed_at")
        .values_list("rule_code", "review_reason")[:500]
    )
    for code, reason in reasons:
        if code in merged and len(merged[code].dismiss_reasons) < 3:
            merged[code].dismiss_reasons.append(reason)
    return sorted(merged.values(), key=lambda r: (r.precision is None, r.precision or 0, r.rule_code))


def _segment_parts(text: str, flags: list[Flag]) -> list[tuple[str, Flag | None]]:
    """Split a segment's text into plain and flagged pieces (overlapping spans: first one wins)."""
    parts: list[tuple[str, Flag | None]] = []
    pos = 0
    for flag in sorted(flags, key=lambda f: (f.start, -f.end)):
        start, end = max(flag.start, pos), min(flag.end, len(text))
        if start >= end:
            continue
        if start > pos:
            parts.append((text[pos:start], None))
        parts.append((text[start:end], flag))
        pos = end
    if pos < len(text):
        parts.append((text[pos:], None))
    return parts


def call_review_context(user: User, call: Call, segments: list[Segment]) -> dict[str, Any]:
    """What the call page shows beyond the call itself: flags inline, checklist, metrics, comments."""
    from dashboards.models import MomentComment

    flags = list(Flag.objects.filter(call=call).select_related("reviewed_by").order_by("segment__start", "start"))
    by_segment: dict[int, list[Flag]] = {}
    for flag in flags:
        by_segment.setdefault(flag.segment_id, []).append(flag)
    comments = list(MomentComment.objects.filter(call=call).select_related("author"))
    comments_by_segment: dict[int, list] = {}
    for comment in comments:
        comments_by_segment.setdefault(comment.segment_id, []).append(comment)
    recording_of_transcript = dict(call.recordings.filter(transcript__isnull=False).values_list("transcript", "id"))
    for segment in segments:
        segment.flag_list = by_segment.get(segment.pk, [])
        segment.parts = _segment_parts(segment.text, segment.flag_list)
        segment.comment_list = comments_by_segment.get(segment.pk, [])
        segment.recording_id = recording_of_transcript.get(segment.transcript_id)
    segment_by_id = {s.pk: s for s in segments}
    for flag in flags:
        flag.seg = segment_by_id.get(flag.segment_id)

    analysis = CallAnalysis.objects.filter(call=call).first()
    checklist, metrics = [], {}
    if analysis:
        ordered = sorted(segments, key=lambda s: (s.start, s.transcript_id, s.index))
        for item in analysis.checklist:
            row = dict(item)
            row["label"] = ChecklistItem(item["item"]).label if item["item"] in ChecklistItem.values else item["item"]
            if item.get("status") == "missing":
                row["evidence"] = CHECKLIST_MISSING.get(item["item"], "")
            elif item.get("status") == "not_applicable":
                row["evidence"] = _("Not needed on this call.")
            index = item.get("segment_index")
            row["segment"] = ordered[index] if index is not None and 0 <= index < len(ordered) else None
            checklist.append(row)
        metrics = analysis.metrics or {}
    return {
        "flags": flags,
        "analysis": analysis,
        "checklist": checklist,
        "metrics": metrics,
        "can_review": can_review_call(user, call),
        "can_assign": can_assign_coaching(user),
        "comment_count": len(comments),
    }
