"""Retention: expired audio and transcripts go (files, rows, search index), each deletion is logged,
a legal hold keeps a call, and a second run deletes nothing."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from calls.analysis import call_analyse
from calls.models import CallAnalysis, Flag, Recording, RetentionDeletion, Segment, Transcript
from calls.retention import retention_apply
from dashboards.models import SegmentIndex
from tests.factories import CallFactory, transcript_for

LINES = [
    ("agent", 0.0, 2.0, "안녕하세요 고객님 무엇을 도와드릴까요"),
    ("customer", 2.5, 5.0, "카드 결제가 두 번 됐어요"),
    ("agent", 5.5, 8.0, "그건 제 담당이 아니라서요 몰라요"),
]


def _transcribed_call(world, settings, days_ago: int, **call_fields):
    call = CallFactory(agent=world.agent_a, started_at=timezone.now() - timedelta(days=days_ago), **call_fields)
    recording = transcript_for(call, LINES, status="done")
    path = Path(settings.MEDIA_ROOT) / recording.file.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF....WAVE")
    call_analyse(call.pk)  # flags, the analysis and the search index, as the pipeline leaves them
    return call, recording, path


@pytest.fixture
def policy(world):
    world.team_a.audio_retention_days = 90
    world.team_a.transcript_retention_days = 365
    world.team_a.save()
    return world.team_a


def test_expired_audio_is_deleted_and_logged_and_the_transcript_stays(world, settings, policy):
    call, recording, path = _transcribed_call(world, settings, days_ago=100)
    assert retention_apply() == {"audio": 1, "transcript": 0}
    recording.refresh_from_db()
    assert not path.exists() and recording.audio_deleted_at is not None
    assert Segment.objects.filter(call=call).count() == 3
    log = RetentionDeletion.objects.get()
    assert (log.kind, log.call_id, log.recording_id, log.team_id, log.retention_days) == (
        "audio",
        call.pk,
        recording.pk,
        world.team_a.pk,
        90,
    )
    assert log.detail["file"] == recording.file.name


def test_an_expired_call_loses_audio_transcript_and_index_rows_and_each_deletion_is_logged(
    api, world, settings, policy, caplog
):
    call, recording, path = _transcribed_call(world, settings, days_ago=400)
    assert SegmentIndex.objects.filter(call=call).count() == 3
    assert Flag.objects.filter(call=call).exists() and CallAnalysis.objects.filter(call=call).exists()
    with caplog.at_level("INFO", logger="calls.retention"):
        assert retention_apply() == {"audio": 1, "transcript": 1}
    assert not path.exists()
    assert not Transcript.objects.filter(recording=recording).exists()
    assert not Segment.objects.filter(call=call).exists()
    assert not SegmentIndex.objects.filter(call=call).exists()
    assert not Flag.objects.filter(call=call).exists()
    assert not CallAnalysis.objects.filter(call=call).exists()
    transcript_log = RetentionDeletion.objects.get(kind="transcript")
    assert transcript_log.call_id == call.pk and transcript_log.detail["segments"] == 3
    assert transcript_log.detail["index_rows"] == 3 and transcript_log.detail["flags"] >= 1
    assert sum("retention: deleted" in r.getMessage() for r in caplog.records) == 2
    # The call itself stays, and its audio answers 404 rather than an error.
    api.force_authenticate(world.agent_a)
    assert api.get(f"/api/calls/{call.pk}/").status_code == 200
    assert api.get(f"/api/recordings/{recording.pk}/audio/").status_code == 404


def test_a_call_on_legal_hold_keeps_everything(world, settings, policy):
    call, recording, path = _transcribed_call(world, settings, days_ago=400, legal_hold=True)
    assert retention_apply() == {"audio": 0, "transcript": 0}
    assert path.exists() and Segment.objects.filter(call=call).count() == 3
    assert SegmentIndex.objects.filter(call=call).count() == 3
    assert not RetentionDeletion.objects.exists()


def test_calls_within_the_period_and_teams_without_a_policy_keep_everything(world, settings, policy):
    recent, _recent_recording, recent_path = _transcribed_call(world, settings, days_ago=30)
    other = CallFactory(agent=world.agent_b, started_at=timezone.now() - timedelta(days=4000))
    transcript_for(other, LINES, status="done")
    assert retention_apply() == {"audio": 0, "transcript": 0}
    assert recent_path.exists()
    assert Segment.objects.filter(call__in=[recent, other]).count() == 6


def test_running_retention_twice_deletes_nothing_the_second_time(world, settings, policy):
    _transcribed_call(world, settings, days_ago=400)
    assert retention_apply() == {"audio": 1, "transcript": 1}
    assert retention_apply() == {"audio": 0, "transcript": 0}
    assert RetentionDeletion.objects.count() == 2


def test_the_call_page_says_the_audio_was_deleted(client, world, settings, policy):
    call, recording, _path = _transcribed_call(world, settings, days_ago=100)
    retention_apply()
    client.force_login(world.agent_a)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert f'src="/api/recordings/{recording.pk}/audio/"' not in page
    assert Recording.objects.get(pk=recording.pk).audio_deleted_at
