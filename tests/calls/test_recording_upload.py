"""Uploading recordings: validated by content, stored under our name, nothing kept when refused."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from calls.models import Call, Recording


def _upload(api, path: Path, name: str | None = None, **fields):
    data = {"file": SimpleUploadedFile(name or path.name, path.read_bytes()), **fields}
    return api.post("/api/recordings/", data, format="multipart")


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def agent_api(api, world):
    api.force_authenticate(world.agent_a)
    return api


def test_upload_to_own_call_stores_it_under_a_server_name_and_enqueues_once_committed(
    agent_api, world, audio_factory, settings, django_capture_on_commit_callbacks
):
    stereo = audio_factory.stereo_call()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(agent_api, stereo, name="../../etc/통화 녹음 (1).wav", call=world.call_a.pk)
    assert response.status_code == 201, response.content
    recording = Recording.objects.get(pk=response.json()["id"])
    assert recording.call == world.call_a and recording.status == "queued"
    assert recording.channels == 2 and recording.channel_layout == "agent_left"
    assert "/" not in recording.original_filename and ".." not in recording.original_filename
    assert recording.file.name.startswith("recordings/") and recording.storage_key in recording.file.name
    assert Path(recording.file.path).read_bytes() == stereo.read_bytes()
    assert len(callbacks) == 1
    assert _stored_files(settings) == [Path(recording.file.path)]


def test_upload_without_a_call_creates_the_call_from_the_fields(agent_api, world, audio_factory):
    response = _upload(agent_api, audio_factory.speech(), direction="outbound", outcome="callback")
    assert response.status_code == 201, response.content
    call = Call.objects.get(pk=response.json()["call"])
    assert call.agent == world.agent_a and call.direction == "outbound" and call.outcome == "callback"
    assert call.duration_seconds > 0


def test_mono_upload_is_marked_mono_whatever_the_team_default(agent_api, world, audio_factory):
    response = _upload(agent_api, audio_factory.telephone(), call=world.call_a.pk)
    assert response.status_code == 201
    recording = Recording.objects.get(pk=response.json()["id"])
    assert recording.channel_layout == "mono" and recording.sample_rate == 8000


def test_the_same_file_twice_names_the_call_that_has_it(agent_api, world, audio_factory, settings):
    speech = audio_factory.speech()
    first = _upload(agent_api, speech, call=world.call_a.pk)
    second = _upload(agent_api, speech, name="copy.wav", call=world.call_a.pk)
    assert first.status_code == 201
    assert second.status_code == 409
    assert f"#{world.call_a.pk}" in second.json()["file"][0]
    assert Recording.objects.count() == 1 and len(_stored_files(settings)) == 1


def test_a_duplicate_from_another_team_does_not_reveal_their_call(api, world, audio_factory):
    api.force_authenticate(world.agent_a)
    assert _upload(api, audio_factory.speech(), call=world.call_a.pk).status_code == 201
    api.force_authenticate(world.agent_b)
    response = _upload(api, audio_factory.speech(), call=world.call_b.pk)
    assert response.status_code == 409
    assert f"#{world.call_a.pk}" not in response.json()["file"][0]


BAD_FILES = {
    "empty": lambda f: f.empty(),
    "text renamed .wav": lambda f: f.text_as_wav(),
    "random bytes": lambda f: f.random_bytes(),
    "zero-length audio": lambda f: f.zero_samples_wav(),
    "truncated mp3": lambda f: f.truncated(f.convert(f.speech(), "mp3"), 0.02),
    "video without sound": lambda f: f.video_only(),
    "WAV with 0 bits per sample": lambda f: f.wav_with_zero_bits_per_sample(),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_is_refused_with_a_reason_and_nothing_is_kept(agent_api, audio_factory, settings, name):
    calls = Call.objects.count()
    response = _upload(agent_api, BAD_FILES[name](audio_factory), name="recording.wav")
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["file"][0]
    assert Recording.objects.count() == 0 and Call.objects.count() == calls
    assert _stored_files(settings) == []


def test_a_file_over_the_size_cap_is_a_413_and_nothing_is_kept(agent_api, world, audio_factory, settings):
    settings.RECORDING_MAX_BYTES = 20_000
    response = _upload(agent_api, audio_factory.long_speech(), call=world.call_a.pk)
    assert response.status_code == 413
    assert "MB" in response.json()["file"][0]
    assert Recording.objects.count() == 0 and _stored_files(settings) == []


def test_a_recording_over_the_duration_cap_is_refused(agent_api, world, audio_factory, settings):
    settings.RECORDING_MAX_SECONDS = 2
    response = _upload(agent_api, audio_factory.speech(), call=world.call_a.pk)
    assert response.status_code == 413
    assert Recording.objects.count() == 0


def test_a_recording_over_the_decoded_size_cap_is_refused(agent_api, world, audio_factory, settings):
    settings.RECORDING_MAX_DECODED_BYTES = 10_000
    response = _upload(agent_api, audio_factory.speech(), call=world.call_a.pk)
    assert response.status_code == 413
    assert Recording.objects.count() == 0


def test_a_body_without_a_file_is_a_400(agent_api, world):
    response = agent_api.post("/api/recordings/", {"call": world.call_a.pk}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


@pytest.mark.parametrize(
    "role,status",
    [
        ("anonymous", 401),
        ("agent_a2", 400),
        ("agent_b", 400),
        ("supervisor_b", 400),
        ("trainer_a", 403),
        ("supervisor_a", 201),
        ("admin", 201),
    ],
)
def test_who_may_upload_to_agent_as_call(api, world, audio_factory, role, status):
    if role != "anonymous":
        api.force_authenticate(world.user(role))
    response = _upload(api, audio_factory.speech(), call=world.call_a.pk)
    assert response.status_code == status


def test_audio_is_served_with_ranges_only_to_those_who_see_the_call(api, world, audio_factory):
    api.force_authenticate(world.agent_a)
    recording_id = _upload(api, audio_factory.speech(), call=world.call_a.pk).json()["id"]
    url = f"/api/recordings/{recording_id}/audio/"
    whole = api.get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "audio/wav"
    assert whole["X-Content-Type-Options"] == "nosniff"
    part = api.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"].startswith("bytes 100-199/")
    assert len(b"".join(part.streaming_content)) == 100
    api.force_authenticate(world.supervisor_b)
    assert api.get(url).status_code == 404
    assert api.get(f"/api/recordings/{recording_id}/").status_code == 404


def test_deleting_a_call_deletes_its_recording_files(
    api, world, audio_factory, settings, django_capture_on_commit_callbacks
):
    api.force_authenticate(world.agent_a)
    with django_capture_on_commit_callbacks(execute=False):
        _upload(api, audio_factory.speech(), call=world.call_a.pk)
    assert len(_stored_files(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/calls/{world.call_a.pk}/").status_code == 204
    assert _stored_files(settings) == []


def test_upload_with_customer_and_start_time_keeps_them_in_seoul_time(agent_api, world, audio_factory):
    """Regression: the upload form could not set the customer or the start time, so every call was
    stamped with the upload time. The page sends the datetime-local value (Seoul wall time)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    response = _upload(
        agent_api,
        audio_factory.speech(),
        direction="inbound",
        outcome="resolved",
        customer_name="김고객",
        customer_phone="010-2345-6789",
        started_at="2024-03-05T09:07",
    )
    assert response.status_code == 201, response.content
    call = Call.objects.get(pk=response.json()["call"])
    assert call.customer_name == "김고객" and call.customer_phone == "01023456789"
    assert call.started_at == datetime(2024, 3, 5, 9, 7, tzinfo=ZoneInfo("Asia/Seoul"))


def test_upload_with_a_1999_start_is_refused_and_nothing_is_kept(agent_api, audio_factory, settings):
    response = _upload(agent_api, audio_factory.speech(), started_at="1999-12-31T23:00")
    assert response.status_code == 400 and "started_at" in response.json()
    assert not Recording.objects.exists() and _stored_files(settings) == []


def test_the_upload_page_offers_customer_and_start_time(client, world):
    client.force_login(world.agent_a)
    page = client.get("/calls/upload/").content.decode()
    for name in ("customer_name", "customer_phone", "started_at"):
        assert f'name="{name}"' in page
    assert 'name="started_at" value=' not in page  # empty: the time of the upload, not of the page
