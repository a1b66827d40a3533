from celery import shared_task

from .services import access_log_purge_expired


@shared_task(name="privacy.access_log_purge")
def access_log_purge() -> int:
    """Daily: delete access-log rows past their retention (never younger than two years)."""
    return access_log_purge_expired()
