"""Recordings on an S3-compatible bucket (STORAGE_BACKEND=s3), without a network: moto's S3 server
runs in a thread on 127.0.0.1 and django-storages talks to it as it would to MinIO or AWS."""

import socket
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import FileSystemStorage, default_storage

from calls import pipeline
from calls.models import Recording, RetentionDeletion, Segment
from calls.retention import retention_apply
from calls.storage import StoredFileMissing, local_copy
from speech.transcription import set_engine_for_tests
from tests.calls.fakes import FakeEngine

BUCKET = "mot-recordings"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "addressing_style": "path",
                "default_acl": None,
                "file_overwrite": True,
            },
        },
    }
    settings.RECORDING_TEMP_DIR = str(tmp_path / "scratch")
    Path(settings.RECORDING_TEMP_DIR).mkdir()
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def engine():
    fake = FakeEngine(("안녕하세요 고객님 무엇을 도와드릴까요", "네 감사합니다"))
    set_engine_for_tests(fake)
    yield fake
    set_engine_for_tests(None)


def _files(directory) -> list[Path]:
    return [p for p in Path(directory).rglob("*") if p.is_file()]


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _upload(api, world, path: Path, django_capture_on_commit_callbacks):
    api.force_authenticate(world.agent_a)
    with django_capture_on_commit_callbacks(execute=False), path.open("rb") as handle:
        return api.post("/api/recordings/", {"file": handle, "call": world.call_a.pk}, format="multipart")


def test_an_upload_is_stored_in_the_bucket_and_decoded_back_from_it(
    api, world, bucket, engine, audio_factory, settings, django_capture_on_commit_callbacks
):
    source = audio_factory.stereo_call()

    response = _upload(api, world, source, django_capture_on_commit_callbacks)

    assert response.status_code == 201, response.content
    recording = Recording.objects.get(pk=response.json()["id"])
    assert not isinstance(recording.file.storage._wrapped, FileSystemStorage)
    assert _keys(bucket) == [recording.file.name]
    stored = bucket.get_object(Bucket=BUCKET, Key=recording.file.name)["Body"].read()
    assert stored == source.read_bytes()
    # Nothing of it on this machine's disk: not in MEDIA_ROOT, not left in the scratch directory.
    assert _files(settings.MEDIA_ROOT) == [] and _files(settings.RECORDING_TEMP_DIR) == []

    # The pipeline's probe and decode stages read it back from the bucket through a temporary copy.
    for stage in (pipeline.recording_probe, pipeline.recording_transcribe):
        stage(recording.pk)

    recording.refresh_from_db()
    assert recording.status == "analysing", recording.failure_reason
    assert recording.duration_seconds > 1
    assert engine.calls, "the decoder gave Whisper audio"
    assert set(Segment.objects.filter(transcript__recording=recording).values_list("speaker", flat=True)) == {
        "agent",
        "customer",
    }
    assert _files(settings.RECORDING_TEMP_DIR) == [], "the temporary copy is removed"


def test_the_audio_view_serves_byte_ranges_from_the_bucket(
    api, world, bucket, audio_factory, django_capture_on_commit_callbacks
):
    source = audio_factory.stereo_call()
    recording_id = _upload(api, world, source, django_capture_on_commit_callbacks).json()["id"]

    whole = api.get(f"/api/recordings/{recording_id}/audio/")
    part = api.get(f"/api/recordings/{recording_id}/audio/", HTTP_RANGE="bytes=100-199")

    assert whole.status_code == 200 and b"".join(whole.streaming_content) == source.read_bytes()
    assert part.status_code == 206 and b"".join(part.streaming_content) == source.read_bytes()[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{source.stat().st_size}"


def test_a_file_missing_from_the_bucket_fails_the_recording_with_a_reason(
    api, world, bucket, audio_factory, django_capture_on_commit_callbacks
):
    recording_id = _upload(api, world, audio_factory.stereo_call(), django_capture_on_commit_callbacks).json()["id"]
    recording = Recording.objects.get(pk=recording_id)
    bucket.delete_object(Bucket=BUCKET, Key=recording.file.name)

    with pytest.raises(StoredFileMissing):
        with local_copy(recording.file):
            pass
    pipeline.recording_probe(recording_id)

    recording.refresh_from_db()
    assert recording.status == "failed" and recording.failure_reason


def test_retention_removes_the_object_from_the_bucket(
    api, world, bucket, audio_factory, django_capture_on_commit_callbacks
):
    world.team_a.audio_retention_days = 30
    world.team_a.save()
    recording_id = _upload(api, world, audio_factory.stereo_call(), django_capture_on_commit_callbacks).json()["id"]
    assert len(_keys(bucket)) == 1

    retention_apply(now=world.call_a.started_at + timedelta(days=31))

    assert _keys(bucket) == []
    assert RetentionDeletion.objects.filter(recording_id=recording_id, kind="audio").exists()
    assert api.get(f"/api/recordings/{recording_id}/audio/").status_code == 404


def test_deleting_a_recording_removes_its_object_once_committed(
    api, world, bucket, audio_factory, django_capture_on_commit_callbacks
):
    recording_id = _upload(api, world, audio_factory.stereo_call(), django_capture_on_commit_callbacks).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"/api/recordings/{recording_id}/")

    assert response.status_code == 204
    assert _keys(bucket) == []


def test_local_disk_stays_the_default(settings):
    assert settings.STORAGE_BACKEND == "local"
    assert Path(default_storage.path("x")).parent == Path(settings.MEDIA_ROOT)
