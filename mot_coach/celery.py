import os
import signal
import sys

from celery import Celery
from celery.signals import beat_embedded_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mot_coach.settings")

app = Celery("mot_coach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_embedded_init.connect
def beat_dies_with_its_worker(**kwargs) -> None:
    """Beat run inside a worker (`worker -B`, as bin/run does) is a child of the worker's main
    process. Pool children die with it (billiard sets PDEATHSIG), beat did not: a worker killed
    with SIGKILL left its beat running, and the restarted worker added a second one."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() == 1:  # the worker died before the line above
        os._exit(1)
