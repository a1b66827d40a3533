"""The evidence pack of a call's customer abuse: contents, clips, checksums, who may download, the log."""

import hashlib
import io
import json
import shutil
import wave
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from calls.analysis import call_analyse
from calls.models import Flag
from calls.review import flag_review
from privacy.models import AccessLog
from tests.factories import transcript_for

ABUSE = "야 너 이름 뭐야 너 잘리고 싶어?"
SCRIPT = [
    "안녕하세요 고객님 무엇을 도와드릴까요",
    "카드가 왜 아직도 안 왔어요",
    "확인해 드리겠습니다",
    ABUSE,
    "고객님 진정하시고 말씀해 주세요",
    "됐어요",
    "네 고객님 감사합니다",
    "안녕히 계세요",
]


@pytest.fixture
def recorded_abuse(world, audio_factory):
    """call_a with a real stereo recording (the two-voice conversation) whose fourth turn is abuse."""
    path, turns = audio_factory.conversation("stereo")
    lines = [(t.speaker, round(t.start, 2), round(t.end, 2), text) for t, text in zip(turns, SCRIPT, strict=True)]
    recording = transcript_for(world.call_a, lines)
    with wave.open(str(path)) as w:
        recording.duration_seconds = w.getnframes() / w.getframerate()
    recording.save(update_fields=["duration_seconds"])
    target = Path(settings.MEDIA_ROOT) / recording.file.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, target)
    call_analyse(world.call_a.pk)
    flag = Flag.objects.get(call=world.call_a, category="abuse")
    return world.call_a, recording, flag, turns[3]


def _download(client, call):
    return client.get(reverse("calls:evidence", args=[call.pk]))


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_pack_holds_transcript_clip_and_checksums(client, world, recorded_abuse):
    call, recording, flag, turn = recorded_abuse
    client.force_login(world.supervisor_a)
    response = _download(client, call)
    assert f"abuse-evidence-call-{call.pk}-" in response["Content-Disposition"]
    pack = _zip(response)
    names = pack.namelist()
    clips = [n for n in names if n.startswith("audio/")]
    assert {"transcript.txt", "manifest.json", "SHA256SUMS.txt"} <= set(names) and len(clips) == 1
    manifest = json.loads(pack.read("manifest.json"))
    assert manifest["call"] == call.pk and manifest["flags"] == [flag.pk] and manifest["audio"] is True
    for entry in manifest["files"]:
        assert hashlib.sha256(pack.read(entry["name"])).hexdigest() == entry["sha256"]
    assert {e["name"] for e in manifest["files"]} == set(names) - {"manifest.json", "SHA256SUMS.txt"}
    sums = pack.read("SHA256SUMS.txt").decode()
    assert f"{hashlib.sha256(pack.read(clips[0])).hexdigest()}  {clips[0]}" in sums


def test_the_clip_is_the_moment_with_three_seconds_either_side(client, world, recorded_abuse):
    call, recording, flag, turn = recorded_abuse
    client.force_login(world.supervisor_a)
    pack = _zip(_download(client, call))
    clip = next(n for n in pack.namelist() if n.startswith("audio/"))
    with wave.open(io.BytesIO(pack.read(clip))) as w:
        seconds = w.getnframes() / w.getframerate()
        assert w.getnchannels() == 2 and w.getframerate() == 22050  # the file's own rate and channels
        frames = w.readframes(w.getnframes())
    expected = min(recording.duration_seconds, turn.end + 3) - max(0, turn.start - 3)
    assert abs(seconds - expected) < 0.05
    # and it is the moment: the same samples as cutting the original there
    # and it is the moment: the very samples of the original file from 3 s before the turn
    with wave.open(str(Path(settings.MEDIA_ROOT) / recording.file.name)) as original:
        original.setpos(round((flag.segment.start - 3) * original.getframerate()))
        assert original.readframes(len(frames) // 4) == frames


def test_the_transcript_is_korean_with_times_speakers_and_two_turns_of_context(client, world, recorded_abuse):
    call, recording, flag, turn = recorded_abuse
    client.force_login(world.supervisor_a)
    text = _zip(_download(client, call)).read("transcript.txt").decode("utf-8")
    start = int(turn.start)
    assert f"▶ [{start // 60:02d}:{start % 60:02d}] 고객: {ABUSE}" in text
    for line in SCRIPT[1:3] + SCRIPT[4:6]:  # two turns before and after
        assert line in text
    assert SCRIPT[0] not in text and SCRIPT[6] not in text
    assert f"#{call.pk}" in text and str(world.agent_a) in text and str(world.team_a) in text
    assert "Asia/Seoul" in text and "통화" in text and "상담원" in text


def test_the_transcript_shows_masked_numbers_as_on_screen(client, world, recorded_abuse):
    call, recording, flag, turn = recorded_abuse
    segment = flag.segment
    before = call.segments.get(start__lt=segment.start, index=segment.index - 1)
    before.text = "제 번호 010-1234-5678 로 연락 주세요"
    before.save()  # masked on save, as the pipeline stores it
    client.force_login(world.supervisor_a)
    text = _zip(_download(client, call)).read("transcript.txt").decode("utf-8")
    assert "010-1234-5678" not in text and "5678" not in text


def test_every_download_writes_an_access_log_row(client, world, recorded_abuse):
    call, *_ = recorded_abuse
    client.force_login(world.supervisor_a)
    response = _download(client, call)
    _download(client, call)
    rows = list(AccessLog.objects.filter(action="evidence_export").order_by("at", "id"))
    assert len(rows) == 2
    row = rows[0]
    assert row.call_id == call.pk and row.user_id == world.supervisor_a.pk and row.username == "supervisor_a"
    assert f"zip sha256 {hashlib.sha256(response.content).hexdigest()}" in row.detail  # which file was handed out
    assert "1 audio clips" in row.detail and row.target in response["Content-Disposition"]


@pytest.mark.parametrize(("name", "status"), [("agent_a", 403), ("trainer_a", 403), ("supervisor_b", 404)])
def test_agents_trainers_and_other_teams_cannot_download(client, world, recorded_abuse, name, status):
    call, *_ = recorded_abuse
    client.force_login(world.user(name))
    assert _download(client, call).status_code == status
    assert not AccessLog.objects.filter(action="evidence_export").exists()


def test_admin_may_download(client, world, recorded_abuse):
    call, *_ = recorded_abuse
    client.force_login(world.admin)
    assert _zip(_download(client, call)).namelist()


def test_a_call_without_audio_gives_the_transcript_only_and_says_so(client, world, recorded_abuse):
    call, recording, flag, turn = recorded_abuse
    (Path(settings.MEDIA_ROOT) / recording.file.name).unlink()
    recording.audio_deleted_at = recording.created_at
    recording.save(update_fields=["audio_deleted_at"])
    client.force_login(world.supervisor_a)
    pack = _zip(_download(client, call))
    assert not [n for n in pack.namelist() if n.startswith("audio/")]
    text = pack.read("transcript.txt").decode("utf-8")
    assert "녹취록만" in text and ABUSE in text
    assert json.loads(pack.read("manifest.json"))["audio"] is False


def test_a_dismissed_abuse_flag_is_no_evidence(client, world, recorded_abuse):
    call, recording, flag, turn = recorded_abuse
    flag_review(actor=world.supervisor_a, flag=flag, status="dismissed", reason="장난")
    client.force_login(world.supervisor_a)
    response = _download(client, call)
    assert response.status_code == 404 and "폭언" in response.content.decode()


def test_the_call_page_offers_the_pack_to_the_supervisor_not_the_agent(client, world, recorded_abuse):
    call, *_ = recorded_abuse
    url = reverse("calls:evidence", args=[call.pk])
    client.force_login(world.supervisor_a)
    assert url in client.get(reverse("calls:detail", args=[call.pk])).content.decode()
    client.force_login(world.agent_a)
    assert url not in client.get(reverse("calls:detail", args=[call.pk])).content.decode()


def test_cut_wav_seeks_into_compressed_audio_and_keeps_the_length(audio_factory):
    from speech.audio import cut_wav

    path, _turns = audio_factory.conversation("stereo")
    mp3 = audio_factory.convert(path, "mp3")
    data, seconds = cut_wav(mp3, start_s=5.0, end_s=9.5)
    with wave.open(io.BytesIO(data)) as w:
        assert abs(w.getnframes() / w.getframerate() - 4.5) < 0.01 and abs(seconds - 4.5) < 0.01
    with pytest.raises(ValueError):
        cut_wav(mp3, start_s=3.0, end_s=3.0)
