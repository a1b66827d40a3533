"""The pipeline's analysis stage: tone flags, the MOT checklist and call metrics for a call, and
the notifications that follow. Each function takes a call id and can run again without harm:
a re-analysis replaces the call's flags in one transaction (keeping reviewers' verdicts on flags
that are found again), and notifications are sent once per person and call.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tone import call_metrics, mot_checklist

from .models import Call, CallAnalysis, Category, Flag, Notification, ReviewStatus, Rule, Segment, Severity, Speaker
from .notifications import notification_create
from .rulebook import get_analyzer
from .selectors import counts_against_agent

logger = logging.getLogger(__name__)

AGENT_CATEGORIES = {Category.BANMAL, Category.DISMISSIVE, Category.BLAME, Category.SARCASM}
# How far back the other party's last turn still counts as what an agent line answers.
CONTEXT_SECONDS = 20.0


def previous_turns(segments: list[Segment], spoken_by: dict[int, str] | None = None) -> list[str | None]:
    """For each segment, the other party's latest turn before it (agent ↔ customer), if recent.

    `spoken_by` overrides a segment's stored speaker (an uncertain mono call counts as unknown:
    no context, since who answered whom is not known)."""
    out: list[str | None] = []
    last: dict[str, Segment] = {}
    for seg in segments:
        speaker = (spoken_by or {}).get(seg.pk, seg.speaker)
        other = {Speaker.AGENT: Speaker.CUSTOMER, Speaker.CUSTOMER: Speaker.AGENT}.get(speaker)
        prev = last.get(other) if other else None
        out.append(prev.text if prev is not None and seg.start - prev.end <= CONTEXT_SECONDS else None)
        last[speaker] = seg
    return out


def _review_key(flag: Flag) -> tuple:
    return (flag.segment_id, flag.rule_code, flag.start, flag.end)


def call_turns(call: Call) -> tuple[list[Segment], dict[int, str], list[str | None]]:
    """The call's segments in order, who said each as analysis reads it, and the other party's
    turn before each: what the tone analyser is given (and what retraining gives the model)."""
    segments = list(Segment.objects.filter(call=call).order_by("start", "transcript_id", "index"))
    # A mono call whose agent we could not pick out is analysed as if nobody were known (profanity
    # only, no agent scoring); its page says so and a reviewer can settle the speakers.
    uncertain = {r.transcript.pk for r in call.recordings.filter(transcript__isnull=False) if r.speakers_uncertain}
    spoken_by = {seg.pk: "unknown" if seg.transcript_id in uncertain else seg.speaker for seg in segments}
    return segments, spoken_by, previous_turns(segments, spoken_by)


def call_analyse(call_id: int) -> CallAnalysis | None:
    """Analyse every stored segment of the call with the current rulebook."""
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        return None
    segments, spoken_by, contexts = call_turns(call)
    key, analyzer = get_analyzer()
    hits_per_segment = analyzer.analyze_many(
        (seg.text, spoken_by[seg.pk], context) for seg, context in zip(segments, contexts, strict=True)
    )
    stereo = call.recordings.exclude(channel_layout="mono").exists()
    rows = [{"speaker": spoken_by[s.pk], "start": s.start, "end": s.end, "text": s.text} for s in segments]
    rules = {rule.code: rule for rule in Rule.objects.all()}

    with transaction.atomic():
        locked = Call.objects.select_for_update().filter(pk=call_id).first()
        if locked is None:
            return None
        reviews = {
            _review_key(flag): flag for flag in Flag.objects.filter(call=call).exclude(review_status="unreviewed")
        }
        Flag.objects.filter(call=call).delete()
        flags = []
        for segment, hits in zip(segments, hits_per_segment, strict=True):
            for hit in hits:
                rule = rules.get(hit.rule)
                flag = Flag(
                    call=call,
                    segment=segment,
                    agent_id=call.agent_id,
                    team_id=call.team_id,
                    call_started_at=call.started_at,
                    speaker=spoken_by[segment.pk],
                    category=hit.category,
                    severity=hit.severity,
                    start=hit.start,
                    end=hit.end,
                    excerpt=segment.text[hit.start : hit.end][:300],
                    rule=rule,
                    rule_code=hit.rule,
                    rule_version=rule.version if rule else 1,
                    explanation=hit.explanation[:300],
                    # advice on phrasing is for the agent; a customer's words get none
                    suggestion=hit.suggestion[:300] if segment.speaker == Speaker.AGENT else "",
                    score=hit.score,
                )
                kept = reviews.get(_review_key(flag))
                if kept:
                    flag.review_status, flag.reviewed_by_id = kept.review_status, kept.reviewed_by_id
                    flag.reviewed_at, flag.review_reason = kept.reviewed_at, kept.review_reason
                flags.append(flag)
        Flag.objects.bulk_create(flags)
        analysis, _created = CallAnalysis.objects.update_or_create(
            call=call,
            defaults={
                "checklist": mot_checklist(rows),
                "metrics": call_metrics(rows, stereo=stereo, dead_air_threshold=settings.DEAD_AIR_SECONDS),
                "flag_count": len(flags),
                "agent_flag_count": sum(1 for f in flags if counts_against_agent(f)),
                "abuse_count": sum(1 for f in flags if f.category == Category.ABUSE),
                "rulebook_key": key,
                "analysed_at": timezone.now(),
            },
        )
    from dashboards.services import call_index

    call_index(call_id)  # the transcript search index follows the stored segments
    return analysis


def call_notify(call_id: int) -> int:
    """Tell the team's supervisors about customer abuse in a finished call. Returns how many were told."""
    call = Call.objects.filter(pk=call_id).select_related("agent", "team").first()
    if call is None or call.team is None:
        return 0
    evidence = list(
        Flag.objects.filter(call=call, category=Category.ABUSE, severity__in=alert_severities())
        .exclude(review_status=ReviewStatus.DISMISSED)
        .select_related("segment")
        .order_by("segment__start", "start")[:5]
    )
    if not evidence:
        return 0  # low-severity abuse stays on the call page and in the abuse panel; no alert
    params = {
        "agent": str(call.agent),
        "call": call.pk,
        "excerpt": evidence[0].excerpt,
        "moments": [{"at": f.segment.start, "text": f.segment.text[:200]} for f in evidence],
    }
    link = reverse("calls:detail", args=[call.pk]) + f"#flag-{evidence[0].pk}"
    told = 0
    for supervisor in call.team.supervisors.filter(is_active=True):
        note = notification_create(
            recipient=supervisor, kind=Notification.Kind.ABUSE, call=call, params=params, link=link
        )
        if note is None:
            continue  # told already: a re-run must not tell twice
        told += 1
        if supervisor.email and settings.EMAIL_URL:
            try:
                send_mail(
                    _("MOT Coach: customer abuse on call #%(call)s") % {"call": call.pk},
                    note.text,
                    settings.DEFAULT_FROM_EMAIL,
                    [supervisor.email],
                )
            except OSError:
                logger.exception("could not e-mail %s about call %s", supervisor.pk, call.pk)
    return told


def alert_severities() -> list[str]:
    order = [Severity.LOW, Severity.MEDIUM, Severity.HIGH]
    floor = settings.ABUSE_ALERT_MIN_SEVERITY
    return [s.value for s in order[order.index(floor) if floor in order else 1 :]]


REANALYSE_CHUNK = 200


def calls_reanalyse_range(*, actor, date_from, date_to, team_id: int | None = None) -> int:
    """Queue a re-analysis of the transcribed calls (that `actor` may see) started in the range."""
    from .outbox import outbox_add
    from .selectors import calls_visible_to

    calls = calls_visible_to(actor).filter(
        started_at__date__gte=date_from, started_at__date__lte=date_to, segments__isnull=False
    )
    if team_id:
        calls = calls.filter(team_id=team_id)
    ids = sorted(set(calls.values_list("id", flat=True)))
    with transaction.atomic():  # through the outbox: a broker down now delays the batches, loses none
        for start in range(0, len(ids), REANALYSE_CHUNK):
            outbox_add(kind="calls_reanalyse", payload={"call_ids": ids[start : start + REANALYSE_CHUNK]})
    return len(ids)
