"""The agent's day in Korean, end to end in Chromium: quick-log a call, upload a recording as a
new call and see it waiting on its call page, read a flagged call, practise the open coaching
assignment to completion. Fails on console errors and on HTTP errors the journey did not ask for."""

import wave
from pathlib import Path

import numpy as np
import pytest

from calls.models import Call, Recording
from tests.browser import ARTIFACTS
from tests.journeys.conftest import heading, ko, messages

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _wav(path: Path, seconds: float = 3.0, rate: int = 16000) -> Path:
    """A small real stereo WAV: a tone on the agent's channel, quiet noise on the customer's."""
    t = np.arange(int(seconds * rate)) / rate
    left = 0.3 * np.sin(2 * np.pi * 220 * t)
    right = 0.02 * np.random.default_rng(1).standard_normal(t.size)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.stack([left, right], axis=1) * 32767).astype("<i2").tobytes())
    return path


def test_agent_logs_uploads_reads_a_flagged_call_and_practises(journey, journey_world, tmp_path):
    world = journey_world.world
    page, guard = journey.page("agent_a")
    assert page.url.endswith("/dashboards/me/")

    # Quick-log: a call in seconds, then it is in today's list.
    journey.go(page, "/calls/log/")
    assert heading(page) == ko("Log a call")
    page.fill("#id_customer_name", "박서준")
    page.fill("#id_duration_seconds", "2:40")
    page.fill("#id_purpose", "요금 문의")
    page.get_by_role("button", name=ko("Save call")).click()
    page.wait_for_load_state()
    assert ko("Call logged.") in messages(page)
    assert "박서준" in page.locator("section", has_text=ko("Recent calls")).inner_text()
    logged = Call.objects.get(customer_name="박서준")
    assert logged.agent == world.agent_a and logged.duration_seconds == 160 and logged.purpose == "요금 문의"

    # Upload: a real WAV becomes a new call with the customer and start time given on the page.
    journey.go(page, "/calls/upload/")
    assert heading(page) == ko("Upload recordings")
    assert ko("Drop recordings here") in page.locator("#dropzone").inner_text()
    page.fill("#id_customer_name", "최지우")
    page.fill("#id_started_at", "2025-03-04T09:15")
    page.set_input_files("#file-input", str(_wav(tmp_path / "상담-0304.wav")))
    row = page.locator("#upload-list li.ok")
    row.wait_for()
    assert ko("Uploaded — processing") in row.inner_text() and ko("Open call") in row.inner_text()
    recording = Recording.objects.get(original_filename="상담-0304.wav")
    uploaded = recording.call
    assert uploaded.customer_name == "최지우" and uploaded.agent == world.agent_a
    assert uploaded.started_at.isoformat().startswith("2025-03-04T00:15")  # 09:15 in Seoul
    row.locator("a").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/calls/{uploaded.pk}/")
    assert heading(page).startswith(ko("Call"))
    recordings = page.locator("#recordings")
    assert "상담-0304.wav" in recordings.inner_text()
    assert recordings.locator("[data-role=status]").inner_text() == ko("Queued")  # no worker in this test
    assert "최지우" in page.locator("dl.facts").inner_text()
    page.screenshot(path=str(ARTIFACTS / "journey-agent-upload.png"))

    # The analysed call: the flag names its category in Korean and says what to try instead.
    call = journey_world.brush_off_call
    journey.go(page, f"/calls/{call.pk}/")
    flags = page.locator("#flags")
    assert ko("Flags") in flags.locator("h2").inner_text()
    assert "그건 제 담당이 아닌데요" in page.locator("#transcript").inner_text()
    assert flags.locator(".cat-chip", has_text=ko("Dismissive")).count() >= 1
    assert ko("Try") in flags.inner_text()
    assert page.locator(".review-actions").count() == 0  # agents do not review their own flags
    page.screenshot(path=str(ARTIFACTS / "journey-agent-call.png"), full_page=True)

    # Practice: the open assignment, every line answered until it passes, then completed.
    assignment = journey_world.open_assignment
    journey.go(page, "/coaching/")
    assert heading(page) == ko("My coaching")
    page.locator(f"a[href='/coaching/assignments/{assignment.pk}/']").first.click()
    page.wait_for_load_state()
    assert heading(page).startswith(assignment.module.title)
    assert ko("Practice") in page.locator("#practice h2").inner_text()
    items = list(assignment.module.practice_items.order_by("order", "id"))
    first = items[0]
    page.fill(f"#reply-{first.pk}", "고객님이 잘못 입력하신 거예요")  # the very habit the module is about
    page.locator(f"#practice-{first.pk} button").click()
    page.locator(f"#practice-{first.pk} .coaching-fail").wait_for()
    assert ko("Not yet") in page.locator(f"#practice-{first.pk} .coaching-result").inner_text()
    for item in items:
        page.fill(f"#reply-{item.pk}", item.model_answer)
        with page.expect_navigation():  # a pass reloads the page so the complete button can appear
            page.locator(f"#practice-{item.pk} button").click()
        page.wait_for_load_state()
        assert ko("Passed") in page.locator(f"#practice-{item.pk}").inner_text()
    page.get_by_role("button", name=ko("Mark complete")).click()
    page.wait_for_load_state()
    assert ko("Assignment completed.") in messages(page)
    assert ko("Completed") in page.locator(".page-head").inner_text()
    page.screenshot(path=str(ARTIFACTS / "journey-agent-practice.png"), full_page=True)
    assignment.refresh_from_db()
    assert assignment.completed_at is not None
