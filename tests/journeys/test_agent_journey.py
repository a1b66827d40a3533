"""The agent's day in Korean, end to end in Chromium: quick-log a call, upload a recording as a
new call and see it waiting on its call page, read a flagged call, practise the open coaching
assignment to completion, then quality evaluation: open the supervisor's evaluation of the call and
acknowledge it, dispute a flag with a reason, and read the supervisor's reply and decision. Fails
on console errors and on HTTP errors the journey did not ask for."""

import wave
from pathlib import Path

import numpy as np
import pytest
from django.template.defaultfilters import floatformat

from calls.models import Call, Flag, Recording
from calls.selectors import AGENT_FLAGS
from qa import services as qa_services
from qa.models import Dispute
from tests.browser import ARTIFACTS
from tests.journeys.conftest import heading, ko, messages, qa_evaluate, qa_scorecard

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

    # QA: the supervisor's evaluation of the flagged call, from "My evaluations", acknowledged.
    scorecard = qa_scorecard(world)
    comment = "담당이 아니라는 표현이 있었습니다. 거절의 기술 모듈을 참고해 주세요."
    evaluation = qa_evaluate(world.supervisor_a, call, scorecard, comment=comment)
    page.locator("nav").get_by_role("link", name=ko("My evaluations"), exact=True).click()
    page.wait_for_load_state()
    assert heading(page) == ko("My evaluations")
    row = page.locator("table.qa-table tbody tr", has_text=f"#{call.pk}")
    assert str(world.supervisor_a) in row.inner_text() and ko("Submitted") in row.inner_text()
    row.locator(f"a[href='/qa/evaluations/{evaluation.pk}/']").click()
    page.wait_for_load_state()
    assert heading(page).startswith(ko("Evaluation"))
    assert page.locator(".qa-big .score").inner_text() == floatformat(evaluation.score, "-1")
    assert comment in page.locator("main").inner_text()
    assert page.locator("input[type=radio]").count() == 0  # read-only for the agent
    box = page.locator("#disputes")
    assert ko("Acknowledge or dispute") in box.locator("h2").inner_text()
    box.get_by_role("button", name=ko("Acknowledge"), exact=True).click()
    page.wait_for_load_state()
    assert ko("Acknowledged.") in messages(page)
    assert ko("You acknowledged this evaluation.") in page.locator("#disputes").inner_text()
    evaluation.refresh_from_db()
    assert evaluation.acknowledged_at is not None

    # A flag the agent disagrees with: disputed with a reason from the call page.
    flag = Flag.objects.filter(AGENT_FLAGS, call=call).order_by("segment__start", "start").first()
    journey.go(page, f"/calls/{call.pk}/")
    own = page.locator("#qa .flag-row", has=page.locator(f"a[href='#flag-{flag.pk}']"))
    assert ko("My flags on this call") in page.locator("#qa").inner_text()
    own.locator("summary").click()
    reason = "다른 부서 문의라서 담당 부서 연결 번호를 안내했습니다."
    page.fill(f"#reason-{flag.pk}", reason)
    own.get_by_role("button", name=ko("Send dispute")).click()
    page.wait_for_load_state()
    assert ko("Dispute sent. Your supervisor will answer here.") in messages(page)
    dispute = Dispute.objects.get(flag=flag)
    assert page.url.endswith(f"/qa/disputes/{dispute.pk}/")
    assert ko("Open") in heading(page) and reason in page.locator("ol.thread").inner_text()

    # The supervisor answers in the thread and decides (through the services); the agent reads both.
    qa_services.dispute_reply(
        actor=world.supervisor_a, dispute=dispute, text="녹취를 확인했습니다. 안내는 있었지만 늦었습니다."
    )
    note = "연결 안내 전에 '담당이 아니다'라는 말이 먼저 나왔으므로 플래그는 유지합니다."
    qa_services.dispute_decide(actor=world.supervisor_a, dispute=dispute, outcome="upheld", note=note)
    page.reload()
    page.wait_for_load_state()
    assert ko("Upheld") in heading(page)
    assert "녹취를 확인했습니다." in page.locator("ol.thread li.msg-reviewer").inner_text()
    assert note in page.locator("dl.facts").inner_text() and page.locator("#text").count() == 0
    page.screenshot(path=str(ARTIFACTS / "journey-agent-dispute.png"), full_page=True)
    journey.go(page, f"/calls/{call.pk}/")
    assert ko("Upheld") in page.locator("#qa .flag-row", has=page.locator(f"a[href='#flag-{flag.pk}']")).inner_text()
