"""Recovery without a person: the outbox survives a broker that is down at commit, the sweeper
re-queues stuck recordings (and fails those that keep sticking), a stuck recording can be retried,
and racing or implausible input gets a clean 4xx."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from calls import outbox, pipeline, recordings
from calls.models import Call, OutboxMessage, Recording
from calls.recordings import recording_create
from dashboards.models import SegmentIndex
from dashboards.services import call_index
from tests.factories import transcript_for

# SERIALIZED: every transactional test in the suite restores the data migrations' rows
# (serialized_rollback). One that does not lets its flush re-create the content types, and the
# next serialized test's restore then inserts them again (a duplicate key at set-up).


def _upload(api, path: Path, **fields):
    return api.post(
        "/api/recordings/", {"file": SimpleUploadedFile(path.name, path.read_bytes()), **fields}, format="multipart"
    )


class _Broker:
    """Stands in for the broker behind the outbox: down (refuses every message) or up (records them)."""

    def __init__(self):
        self.down = False
        self.sent: list[dict] = []

    def __call__(self, payload: dict) -> None:
        if self.down:
            raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append(payload)


@pytest.fixture
def broker(monkeypatch):
    fake = _Broker()
    monkeypatch.setitem(outbox.SENDERS, "recording_pipeline", fake)
    monkeypatch.setitem(outbox.SENDERS, "calls_reanalyse", fake)
    return fake


@pytest.fixture
def agent_api(api, world):
    api.force_authenticate(world.agent_a)
    return api


def _stuck(recording: Recording, status: str = "transcribing", minutes: float = 60) -> Recording:
    Recording.objects.filter(pk=recording.pk).update(
        status=status, status_changed_at=timezone.now() - timedelta(minutes=minutes)
    )
    recording.refresh_from_db()
    return recording


def _recording(world, audio_factory, django_capture_on_commit_callbacks, broker) -> Recording:
    path = audio_factory.speech()
    with django_capture_on_commit_callbacks(execute=True):
        recording = recording_create(
            actor=world.agent_a, call=world.call_a, upload=SimpleUploadedFile(path.name, path.read_bytes())
        )
    broker.sent.clear()
    return recording


# --- the outbox ---------------------------------------------------------------------------------


@pytest.mark.parametrize("with_call", [True, False], ids=["to-a-call", "creating-the-call"])
def test_an_upload_while_the_broker_is_down_is_a_201_that_keeps_row_file_and_message(
    agent_api, world, audio_factory, broker, django_capture_on_commit_callbacks, with_call
):
    broker.down = True
    fields = {"call": world.call_a.pk} if with_call else {"direction": "inbound"}
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(agent_api, audio_factory.speech(), **fields)
    assert response.status_code == 201, response.content
    recording = Recording.objects.get(pk=response.json()["id"])
    assert recording.status == "queued"
    assert Path(recording.file.path).read_bytes() == audio_factory.speech().read_bytes()
    message = OutboxMessage.objects.get()
    assert message.payload == {"recording_id": recording.pk}
    assert message.send_attempts == 1 and "Connection refused" in message.last_error

    broker.down = False
    assert outbox.outbox_dispatch() == 1
    assert broker.sent == [{"recording_id": recording.pk}]
    assert not OutboxMessage.objects.exists()


def test_the_message_is_sent_at_commit_when_the_broker_is_up(
    agent_api, world, audio_factory, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(agent_api, audio_factory.speech(), call=world.call_a.pk)
    assert response.status_code == 201
    assert broker.sent == [{"recording_id": response.json()["id"]}]
    assert not OutboxMessage.objects.exists()


def test_dispatching_twice_sends_each_message_once(world, broker, django_capture_on_commit_callbacks):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_add(kind="calls_reanalyse", payload={"call_ids": [1, 2]})
        outbox.outbox_add(kind="calls_reanalyse", payload={"call_ids": [3]})
    broker.down = False
    assert outbox.outbox_dispatch() == 2
    assert outbox.outbox_dispatch() == 0
    assert broker.sent == [{"call_ids": [1, 2]}, {"call_ids": [3]}]


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # as every transactional test here: see test_pipeline_worker
def test_a_failure_after_commit_does_not_delete_the_file_of_a_committed_row(world, audio_factory, monkeypatch):
    # Whatever goes wrong after the row is committed (here: the after-commit send itself), a row
    # never loses its file. Real commits: the callback runs inside recording_create_with_call.
    def explode(**kwargs):
        raise RuntimeError("broken after commit")

    monkeypatch.setattr(outbox, "outbox_dispatch", explode)
    path = audio_factory.speech()
    with pytest.raises(RuntimeError):
        recordings.recording_create_with_call(
            actor=world.agent_a,
            call_fields={"direction": "inbound", "outcome": "resolved"},
            upload=SimpleUploadedFile(path.name, path.read_bytes()),
        )
    recording = Recording.objects.get()
    assert Path(recording.file.path).exists()


def test_a_re_analysis_while_the_broker_is_down_is_sent_when_it_is_back(
    api, world, broker, django_capture_on_commit_callbacks
):
    transcript_for(world.call_a, [("agent", 0.0, 2.0, "안녕하세요 고객님")])
    broker.down = True
    api.force_authenticate(world.admin)
    day = timezone.localdate(world.call_a.started_at).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/rules/reanalyse/", {"date_from": day, "date_to": day}, format="json")
    assert response.status_code == 202, response.content
    assert OutboxMessage.objects.filter(kind="calls_reanalyse").count() == 1
    broker.down = False
    outbox.outbox_dispatch()
    assert broker.sent == [{"call_ids": [world.call_a.pk]}]


# --- the sweeper and retry -------------------------------------------------------------------


def test_the_sweeper_requeues_a_recording_stuck_past_its_bound_and_leaves_moving_ones(
    world, audio_factory, broker, settings, django_capture_on_commit_callbacks
):
    settings.RECORDING_STALL_MIN_SECONDS = 600
    settings.RECORDING_STALL_FACTOR = 3
    stuck = _stuck(_recording(world, audio_factory, django_capture_on_commit_callbacks, broker), minutes=11)
    Recording.objects.filter(pk=stuck.pk).update(attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.recordings_sweep() == {"requeued": 1, "failed": 0}
    stuck.refresh_from_db()
    assert stuck.status == "queued" and stuck.sweeps == 1 and stuck.attempts == 1
    assert broker.sent == [{"recording_id": stuck.pk}]
    # Swept again at once, it has just moved: nothing more happens.
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.recordings_sweep() == {"requeued": 0, "failed": 0}
    assert len(broker.sent) == 1


def test_the_stall_bound_grows_with_the_duration(
    world, audio_factory, broker, settings, django_capture_on_commit_callbacks
):
    settings.RECORDING_STALL_MIN_SECONDS = 600
    settings.RECORDING_STALL_FACTOR = 3
    recording = _recording(world, audio_factory, django_capture_on_commit_callbacks, broker)
    Recording.objects.filter(pk=recording.pk).update(duration_seconds=3600)
    recording = _stuck(recording, minutes=60)  # an hour of audio may take up to three
    assert not recording.is_stuck
    assert pipeline.recordings_sweep() == {"requeued": 0, "failed": 0}
    assert _stuck(recording, minutes=181).is_stuck


def test_a_transcription_that_still_writes_progress_is_not_stuck(
    world, audio_factory, broker, settings, django_capture_on_commit_callbacks
):
    settings.RECORDING_STALL_MIN_SECONDS = 600
    recording = _stuck(_recording(world, audio_factory, django_capture_on_commit_callbacks, broker), minutes=60)
    Recording.objects.filter(pk=recording.pk).update(progress=40, progress_at=timezone.now() - timedelta(minutes=2))
    recording.refresh_from_db()
    assert not recording.is_stuck
    assert pipeline.recordings_sweep() == {"requeued": 0, "failed": 0}
    Recording.objects.filter(pk=recording.pk).update(progress_at=timezone.now() - timedelta(minutes=11))
    assert pipeline.recordings_sweep() == {"requeued": 1, "failed": 0}


def test_a_recording_that_sticks_too_often_is_failed_with_a_reason(
    world, audio_factory, broker, settings, django_capture_on_commit_callbacks
):
    recording = _stuck(_recording(world, audio_factory, django_capture_on_commit_callbacks, broker), status="probing")
    Recording.objects.filter(pk=recording.pk).update(sweeps=settings.RECORDING_MAX_ATTEMPTS)
    assert pipeline.recordings_sweep() == {"requeued": 0, "failed": 1}
    recording.refresh_from_db()
    assert recording.status == "failed" and recording.failure_reason
    assert not broker.sent


def test_a_queued_recording_whose_message_waits_in_the_outbox_is_not_queued_twice(
    world, audio_factory, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    recording = _stuck(_recording(world, audio_factory, django_capture_on_commit_callbacks, broker), status="queued")
    assert OutboxMessage.objects.count() == 1
    assert pipeline.recordings_sweep() == {"requeued": 0, "failed": 0}
    assert OutboxMessage.objects.count() == 1
    OutboxMessage.objects.all().delete()  # the message was lost after all: now the sweeper steps in
    assert pipeline.recordings_sweep()["requeued"] == 1
    assert recording.pk in [m.payload["recording_id"] for m in OutboxMessage.objects.all()]


def test_a_stuck_recording_can_be_retried_by_its_reviewer_and_a_moving_one_cannot(
    api, world, audio_factory, broker, settings, django_capture_on_commit_callbacks
):
    settings.RECORDING_STALL_MIN_SECONDS = 600
    recording = _recording(world, audio_factory, django_capture_on_commit_callbacks, broker)
    Recording.objects.filter(pk=recording.pk).update(status="transcribing", attempts=2, sweeps=1)
    api.force_authenticate(world.supervisor_a)
    response = api.post(f"/api/recordings/{recording.pk}/retry/")
    assert response.status_code == 409 and "10" in response.json()["detail"]  # the bound, in minutes

    _stuck(recording)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/recordings/{recording.pk}/retry/")
    assert response.status_code == 200, response.content
    recording.refresh_from_db()
    assert (recording.status, recording.attempts, recording.sweeps) == ("queued", 0, 0)
    assert broker.sent == [{"recording_id": recording.pk}]


def test_a_retry_while_the_broker_is_down_is_accepted_and_sent_later(
    api, world, audio_factory, broker, django_capture_on_commit_callbacks
):
    recording = _recording(world, audio_factory, django_capture_on_commit_callbacks, broker)
    pipeline.recording_fail(recording.pk, "disk full")
    broker.down = True
    api.force_authenticate(world.agent_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/recordings/{recording.pk}/retry/")
    assert response.status_code == 200 and response.json()["status"] == "queued"
    broker.down = False
    assert outbox.outbox_dispatch() == 1 and broker.sent == [{"recording_id": recording.pk}]


def test_a_stuck_recording_shows_a_retry_button_on_the_call_page(
    client, world, audio_factory, broker, django_capture_on_commit_callbacks
):
    recording = _stuck(_recording(world, audio_factory, django_capture_on_commit_callbacks, broker))
    client.force_login(world.agent_a)
    page = client.get(f"/calls/{world.call_a.pk}/").content.decode()
    assert f"/recordings/{recording.pk}/retry/" in page


# --- races and bad input ---------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer at a time: the racers cannot all pass the check"
)
@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # as every transactional test here: see test_pipeline_worker
def test_the_same_new_file_uploaded_at_once_gives_one_201_and_409s_naming_the_call(
    world, audio_factory, monkeypatch, broker
):
    from rest_framework.test import APIClient

    racers = 3
    # Every upload passes the "already uploaded?" check before any of them saves.
    barrier = threading.Barrier(racers, timeout=30)
    real_probe = recordings._probe

    def probe_then_wait(path):
        info = real_probe(path)
        barrier.wait()
        return info

    monkeypatch.setattr(recordings, "_probe", probe_then_wait)
    path = audio_factory.speech()
    results: list = [None] * racers

    def upload(n: int) -> None:
        try:
            api = APIClient()
            api.force_authenticate(world.agent_a)
            response = _upload(api, path, direction="inbound")  # a new call each: the loser's must go
            results[n] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(code for code, _body in results)
    assert codes == [201] + [409] * (racers - 1), results
    winner = next(body for code, body in results if code == 201)
    for code, body in results:
        if code == 409:
            assert f"#{winner['call']}" in body["file"][0] and body["code"] == "duplicate"
    assert Call.objects.filter(agent=world.agent_a).count() == 2  # the world's call and the winner's
    assert Recording.objects.count() == 1


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # as every transactional test here: see test_pipeline_worker
def test_indexing_one_call_from_many_threads_at_once_keeps_one_row_per_segment(world):
    transcript_for(world.call_a, [("agent", n, n + 1.0, f"안녕하세요 고객님 {n}번 문의") for n in range(30)])
    errors = []
    start = threading.Barrier(6, timeout=30)

    def index() -> None:
        try:
            start.wait()
            for _ in range(5):
                call_index(world.call_a.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=index) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert SegmentIndex.objects.filter(call=world.call_a).count() == 30


def test_a_re_analysis_batch_goes_on_past_a_colliding_call_and_retries_it(world, monkeypatch):
    from calls import analysis
    from calls.tasks import calls_reanalyse

    analysed = []
    collided_once = set()

    def fake_analyse(call_id):
        analysed.append(call_id)
        if call_id == 2 and call_id not in collided_once:
            collided_once.add(call_id)
            raise IntegrityError('duplicate key value violates unique constraint "dashboards_segmentindex_pkey"')

    monkeypatch.setattr(analysis, "call_analyse", fake_analyse)
    calls_reanalyse.apply(args=[[1, 2, 3]])
    assert analysed == [1, 2, 3, 2]


@pytest.mark.parametrize("days", ["abc", "0", "366", "1.5"])
def test_a_progress_window_that_is_not_1_to_365_days_is_a_400(api, world, days):
    from coaching.models import Assignment, Module

    module = Module.objects.create(title="공감 표현", created_by=world.trainer_a)
    assignment = Assignment.objects.create(
        module=module, agent=world.agent_a, assigned_by=world.trainer_a, due_date=timezone.localdate()
    )
    api.force_authenticate(world.trainer_a)
    assert api.get(f"/api/coaching/assignments/{assignment.pk}/progress/?days={days}").status_code == 400
    assert api.get(f"/api/coaching/assignments/{assignment.pk}/progress/?days=7").status_code == 200


@pytest.mark.parametrize("started_at", ["1688-03-18T01:45:59Z", "1999-12-31T00:00:00Z", "2999-01-01T00:00:00Z"])
def test_an_implausible_start_time_is_a_400_in_the_call_api(api, world, started_at):
    api.force_authenticate(world.agent_a)
    response = api.post("/api/calls/", {"started_at": started_at, "direction": "inbound"}, format="json")
    assert response.status_code == 400 and "started_at" in response.json()
    response = api.patch(f"/api/calls/{world.call_a.pk}/", {"started_at": started_at}, format="json")
    assert response.status_code == 400


def test_an_implausible_start_time_is_refused_by_the_upload_and_the_form(agent_api, client, world, audio_factory):
    response = _upload(agent_api, audio_factory.speech(), started_at="1688-03-18T01:45:59Z")
    assert response.status_code == 400 and not Recording.objects.exists()
    client.force_login(world.agent_a)
    response = client.post(
        f"/calls/{world.call_a.pk}/edit/",
        {"started_at": "1688-03-18T01:45", "direction": "inbound", "outcome": "resolved", "duration_seconds": 60},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "2000" in response.content.decode()
    world.call_a.refresh_from_db()
    assert world.call_a.started_at.year > 2000
