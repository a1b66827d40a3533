"""The recording pipeline's stages: probe → transcribe → analyse → notify.

Each stage takes a recording id, re-reads the row, and claims its work with a conditional UPDATE
on the status (see Recording's docstring), so a stage that runs twice — a re-delivered message, a
retry, a second worker — finds nothing to do the second time. The Celery tasks in tasks.py are
thin wrappers that add retries and failure handling.
"""

import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ChannelLayout
from speech.audio import AudioRejected, probe_audio
from speech.transcription import CallTranscript, transcribe_call

from .models import OutboxMessage, Recording, RecordingStatus, Segment, Transcript, recording_stall_bound
from .storage import StoredFileMissing, local_copy
from .transcription_setup import transcription_options_for

logger = logging.getLogger(__name__)

S = RecordingStatus


class PipelineCancelled(Exception):
    """The recording was deleted or moved on while a stage worked on it: drop the work."""


def _claim(recording_id: int, *, from_statuses: tuple[str, ...], to_status: str, **changes) -> bool:
    """Move a recording from one of `from_statuses` to `to_status`; False if it was not there."""
    return bool(
        Recording.objects.filter(pk=recording_id, status__in=from_statuses).update(
            status=to_status, status_changed_at=timezone.now(), **changes
        )
    )


def recording_fail(recording_id: int, reason: str) -> None:
    """Mark a recording failed with a reason a person can act on. Done recordings stay done."""
    Recording.objects.filter(pk=recording_id).exclude(status=S.DONE).update(
        status=S.FAILED, failure_reason=reason[:2000], status_changed_at=timezone.now()
    )
    logger.warning("recording %s failed: %s", recording_id, reason)


def recording_probe(recording_id: int) -> None:
    if not _claim(recording_id, from_statuses=(S.QUEUED, S.PROBING), to_status=S.PROBING):
        return
    recording = Recording.objects.get(pk=recording_id)
    try:
        with local_copy(recording.file) as path:
            info = probe_audio(
                path,
                max_bytes=settings.RECORDING_MAX_BYTES,
                max_duration_s=settings.RECORDING_MAX_SECONDS,
                max_decoded_bytes=settings.RECORDING_MAX_DECODED_BYTES,
            )
    except StoredFileMissing:
        recording_fail(recording_id, _("The stored audio file is missing; upload the recording again."))
        return
    except AudioRejected as exc:
        recording_fail(recording_id, exc.message)
        return
    _claim(
        recording_id,
        from_statuses=(S.PROBING,),
        to_status=S.TRANSCRIBING,
        duration_seconds=info.duration,
        progress=0,
    )


class _ProgressWriter:
    """Writes transcription progress to the row, at most every second or whole percent."""

    def __init__(self, recording_id: int):
        self.recording_id = recording_id
        self.last_write = 0.0
        self.last_percent = -1.0

    def __call__(self, fraction: float) -> None:
        percent = round(100 * fraction, 1)
        now = time.monotonic()
        if percent < 100 and (now - self.last_write < 1.0 or percent - self.last_percent < 1.0):
            return
        self.last_write, self.last_percent = now, percent
        still_ours = Recording.objects.filter(pk=self.recording_id, status=S.TRANSCRIBING).update(
            progress=min(percent, 99.9), progress_at=timezone.now()
        )
        if not still_ours:
            raise PipelineCancelled


def recording_transcribe(recording_id: int) -> None:
    recording = Recording.objects.filter(pk=recording_id).select_related("call__team", "call__campaign").first()
    if recording is None or recording.status != S.TRANSCRIBING:
        return
    if Transcript.objects.filter(recording_id=recording_id).exists():
        _claim(recording_id, from_statuses=(S.TRANSCRIBING,), to_status=S.ANALYSING, progress=100)
        return
    # Counted before the work: a file that kills its worker never gets past this line again.
    Recording.objects.filter(pk=recording_id).update(attempts=F("attempts") + 1)
    recording.refresh_from_db(fields=["attempts"])
    if recording.attempts > settings.RECORDING_MAX_ATTEMPTS:
        recording_fail(
            recording_id,
            _("Transcription stopped the worker %(n)s times; this file cannot be processed.")
            % {"n": recording.attempts - 1},
        )
        return

    options = transcription_options_for(recording.call, language=recording.language or None)
    started = time.monotonic()
    try:
        # On S3 the decoder reads a temporary local copy, removed once the transcript is made.
        with local_copy(recording.file) as path:
            result = transcribe_call(
                str(path),
                channels="mono" if recording.channel_layout == ChannelLayout.MONO else "auto",
                agent_channel="right" if recording.channel_layout == ChannelLayout.AGENT_RIGHT else "left",
                options=options,
                progress=_ProgressWriter(recording_id),
                max_duration_s=settings.RECORDING_MAX_SECONDS,
            )
    except StoredFileMissing:
        recording_fail(recording_id, _("The stored audio file is missing; upload the recording again."))
        return
    except PipelineCancelled:
        return
    except AudioRejected as exc:
        recording_fail(recording_id, exc.message)
        return
    elapsed = time.monotonic() - started
    _store_transcript(recording, result, options, elapsed)


def _store_transcript(recording: Recording, result: CallTranscript, options, elapsed: float) -> None:
    segments = result.segments
    try:
        with transaction.atomic():
            locked = Recording.objects.select_for_update().filter(pk=recording.pk, status=S.TRANSCRIBING).first()
            if locked is None:
                return  # deleted or retried meanwhile: this result is not wanted any more
            transcript = Transcript.objects.create(
                recording=locked,
                language=options.language or "",
                model_name=Path(options.model_dir).name,
                settings_used={
                    "compute_type": options.compute_type,
                    "beam_size": options.beam_size,
                    "hotwords": list(options.hotwords),
                    "vad": options.vad,
                    "batch_size": options.batch_size,
                },
                processing_seconds=round(elapsed, 2),
            )
            Segment.objects.bulk_create(
                Segment(
                    transcript=transcript,
                    call_id=locked.call_id,
                    index=index,
                    speaker=seg.speaker,
                    start=seg.start,
                    end=seg.end,
                    text=seg.text.strip(),
                    avg_logprob=seg.avg_logprob,
                    no_speech_prob=seg.no_speech_prob,
                    compression_ratio=seg.compression_ratio,
                    words=seg.words,
                )
                for index, seg in enumerate(segments)
            )
            changes = {"progress": 100, "speaker_confidence": result.speaker_confidence}
            if result.layout == "mono":
                changes["channel_layout"] = ChannelLayout.MONO
            _claim(recording.pk, from_statuses=(S.TRANSCRIBING,), to_status=S.ANALYSING, **changes)
    except IntegrityError:
        # Another run stored the transcript first; the one-to-one kept it single.
        logger.info("recording %s: transcript already stored by another run", recording.pk)


def recording_analyse(recording_id: int) -> None:
    from .analysis import call_analyse

    recording = Recording.objects.filter(pk=recording_id).first()
    if recording is None or recording.status != S.ANALYSING:
        return
    call_analyse(recording.call_id)
    _claim(recording_id, from_statuses=(S.ANALYSING,), to_status=S.DONE, finished_at=timezone.now())


def recording_notify(recording_id: int) -> None:
    from .analysis import call_notify

    recording = Recording.objects.filter(pk=recording_id).first()
    if recording is None or recording.status != S.DONE:
        return
    call_notify(recording.call_id)


def recordings_sweep() -> dict[str, int]:
    """Queue again every recording stuck in a stage (see Recording.is_stuck); fail those stuck too often.

    A whole worker that dies (kill -9, OOM, a lost machine) leaves its recording in its stage and
    its message unacknowledged in the broker until the visibility timeout, hours later. This finds
    such recordings by how long they have not moved (no status change, no progress written) — a
    bound that grows with the audio's duration — and sends them back to queued through the outbox,
    as a retry would. Each sweep is
    counted; past RECORDING_MAX_ATTEMPTS the recording is failed, so a file that hangs its worker
    every time does not loop. (`attempts`, counted at each transcription start, caps files that
    kill it.) Returns counts of what was done, for the log.
    """
    from .recordings import pipeline_enqueue

    now = timezone.now()
    requeued = failed = 0
    cutoff = now - recording_stall_bound(0)
    candidates = (
        Recording.objects.exclude(status__in=Recording.TERMINAL)
        .filter(status_changed_at__lt=cutoff)
        .filter(Q(progress_at__isnull=True) | Q(progress_at__lt=cutoff))
    )
    for recording in candidates.only("pk", "status", "status_changed_at", "progress_at", "duration_seconds", "sweeps"):
        if not recording.is_stuck:
            continue
        with transaction.atomic():
            # Re-checked under the lock: the recording may have moved on since it was listed.
            locked = Recording.objects.select_for_update().filter(pk=recording.pk).first()
            if locked is None or not locked.is_stuck:
                continue
            if locked.status == S.QUEUED and _pipeline_message_pending(locked.pk):
                continue  # its message waits in the outbox for the broker: a second one would run twice
            stuck_in = locked.status
            if locked.sweeps >= settings.RECORDING_MAX_ATTEMPTS:
                recording_fail(
                    locked.pk,
                    _("Processing stalled %(n)s times (last in stage “%(stage)s”); this file cannot be processed.")
                    % {"n": locked.sweeps + 1, "stage": locked.get_status_display()},
                )
                failed += 1
                continue
            Recording.objects.filter(pk=locked.pk).update(
                status=S.QUEUED, sweeps=F("sweeps") + 1, progress=0, status_changed_at=timezone.now()
            )
            pipeline_enqueue(locked.pk)
        logger.warning("recording %s was stuck in %s since %s; queued again", locked.pk, stuck_in, locked.last_moved_at)
        requeued += 1
    return {"requeued": requeued, "failed": failed}


def _pipeline_message_pending(recording_id: int) -> bool:
    return OutboxMessage.objects.filter(kind="recording_pipeline", payload__recording_id=recording_id).exists()
