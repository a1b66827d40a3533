"""Celery tasks of the coaching app: thin wrappers over services."""

from celery import current_app, shared_task
from celery.schedules import crontab

from . import services


@shared_task(name="coaching.suggestions_refresh", ignore_result=True)
def coaching_suggestions_refresh_task() -> int:
    return len(services.coaching_suggestions_refresh())


@current_app.on_after_finalize.connect
def _schedule(sender, **kwargs) -> None:
    # Once a day, early, so trainers find fresh suggestions when they start (celery beat).
    sender.add_periodic_task(
        crontab(hour=6, minute=0), coaching_suggestions_refresh_task.s(), name="coaching suggestions"
    )
