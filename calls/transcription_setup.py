"""The glue between Django settings and the settings-free transcription modules."""

from pathlib import Path

from django.conf import settings

from speech.model_files import resolve_model_dir
from speech.transcription import TranscriptionOptions


def whisper_model_dir() -> Path:
    return resolve_model_dir(settings.WHISPER_MODEL_DIR or None, Path(settings.WHISPER_BUNDLED_MODEL_DIR))


def transcription_options_for(call=None, *, language: str | None = None) -> TranscriptionOptions:
    """Whisper options from the settings, with the team's and campaign's vocabulary as hotwords."""
    hotwords: list[str] = []
    if call is not None:
        if call.team_id:
            hotwords += call.team.vocabulary_terms
        if call.campaign_id:
            hotwords += call.campaign.vocabulary_terms
    return TranscriptionOptions(
        model_dir=str(whisper_model_dir()),
        compute_type=settings.WHISPER_COMPUTE_TYPE,
        beam_size=settings.WHISPER_BEAM_SIZE,
        language=language or settings.WHISPER_LANGUAGE or None,
        cpu_threads=settings.WHISPER_CPU_THREADS,
        batch_size=settings.WHISPER_BATCH_SIZE,
        hotwords=tuple(dict.fromkeys(hotwords)),
    )
