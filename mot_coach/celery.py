import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mot_coach.settings")

app = Celery("mot_coach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
