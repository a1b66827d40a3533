"""End to end in headless Chromium: supervisor reviews a flagged call with real audio; agent scoping.

Run with: .venv/bin/python -m pytest tests/dashboards -m browser -p no:cacheprovider
Screenshots go to test-artifacts/ (git-ignored).
"""

import io
import wave
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from calls.analysis import call_analyse
from calls.models import Flag, Segment, Transcript
from dashboards.services import call_index
from tests.browser import ARTIFACTS, chromium
from tests.calls.test_analysis import RUDE_CALL

# serialized_rollback: the live server needs committed rows, and the flush after the test must
# give back the starter rulebook (a data migration) to the tests that follow.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _wav(seconds: float = 25.0, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    left = 0.3 * np.sin(2 * np.pi * 220 * t)
    right = 0.05 * np.random.default_rng(1).standard_normal(t.size)
    frames = (np.stack([left, right], axis=1) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


@pytest.fixture
def audio_call(world, monkeypatch):
    """call_a with a real WAV uploaded through the service, a transcript and its analysis."""
    from calls import recordings

    monkeypatch.setattr(recordings, "pipeline_enqueue", lambda recording_id: None)  # no worker here
    upload = SimpleUploadedFile("call.wav", _wav(), content_type="audio/wav")
    recording = recordings.recording_create(actor=world.agent_a, call=world.call_a, upload=upload)
    transcript = Transcript.objects.create(recording=recording, model_name="test")
    Segment.objects.bulk_create(
        Segment(transcript=transcript, call=world.call_a, index=i, speaker=s, start=a, end=b, text=text)
        for i, (s, a, b, text) in enumerate(RUDE_CALL)
    )
    recording.status = "done"
    recording.save(update_fields=["status"])
    call_analyse(world.call_a.pk)
    call_index(world.call_a.pk)
    return world.call_a


@pytest.fixture
def server(request):
    """pytest-django's live_server (recordings are still served only by the permission-checked API)."""
    return request.getfixturevalue("live_server")


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests")
    page.click("form [type=submit]")
    page.wait_for_load_state()


def test_supervisor_reviews_a_flagged_call_and_agent_sees_only_own_calls(server, browser, world, audio_call):
    base = server.url
    flag = Flag.objects.get(call=audio_call, category="dismissive")
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    _login(page, base, "supervisor_a")
    page.goto(base + "/")
    assert page.url.endswith("/dashboards/")
    assert page.locator("#review-queue").is_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard-supervisor.png"), full_page=True)

    page.locator(f"#review-queue a[href*='/calls/{audio_call.pk}/']").first.click()
    page.wait_for_load_state()
    page.wait_for_function("document.querySelector('.recording audio').readyState >= 1")
    page.locator(f"#flag-{flag.pk} button.seek").click()
    page.wait_for_function("document.querySelector('.recording audio').currentTime >= 7.4")
    position = page.evaluate("document.querySelector('.recording audio').currentTime")
    assert 7.4 <= position < 12
    assert "playing" in page.locator(f"#segment-{flag.segment_id}").get_attribute("class")
    page.screenshot(path=str(ARTIFACTS / "call-page-flag.png"), full_page=True)

    page.fill(f"#reason-{flag.pk}", "고객 요청에 따른 안내")
    page.locator(f"#flag-{flag.pk} .dismiss-form button").click()
    page.wait_for_load_state()
    flag.refresh_from_db()
    assert flag.review_status == "dismissed" and flag.reviewed_by == world.supervisor_a

    page.goto(base + "/dashboards/")
    with page.expect_download() as download:
        page.click("[data-role=export-csv]")
    path = download.value.path()
    content = Path(path).read_text(encoding="utf-8-sig")
    # Headers are labels in the browser's language (Accept-Language): the first is the call's id.
    assert content.split(",")[0] in ("Call ID", "통화 번호") and f"\n{audio_call.pk}," in content
    context.close()

    agent = browser.new_context(viewport={"width": 1280, "height": 900})
    page = agent.new_page()
    _login(page, base, "agent_a")
    page.goto(base + "/calls/")
    assert page.locator(f"a[href='/calls/{world.call_a.pk}/']").count() == 1
    assert page.locator(f"a[href='/calls/{world.call_a2.pk}/']").count() == 0
    assert page.locator(f"a[href='/calls/{world.call_b.pk}/']").count() == 0
    page.goto(base + f"/calls/{world.call_a2.pk}/")
    assert (
        "404" in page.title()
        or page.locator("text=Not Found").count()
        or page.url.endswith(f"/calls/{world.call_a2.pk}/")
    )
    page.goto(base + "/dashboards/me/")
    page.screenshot(path=str(ARTIFACTS / "dashboard-agent.png"), full_page=True)
    agent.close()
