"""Celery tasks: thin wrappers over calls.pipeline, adding retries and failure handling.

Only named transient errors are retried (a database or broker connection dropping), with
exponential backoff and jitter; anything else fails the recording at once with a readable reason.
"""

import logging

from celery import chain, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError

from . import pipeline

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, RedisConnectionError)
RETRY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@worker_process_init.connect
def whisper_preload(**kwargs) -> None:
    """Load Whisper as each worker process starts, so no recording waits for the model."""
    if not settings.WHISPER_PRELOAD:
        return
    from speech.transcription import get_engine

    from .transcription_setup import transcription_options_for

    try:
        get_engine(transcription_options_for())
        logger.info("Whisper model loaded")
    except Exception:  # the transcription stage will fail the recording with the reason
        logger.exception("Whisper model could not be loaded")
    from tone import get_kiwi
    from tone.model import shipped_model

    get_kiwi()  # the analysis stage's morphological analyser, likewise loaded once per process
    if settings.TONE_MODEL_ENABLED:
        shipped_model()  # ~0.1 s; a retrained version from the database loads on first analysis


def _run_stage(stage, recording_id: int) -> int:
    try:
        stage(recording_id)
    except TRANSIENT_ERRORS:
        raise
    except SoftTimeLimitExceeded:
        pipeline.recording_fail(
            recording_id, _("Transcription took longer than the time limit; try again or split the recording.")
        )
    except Exception as exc:
        logger.exception("recording %s: stage %s failed", recording_id, stage.__name__)
        pipeline.recording_fail(recording_id, _("Processing failed: %(error)s") % {"error": exc})
    return recording_id


@shared_task(**RETRY)
def recording_probe(recording_id: int) -> int:
    return _run_stage(pipeline.recording_probe, recording_id)


@shared_task(
    soft_time_limit=settings.TRANSCRIPTION_SOFT_TIME_LIMIT, time_limit=settings.TRANSCRIPTION_TIME_LIMIT, **RETRY
)
def recording_transcribe(recording_id: int) -> int:
    return _run_stage(pipeline.recording_transcribe, recording_id)


@shared_task(**RETRY)
def recording_analyse(recording_id: int) -> int:
    return _run_stage(pipeline.recording_analyse, recording_id)


@shared_task(**RETRY)
def recording_notify(recording_id: int) -> int:
    return _run_stage(pipeline.recording_notify, recording_id)


def recording_pipeline(recording_id: int):
    """The whole pipeline for one recording; each stage is a separate message (and queue)."""
    return chain(
        recording_probe.si(recording_id),
        recording_transcribe.si(recording_id),
        recording_analyse.si(recording_id),
        recording_notify.si(recording_id),
    )


@shared_task(bind=True, **RETRY)
def calls_reanalyse(self, call_ids: list[int]) -> int:
    """Re-run the tone analysis on stored transcripts (after a rulebook change); no re-transcribing.

    A call that collides with a concurrent analysis of the same call (a unique key, a deadlock)
    does not stop the batch: the rest go on, and the task is retried for the ones that collided.
    """
    from .analysis import call_analyse

    collided = []
    for call_id in call_ids:
        try:
            call_analyse(call_id)
        except (IntegrityError, OperationalError) as exc:
            logger.warning("re-analysis of call %s collided (%s); retrying it later", call_id, exc)
            collided.append(call_id)
    if collided:
        raise self.retry(args=[collided], countdown=5 + len(collided), max_retries=5)
    return len(call_ids)


@shared_task
def recordings_sweep() -> dict[str, int]:
    """Celery beat, every RECORDING_SWEEP_INTERVAL: queue stuck recordings again (see pipeline.recordings_sweep)."""
    return pipeline.recordings_sweep()


@shared_task
def outbox_dispatch() -> int:
    """Celery beat, every OUTBOX_DISPATCH_INTERVAL: send what the broker did not take at commit."""
    from .outbox import outbox_dispatch as dispatch

    return dispatch()


@shared_task
def retention_apply() -> dict[str, int]:
    """Celery beat, daily: delete audio and transcripts past their team's retention periods."""
    from .retention import retention_apply as apply

    return apply()


@shared_task
def tone_model_retrain(actor_id: int | None = None) -> str:
    """Retrain the tone model on the worker; a model worse on the test split is refused (logged)."""
    from accounts.models import User

    from .tone_models import tone_model_train

    outcome = tone_model_train(actor=User.objects.filter(pk=actor_id).first())
    logger.info("tone model retrain: %s", outcome.reason)
    return outcome.reason
