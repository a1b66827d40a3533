"""The glue between Django settings and the settings-free transcription modules."""

from pathlib import Path

from django.conf import settings

from .whisper_model import resolve_model_dir


def whisper_model_dir() -> Path:
    return resolve_model_dir(settings.WHISPER_MODEL_DIR or None, Path(settings.WHISPER_BUNDLED_MODEL_DIR))
