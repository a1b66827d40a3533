"""Recording uploads: validate by content, store under our own name, enqueue the pipeline.

Nothing of a rejected file is kept or queued: it is checked in a temporary file beside the store
and only moved into place once it passed.
"""

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accounts.models import ChannelLayout, User
from speech.audio import AudioInfo, AudioRejected, probe_audio

from .models import Call, Recording, RecordingStatus
from .policies import can_change_call
from .selectors import calls_visible_to
from .storage import recording_store, staging_dir, stored_delete

# The container decides the stored suffix and the content type we serve it with.
FORMATS: dict[str, tuple[str, str]] = {
    "wav": (".wav", "audio/wav"),
    "mp3": (".mp3", "audio/mpeg"),
    "mov,mp4,m4a,3gp,3g2,mj2": (".m4a", "audio/mp4"),
    "aac": (".aac", "audio/aac"),
    "ogg": (".ogg", "audio/ogg"),
    "flac": (".flac", "audio/flac"),
    "matroska,webm": (".webm", "audio/webm"),
}
DEFAULT_FORMAT = (".bin", "application/octet-stream")
CHUNK = 1024 * 1024


class RecordingRejected(Exception):
    """An upload we refuse, with a message for the person who sent it and an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class _Staged:
    path: Path
    sha256: str
    size: int


def content_type_for(recording: Recording) -> str:
    return FORMATS.get(recording.format_name, DEFAULT_FORMAT)[1]


def clean_filename(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    try:
        cleaned = get_valid_filename(base)
    except Exception:  # SuspiciousFileOperation for names like ".."
        cleaned = ""
    return cleaned[:200]


def _stage(upload: UploadedFile) -> _Staged:
    """Copy the upload into a temporary local file, hashing it and enforcing the size cap."""
    path = staging_dir(Recording._meta.get_field("file").storage) / f"{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("wb") as out:
            for chunk in upload.chunks(CHUNK):
                size += len(chunk)
                if size > settings.RECORDING_MAX_BYTES:
                    raise too_large_error()
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Staged(path=path, sha256=digest.hexdigest(), size=size)


def too_large_error() -> RecordingRejected:
    limit_mb = settings.RECORDING_MAX_BYTES // (1024 * 1024)
    return RecordingRejected(
        "too_large", _("The file is larger than the limit of %(mb)s MB.") % {"mb": limit_mb}, status=413
    )


def _probe(path: Path) -> AudioInfo:
    try:
        return probe_audio(
            path,
            max_bytes=settings.RECORDING_MAX_BYTES,
            max_duration_s=settings.RECORDING_MAX_SECONDS,
            max_decoded_bytes=settings.RECORDING_MAX_DECODED_BYTES,
        )
    except AudioRejected as exc:
        status = 413 if exc.code in ("too_large", "too_long", "too_big_decoded") else 400
        raise RecordingRejected(exc.code, _translate_audio_reason(exc), status=status) from exc


def _translate_audio_reason(exc: AudioRejected) -> str:
    # The audio module speaks English; the known reasons get a Korean sentence too.
    messages = {
        "empty": _("The file is empty."),
        "not_audio": _("This is not an audio file we can read (accepted: WAV, MP3, M4A/AAC, OGG/Opus, FLAC, WebM)."),
        "no_audio_stream": _("The file has no audio in it."),
        "zero_length": _("The recording has no sound in it (zero length)."),
        "unreadable_codec": _(
            "The audio track's header is invalid (e.g. 0 bits per sample), so it cannot be played. "
            "Export the recording again."
        ),
    }
    return messages.get(exc.code, exc.message)


def _duplicate_message(actor: User, sha256: str) -> str:
    existing = Recording.objects.filter(sha256=sha256).select_related("call").first()
    if existing and calls_visible_to(actor).filter(pk=existing.call_id).exists():
        return _("This recording was already uploaded to call #%(call)s.") % {"call": existing.call_id}
    return _("This recording was already uploaded.")


def default_layout_for(call: Call) -> str:
    return call.team.channel_layout if call.team_id else ChannelLayout.AGENT_LEFT


def recording_create(*, actor: User, call: Call, upload: UploadedFile, channel_layout: str | None = None) -> Recording:
    """Validate and store an upload for `call`, and enqueue its pipeline once committed."""
    if not can_change_call(actor, call):
        raise PermissionDenied(_("You may not add recordings to this call."))
    if upload is None or upload.size == 0:
        raise RecordingRejected("empty", _("The file is empty."))
    if upload.size > settings.RECORDING_MAX_BYTES:
        raise too_large_error()
    staged = _stage(upload)
    try:
        if Recording.objects.filter(sha256=staged.sha256).exists():
            raise RecordingRejected("duplicate", _duplicate_message(actor, staged.sha256), status=409)
        info = _probe(staged.path)
        layout = channel_layout or default_layout_for(call)
        if info.channels < 2:
            layout = ChannelLayout.MONO
        suffix = FORMATS.get(info.format_name, DEFAULT_FORMAT)[0]
        recording = Recording(
            call=call,
            uploaded_by=actor,
            original_filename=clean_filename(upload.name),
            storage_key=uuid.uuid4().hex,
            storage_suffix=suffix,
            sha256=staged.sha256,
            size_bytes=staged.size,
            format_name=info.format_name,
            codec=info.codec,
            duration_seconds=info.duration,
            sample_rate=info.sample_rate,
            channels=info.channels,
            channel_layout=layout,
            status=RecordingStatus.QUEUED,
            created_at=timezone.now(),
        )
        recording.file.name = recording.file.field.upload_to(recording, "")
        try:
            with transaction.atomic():
                recording.save()
                pipeline_enqueue(recording.pk)
                # Last: if anything before fails, no file is placed (on local disk an atomic rename,
                # on S3 an upload; if the commit fails after it, the caller removes the file).
                recording_store(recording.file, staged.path)
        except IntegrityError as exc:  # the same file, uploaded at the same moment
            # Asked outside the rolled-back savepoint: inside it, any query would raise
            # TransactionManagementError. The winner has committed by now (its insert held ours).
            raise RecordingRejected("duplicate", _duplicate_message(actor, staged.sha256), status=409) from exc
        return recording
    finally:
        staged.path.unlink(missing_ok=True)


def recording_create_with_call(
    *, actor: User, call_fields: dict, upload: UploadedFile, channel_layout: str | None = None
) -> Recording:
    """Create the call and its recording together: both or neither."""
    from .services import call_create

    recording = None
    try:
        with transaction.atomic():
            call = call_create(actor=actor, **call_fields)
            recording = recording_create(actor=actor, call=call, upload=upload, channel_layout=channel_layout)
            if not call.duration_seconds:
                call.duration_seconds = round(recording.duration_seconds)
                call.save(update_fields=["duration_seconds"])
        return recording
    except BaseException:
        # Django has no on-rollback hook: the file moved into place goes with the rolled-back row —
        # but only then. A row that was committed keeps its file, whatever failed after.
        if recording is not None and not _committed(recording):
            stored_delete(recording.file)
        raise


def _committed(recording: Recording) -> bool:
    try:
        return Recording.objects.filter(pk=recording.pk).exists()
    except Exception:  # the database is gone too: keeping a file is the safe mistake
        return True


class RecordingNotRetryable(Exception):
    """Only a failed recording, or one stuck in a stage (see Recording.is_stuck), can be retried."""


def recording_retry(*, actor: User, recording: Recording) -> Recording:
    """Send a failed or stuck recording through the pipeline again, with a fresh attempt count.

    A stuck recording's old worker, if it is alive after all, notices at its next progress write
    that the recording moved on and drops its work.
    """
    if not can_change_call(actor, recording.call):
        raise PermissionDenied(_("You may not retry this recording."))
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        if not (locked.status == RecordingStatus.FAILED or locked.is_stuck):
            raise RecordingNotRetryable(
                _("Only a failed recording, or one stuck in a stage for over %(minutes)s minutes, can be retried.")
                % {"minutes": max(1, round(locked.stall_bound().total_seconds() / 60))}
            )
        Recording.objects.filter(pk=recording.pk).update(
            status=RecordingStatus.QUEUED,
            failure_reason="",
            attempts=0,
            sweeps=0,
            progress=0,
            status_changed_at=timezone.now(),
        )
        pipeline_enqueue(recording.pk)
    recording.refresh_from_db()
    return recording


def recording_delete(*, actor: User, recording: Recording) -> None:
    if not can_change_call(actor, recording.call):
        raise PermissionDenied(_("You may not delete this recording."))
    recording.delete()  # the file goes with it (calls.signals), also when a whole call is deleted


def pipeline_enqueue(recording_id: int) -> None:
    """Enqueue the whole pipeline for a recording, through the outbox (call inside the transaction)."""
    from .outbox import outbox_add

    outbox_add(kind="recording_pipeline", payload={"recording_id": recording_id})
