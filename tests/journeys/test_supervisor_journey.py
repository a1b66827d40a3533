"""The supervisor's round in Korean, end to end in Chromium: the review queue (a verdict by
keyboard, a dismissal with a reason, a bulk verdict), the abuse notification from the bell to its
moment, the dashboard's XLSX export with Korean headers, then quality evaluation: a sampled call
from 평가 대기 scored on the scorecard (the analysis' answers shown, one changed), and an agent's
flag dispute answered in its thread and overturned, so the agent's flag count drops. Fails on
console errors and on HTTP errors the journey did not ask for."""

import openpyxl
import pytest
from django.template.defaultfilters import floatformat
from django.utils import timezone, translation

from calls.models import Flag, Notification
from calls.selectors import AGENT_FLAGS
from qa import services as qa_services
from qa.models import Dispute, Evaluation, SamplingRule
from tests.browser import ARTIFACTS
from tests.journeys.conftest import HANGUL, heading, ko, messages, qa_scorecard

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _display(flag: Flag, status: str) -> str:
    flag.review_status = status
    with translation.override("ko"):
        return str(flag.get_review_status_display())


def test_supervisor_reviews_the_queue_follows_the_abuse_alert_and_exports(journey, journey_world):
    world = journey_world.world
    abuse_call = journey_world.abuse_call
    [alert] = Notification.objects.filter(recipient=world.supervisor_a, kind="abuse")
    page, guard = journey.page("supervisor_a")
    assert page.url.endswith("/dashboards/") and heading(page) == ko("Team dashboard")
    assert page.locator("[data-role=bell] [data-role=unread-count]").inner_text() == "1"

    # Review queue: the newest flags first; a verdict by keyboard, saved without a reload.
    page.locator("#review-queue").get_by_role("link", name=ko("Open the review queue")).click()
    page.wait_for_load_state()
    assert heading(page).startswith(ko("Review queue"))
    rows = page.locator("li.queue-item")
    assert rows.count() >= 3
    first, second = (int(rows.nth(i).get_attribute("data-flag")) for i in range(2))
    page.evaluate("window.__sameDocument = true")
    page.keyboard.press("c")  # the first item has the focus
    page.locator(f"#row-{first}[data-status=confirmed]").wait_for()
    flag = Flag.objects.get(pk=first)
    assert flag.review_status == "confirmed" and flag.reviewed_by == world.supervisor_a
    assert page.locator(f"#row-{first} [data-role=state]").inner_text() == _display(flag, "confirmed")

    # The focus moved on to the next open flag. A dismissal needs a reason; with one, it is
    # saved in place too.
    assert page.evaluate("document.activeElement.id") == f"row-{second}"
    page.fill(f"#reason-{second}", "고객 요청에 따른 안내")
    page.locator(f"#row-{second} [data-role=dismiss]").click()
    page.locator(f"#row-{second}[data-status=dismissed]").wait_for()
    assert page.evaluate("window.__sameDocument") is True
    assert "고객 요청에 따른 안내" in page.locator(f"#row-{second} [data-role=reviewed]").inner_text()
    assert Flag.objects.get(pk=second).review_reason == "고객 요청에 따른 안내"

    # Bulk: the next two selected with x, confirmed together.
    third, fourth = (int(rows.nth(i).get_attribute("data-flag")) for i in (2, 3))
    assert page.evaluate("document.activeElement.id") == f"row-{third}"
    for key in ("x", "j", "x"):
        page.keyboard.press(key)
    assert "2" in page.locator("[data-role=selected-count]").inner_text()
    page.get_by_role("button", name=ko("Confirm selected")).click()
    page.wait_for_load_state()
    assert messages(page) and "2" in messages(page)
    assert set(Flag.objects.filter(pk__in=[third, fourth]).values_list("review_status", flat=True)) == {"confirmed"}
    page.screenshot(path=str(ARTIFACTS / "journey-supervisor-queue.png"))

    # Notifications: the bell leads to the abuse alert, and the alert to its moment on the call.
    page.locator("[data-role=bell]").click()
    page.wait_for_load_state()
    assert heading(page).startswith(ko("Notifications"))
    note = page.locator(f"#note-{alert.pk}")
    assert ko("Customer abuse") in note.locator(".note-kind").inner_text()
    assert f"#{abuse_call.pk}" in note.inner_text() and ko("Unread") in note.inner_text()
    assert note.locator("[data-role=evidence]").inner_text() == ko("Evidence pack (ZIP)")
    page.screenshot(path=str(ARTIFACTS / "journey-supervisor-notifications.png"))
    note.get_by_role("link", name=ko("Go there")).click()
    page.wait_for_load_state()
    assert f"/calls/{abuse_call.pk}/#flag-" in page.url
    assert page.locator("#flags .cat-chip", has_text=ko("Abuse of the agent")).count() >= 1
    with page.expect_download() as pack:
        page.locator("#flags [data-role=evidence]").click()
    assert pack.value.suggested_filename.endswith(".zip")
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert page.locator("[data-role=bell] [data-role=unread-count]").count() == 0

    # Export: the dashboard's XLSX, with the headers in Korean and this team's calls in it.
    journey.go(page, "/dashboards/")
    with page.expect_download() as download:
        page.locator("[data-role=export-xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as data:  # the download's own path has no .xlsx
        table = [list(row) for row in openpyxl.load_workbook(data, read_only=True).active.iter_rows(values_only=True)]
    header = table[0]
    assert header[0] == ko("Call ID") and ko("Agent") in header and ko("Started at (Seoul)") in header
    exported = {row[0] for row in table[1:]}
    assert {journey_world.brush_off_call.pk, abuse_call.pk} <= exported
    assert world.call_b.pk not in exported  # another team's call

    # QA: this week's sample of the team (one analysed call per agent) waits in 평가 대기.
    scorecard = qa_scorecard(world)
    rule = qa_services.sampling_rule_create(
        actor=world.supervisor_a, team=world.team_a, kind="random_per_agent", count=1, scorecard=scorecard
    )
    week = timezone.localdate(journey_world.brush_off_call.started_at)
    assert qa_services.sampling_run(week=week, rules=SamplingRule.objects.filter(pk=rule.pk)) == 1
    page.locator("nav").get_by_role("link", name=ko("Evaluate"), exact=True).click()
    page.wait_for_load_state()
    assert heading(page) == ko("Waiting for evaluation")
    sampled = page.locator("table.qa-table tbody tr")
    assert sampled.count() == 1 and ko("Random sample (%(n)s per agent per week)", n=1) in sampled.inner_text()
    sampled.get_by_role("button", name=ko("Evaluate")).click()
    page.wait_for_load_state()
    evaluation = Evaluation.objects.get(evaluator=world.supervisor_a)
    assert page.url.endswith(f"/qa/evaluations/{evaluation.pk}/") and heading(page).startswith(ko("Evaluation"))
    # The analysis answered what it can; the evaluator sees it, overrules one and answers the rest.
    answers = {a.criterion.text: a for a in evaluation.answers.select_related("criterion")}
    auto = [a for a in answers.values() if a.auto_value]
    assert len(auto) >= 4 and page.locator(".auto-hint").count() == len(auto)
    assert ko("Analysis suggests") in page.locator(".auto-hint").first.inner_text()
    changed = next(a for a in auto if a.auto_value in ("yes", "no") and not a.criterion.is_fail)
    flipped = "no" if changed.auto_value == "yes" else "yes"
    page.check(f"input[name=value_{changed.criterion_id}][value={flipped}]")
    page.check(f"input[name=value_{answers['필요한 경우 본인 확인 절차를 지켰다'].criterion_id}][value=yes]")
    page.check(f"input[name=value_{answers['안내 내용이 정확하고 이해하기 쉬웠다'].criterion_id}][value='4']")
    page.fill("textarea[name=comment]", "대안 안내가 좋았습니다. 되묻기는 조금 더 분명하게 해 주세요.")
    page.get_by_role("button", name=ko("Submit"), exact=True).click()
    page.wait_for_load_state()
    assert ko("Evaluation submitted.") in messages(page)
    evaluation.refresh_from_db()
    assert evaluation.is_submitted and evaluation.answers.get(pk=changed.pk).value == flipped
    assert page.locator(".qa-big .score").inner_text() == floatformat(evaluation.score, "-1")
    assert ko("analysis suggested") in page.locator("li.criterion", has_text=changed.criterion.text).inner_text()
    page.screenshot(path=str(ARTIFACTS / "journey-supervisor-evaluation.png"), full_page=True)
    journey.go(page, "/qa/")
    assert ko("Nothing waiting. Sampling rules fill this queue every week.") in page.locator("body").inner_text()

    # Later the agent disputes a flag: 평가 대기 says a dispute waits; the supervisor answers in its
    # thread, then overturns it, and the flag no longer counts on the team dashboard.
    flag = Flag.objects.filter(AGENT_FLAGS, agent=world.agent_a).order_by("-call_started_at", "id").first()
    dispute = qa_services.dispute_create(
        actor=world.agent_a, flag=flag, reason="고객님 요청대로 담당 부서를 안내했습니다."
    )
    journey.go(page, "/dashboards/")
    agent_row = page.locator("#agents tbody tr", has_text=str(world.agent_a))
    flags_before = int(agent_row.locator("td").nth(3).inner_text())
    journey.go(page, "/qa/")
    notice = page.locator("p.notice a[href='/qa/disputes/?status=open']")
    assert "1" in notice.inner_text() and HANGUL.search(notice.inner_text())
    notice.click()
    page.wait_for_load_state()
    page.locator(f"a[href='/qa/disputes/{dispute.pk}/']").first.click()
    page.wait_for_load_state()
    assert heading(page).startswith(ko("Dispute")) and ko("Open") in heading(page)
    assert "고객님 요청대로 담당 부서를 안내했습니다." in page.locator("ol.thread").inner_text()
    page.fill("#text", "녹취를 다시 들었습니다. 연결 안내가 있었네요.")
    page.get_by_role("button", name=ko("Send"), exact=True).click()
    page.wait_for_load_state()
    assert "녹취를 다시 들었습니다." in page.locator("ol.thread li.msg-reviewer").inner_text()
    page.fill("#note", "담당 부서 연결을 안내했으므로 회피 응대가 아닙니다.")
    page.get_by_role("button", name=ko("Overturn: dismiss the flag")).click()
    page.wait_for_load_state()
    assert ko("Decision saved.") in messages(page)
    dispute.refresh_from_db()
    flag.refresh_from_db()
    assert dispute.status == "overturned" and flag.review_status == "dismissed"
    assert ko("Overturned") in heading(page)
    assert page.locator("#text").count() == 0  # the thread is closed
    page.screenshot(path=str(ARTIFACTS / "journey-supervisor-dispute.png"), full_page=True)
    journey.go(page, "/dashboards/")
    assert int(agent_row.locator("td").nth(3).inner_text()) == flags_before - 1
    assert (
        ko("disputes: %(o)s open / %(u)s upheld / %(v)s overturned", o=0, u=0, v=1)
        in page.locator(".dispute-counts").first.inner_text()
    )
    assert Dispute.objects.filter(status="open").count() == 0
