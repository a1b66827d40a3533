"""Retention: each team keeps call audio and transcripts for as long as its policy says, no longer.

`retention_apply` runs daily (Celery beat). For every team with a period set, it deletes:
- audio: the stored files of recordings whose call started more than `audio_retention_days` ago
  (the recording row stays, marked `audio_deleted_at`, so the call shows that it had audio);
- transcripts: the transcript, its segments, flags, reviewers' comments, the call's analysis
  (its checklist quotes the transcript) and the search index rows, after `transcript_retention_days`.
A call on legal hold is skipped. Every deletion writes a RetentionDeletion row and a log line.
Running it twice deletes nothing the second time.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team

from .models import Call, CallAnalysis, Flag, Recording, RetentionDeletion, Segment, Transcript
from .storage import stored_delete

logger = logging.getLogger(__name__)


def retention_apply(*, now: datetime | None = None) -> dict[str, int]:
    """Delete what every team's retention periods say has expired; returns how many of each went."""
    now = now or timezone.now()
    counts = {"audio": 0, "transcript": 0}
    teams = Team.objects.filter(Q(audio_retention_days__isnull=False) | Q(transcript_retention_days__isnull=False))
    for team in teams:
        if team.audio_retention_days is not None:
            expired = Recording.objects.filter(
                call__team=team,
                call__legal_hold=False,
                call__started_at__lt=now - timedelta(days=team.audio_retention_days),
                audio_deleted_at__isnull=True,
            )
            for recording_id in list(expired.values_list("pk", flat=True)):
                counts["audio"] += _audio_delete(recording_id, days=team.audio_retention_days, now=now)
        if team.transcript_retention_days is not None:
            expired = Transcript.objects.filter(
                recording__call__team=team,
                recording__call__legal_hold=False,
                recording__call__started_at__lt=now - timedelta(days=team.transcript_retention_days),
            )
            for transcript_id in list(expired.values_list("pk", flat=True)):
                counts["transcript"] += _transcript_delete(transcript_id, days=team.transcript_retention_days, now=now)
    return counts


def _still_expired(call: Call, days: int, now: datetime) -> bool:
    # Checked again under the lock: a legal hold set meanwhile wins.
    return not call.legal_hold and call.started_at < now - timedelta(days=days)


def _audio_delete(recording_id: int, *, days: int, now: datetime) -> int:
    with transaction.atomic():
        recording = (
            Recording.objects.select_for_update(of=("self",))
            .select_related("call")
            .filter(pk=recording_id, audio_deleted_at__isnull=True)
            .first()
        )
        if recording is None or not _still_expired(recording.call, days, now):
            return 0
        Recording.objects.filter(pk=recording_id).update(audio_deleted_at=timezone.now())
        RetentionDeletion.objects.create(
            kind=RetentionDeletion.Kind.AUDIO,
            call_id=recording.call_id,
            recording_id=recording.pk,
            team_id=recording.call.team_id,
            call_started_at=recording.call.started_at,
            retention_days=days,
            detail={"file": recording.file.name, "bytes": recording.size_bytes, "sha256": recording.sha256},
        )
        # Last, inside the transaction: if the commit fails, the next run finds the row unmarked
        # and deletes again (missing_ok); the file is never left behind a row that says it is gone.
        stored_delete(recording.file)
    logger.info(
        "retention: deleted the audio of recording %s (call %s, %s days)", recording_id, recording.call_id, days
    )
    return 1


def _transcript_delete(transcript_id: int, *, days: int, now: datetime) -> int:
    from dashboards.models import SegmentIndex

    with transaction.atomic():
        transcript = Transcript.objects.select_related("recording__call").filter(pk=transcript_id).first()
        if transcript is None:
            return 0
        call = Call.objects.select_for_update().get(pk=transcript.recording.call_id)
        if not _still_expired(call, days, now):
            return 0
        segments = Segment.objects.filter(transcript=transcript)
        index_rows, _ = SegmentIndex.objects.filter(segment__in=segments).delete()
        segment_count = segments.count()
        flag_count = Flag.objects.filter(segment__transcript=transcript).count()
        transcript.delete()  # segments, their flags and comments go with it
        analyses, _ = CallAnalysis.objects.filter(call=call).delete()
        RetentionDeletion.objects.create(
            kind=RetentionDeletion.Kind.TRANSCRIPT,
            call_id=call.pk,
            recording_id=transcript.recording_id,
            team_id=call.team_id,
            call_started_at=call.started_at,
            retention_days=days,
            detail={
                "segments": segment_count,
                "flags": flag_count,
                "index_rows": index_rows,
                "analysis": bool(analyses),
            },
        )
    logger.info(
        "retention: deleted the transcript of recording %s (call %s, %s segments, %s days)",
        transcript.recording_id,
        call.pk,
        segment_count,
        days,
    )
    return 1
