"""A real Celery worker process for the tests that exercise the pipeline end to end.

It runs the project's own worker command against the test database and the configured broker
(Redis when REDIS_URL is set, as in CI; otherwise the filesystem broker), with the test's
MEDIA_ROOT, so what it does is what production does.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(
        self,
        log_path: Path,
        extra_env: dict[str, str] | None = None,
        settings_module: str = "mot_coach.settings_test",
        concurrency: int = 1,
        beat: bool = False,
    ):
        self.log_path = log_path
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": _database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            # Beat's schedule file beside the log, so tests never share one.
            "CELERY_BEAT_SCHEDULE_FILENAME": str(log_path.parent / "celerybeat-schedule"),
            **(extra_env or {}),
        }
        self._purge(env)
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mot_coach",
                "worker",
                "-Q",
                "default,transcription",
                "--concurrency",
                str(concurrency),
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
                "-n",
                f"test-{os.getpid()}@%h",
                *(["-B"] if beat else []),  # beat in the worker, as bin/run runs it
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_for("ready.", timeout=90)

    def wait_for(self, text: str, timeout: float) -> None:
        self._wait_for(text, timeout)

    @staticmethod
    def _purge(env: dict[str, str]) -> None:
        # Messages left over from an earlier, interrupted run would point at rows that are gone.
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "mot_coach", "purge", "-f", "-Q", "default,transcription"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=60,
        )

    def _wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_path.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        raise TimeoutError(f"worker not {text!r} after {timeout}s:\n{self.log_path.read_text(errors='replace')}")

    def pool_children(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:  # whatever of its group outlived a main process killed by a test
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()
