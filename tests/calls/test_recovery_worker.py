"""Recovery with a real worker, beat, Redis and PostgreSQL: a whole worker killed mid-transcription,
and Redis down while recordings are uploaded. Nobody presses a button in either."""

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from calls.models import OutboxMessage, Recording, Segment, Transcript
from tests.worker import WorkerProcess

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="recovery is tested on Redis, as it runs in production"),
]


def _upload(api, user, call, path: Path) -> tuple[int, dict]:
    api.force_authenticate(user)
    response = api.post(
        "/api/recordings/",
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), "call": call.pk},
        format="multipart",
    )
    return response.status_code, response.json()


def _wait(predicate, timeout: float, what: str, logs: list[Path]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.5)
    tails = "\n".join(f"--- {log}\n{log.read_text(errors='replace')[-4000:]}" for log in logs if log.exists())
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tails}")


def test_a_worker_killed_whole_mid_transcription_is_recovered_by_the_sweeper_exactly_once(
    api, world, audio_factory, tmp_path
):
    # Given a recording being transcribed by a worker without beat,
    first = WorkerProcess(tmp_path / "first.log")
    try:
        code, body = _upload(api, world.agent_a, world.call_a, audio_factory.very_long_speech())
        assert code == 201, body
        recording_id = body["id"]
        _wait(
            lambda: Recording.objects.get(pk=recording_id).status == "transcribing",
            240,
            "transcribing",
            [first.log_path],
        )
        time.sleep(4)  # well into decoding
        assert Recording.objects.get(pk=recording_id).status == "transcribing"
        # when the worker's main process is killed (and with it, as on a lost machine, all it ran),
        children = first.pool_children()
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # billiard's children die with their parent (PDEATHSIG)
    finally:
        first.stop()
    killed_at = time.monotonic()
    assert Recording.objects.get(pk=recording_id).status == "transcribing"

    # and a new worker with beat comes up — its message is still unacknowledged in Redis, which
    # would re-deliver it only after the visibility timeout (hours) —
    second = WorkerProcess(
        tmp_path / "second.log",
        beat=True,
        extra_env={
            # Stuck after 30 s without a status change or a progress write; a live run writes
            # progress every second or so, so it is never swept.
            "RECORDING_STALL_MIN_SECONDS": "30",
            "RECORDING_STALL_FACTOR": "0.1",
            "RECORDING_SWEEP_INTERVAL": "3",
        },
    )
    try:
        # then the sweeper queues it again and it finishes, once, within five minutes of the kill.
        _wait(
            lambda: Recording.objects.get(pk=recording_id).is_terminal,
            300 - (time.monotonic() - killed_at),
            "the recording to finish",
            [second.log_path],
        )
        took = time.monotonic() - killed_at
        recording = Recording.objects.get(pk=recording_id)
        log = second.log_path.read_text(errors="replace")
        assert recording.status == "done", recording.failure_reason
        assert "queued again" in log
        assert (recording.attempts, recording.sweeps) == (2, 1)
        assert Transcript.objects.filter(recording_id=recording_id).count() == 1
        indexes = list(Segment.objects.filter(transcript__recording_id=recording_id).values_list("index", flat=True))
        assert indexes and indexes == list(range(len(indexes)))
        print(f"recovered {took:.0f}s after the kill")
    finally:
        second.stop()


def test_a_worker_killed_with_its_beat_inside_leaves_no_beat_behind(world, tmp_path):
    worker = WorkerProcess(tmp_path / "worker.log", beat=True, extra_env={"WHISPER_PRELOAD": "0"})
    try:
        worker.wait_for("beat: Starting", 30)
        everyone = set(worker.pool_children())
        assert len(everyone) >= 2  # the pool process and beat
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in everyone):
            time.sleep(0.2)
        assert not [pid for pid in everyone if _alive(pid)]
    finally:
        worker.stop()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own, on a spare port, that it may stop and start."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout == b"PONG\n":
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@contextmanager
def _test_process_publishes_to(url: str):
    """Point this (test) process's Celery app at another broker; the uploads enqueue through it."""
    from mot_coach.celery import app

    def reset() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        app.conf.broker_url = old
        reset()


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server to stop and start")
def test_uploads_while_redis_is_down_are_201_and_all_transcribed_once_it_is_back(api, world, audio_factory, tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    worker = None
    try:
        worker = WorkerProcess(
            tmp_path / "worker.log",
            beat=True,
            extra_env={"REDIS_URL": redis.url, "OUTBOX_DISPATCH_INTERVAL": "2", "RECORDING_SWEEP_INTERVAL": "5"},
        )
        files = [audio_factory.speech(f"안녕하세요 고객님 {n}번 문의 감사합니다", name=f"outage{n}") for n in range(5)]
        with _test_process_publishes_to(redis.url):
            # Given Redis stopped,
            redis.stop()
            # when five recordings are uploaded,
            answers = [_upload(api, world.agent_a, world.call_a, path) for path in files]
        # then each is a 201 whose row and file are kept, and whose message waits in the outbox;
        assert [code for code, _body in answers] == [201] * 5, answers
        ids = [body["id"] for _code, body in answers]
        for recording in Recording.objects.filter(pk__in=ids):
            assert recording.status == "queued" and Path(recording.file.path).exists()
        assert OutboxMessage.objects.filter(kind="recording_pipeline").count() == 5

        # and once Redis is back, all five are transcribed without anyone doing anything.
        redis.start()
        took = _wait(
            lambda: Recording.objects.filter(pk__in=ids, status__in=Recording.TERMINAL).count() == 5,
            300,
            "all five recordings to finish",
            [worker.log_path],
        )
        assert list(Recording.objects.filter(pk__in=ids).values_list("status", flat=True)) == ["done"] * 5, list(
            Recording.objects.filter(pk__in=ids).values_list("failure_reason", flat=True)
        )
        assert Transcript.objects.filter(recording_id__in=ids).count() == 5
        assert not OutboxMessage.objects.exists()
        print(f"all five done {took:.0f}s after Redis came back")
    finally:
        if worker is not None:
            worker.stop()
        redis.stop()
