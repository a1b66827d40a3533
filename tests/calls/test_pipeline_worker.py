"""End to end through a real Celery worker and the real Whisper model: upload to done."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from calls.models import Recording, Segment, Transcript
from tests.worker import WorkerProcess

# serialized_rollback: the flush after each test gives the data migrations (rulebook, coaching
# library) back, and does not re-create content types the next serialized test would duplicate.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def worker(tmp_path, world):
    process = WorkerProcess(tmp_path / "worker.log")
    yield process
    process.stop()


def _upload(api, user, call, path: Path) -> int:
    api.force_authenticate(user)
    response = api.post(
        "/api/recordings/",
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), "call": call.pk},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _wait(recording_id: int, predicate, timeout: float, worker: WorkerProcess) -> Recording:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        recording = Recording.objects.get(pk=recording_id)
        if not seen or seen[-1] != (recording.status, recording.progress):
            seen.append((recording.status, recording.progress))
        if predicate(recording):
            return recording
        time.sleep(0.25)
    raise AssertionError(f"timed out; recording went {seen}\n{worker.log_path.read_text()[-3000:]}")


def test_a_stereo_upload_is_transcribed_by_the_worker_with_both_speakers(api, world, worker, audio_factory):
    recording_id = _upload(api, world.agent_a, world.call_a, audio_factory.stereo_call())
    recording = _wait(recording_id, lambda r: r.is_terminal, 240, worker)
    assert recording.status == "done", recording.failure_reason
    segments = list(Segment.objects.filter(call=world.call_a).order_by("start"))
    assert {s.speaker for s in segments} == {"agent", "customer"}
    agent_text = " ".join(s.text for s in segments if s.speaker == "agent")
    assert any(word in agent_text for word in ("무엇", "도와", "드릴", "고객", "안녕")), agent_text
    assert segments[0].speaker == "agent"  # the agent greets first in the fixture
    api.force_authenticate(world.supervisor_a)
    body = api.get(f"/api/recordings/{recording_id}/segments/").json()
    assert [row["text"] for row in body] == [s.text for s in sorted(segments, key=lambda s: s.index)]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="re-delivery after a lost worker is tested on Redis")
def test_a_worker_killed_mid_transcription_finishes_the_call_exactly_once(api, world, worker, audio_factory):
    recording_id = _upload(api, world.agent_a, world.call_a, audio_factory.very_long_speech())
    _wait(recording_id, lambda r: r.status == "transcribing", 240, worker)
    time.sleep(4)  # well into decoding: the model is preloaded, the clip takes several times this
    assert Recording.objects.get(pk=recording_id).status == "transcribing"
    children = worker.pool_children()
    assert children, "no pool process to kill"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    recording = _wait(recording_id, lambda r: r.is_terminal, 300, worker)
    log = worker.log_path.read_text(errors="replace")
    assert recording.status == "done", recording.failure_reason
    assert "SIGKILL" in log or "signal 9" in log, log[-3000:]
    assert recording.attempts == 2
    assert Transcript.objects.filter(recording_id=recording_id).count() == 1
    indexes = list(Segment.objects.filter(transcript__recording_id=recording_id).values_list("index", flat=True))
    assert indexes and indexes == list(range(len(indexes))), log[-5000:]
