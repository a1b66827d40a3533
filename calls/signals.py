from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Recording
from .storage import stored_delete


@receiver(post_delete, sender=Recording)
def recording_file_delete(sender, instance: Recording, **kwargs) -> None:
    # Only once the delete is committed: a rolled-back delete must still find its audio.
    if instance.file:
        field_file = instance.file
        transaction.on_commit(lambda: stored_delete(field_file))
