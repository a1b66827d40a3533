"""QA's beat task: sample last week's calls into the evaluators' queues (idempotent)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .services import sampling_run, week_start


@shared_task
def qa_sampling_weekly() -> int:
    """Last week (Monday to Sunday, Seoul time); run daily, so a missed Monday catches up."""
    last_week = week_start(timezone.localdate()) - timedelta(days=7)
    return sampling_run(week=last_week)
