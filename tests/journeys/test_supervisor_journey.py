"""The supervisor's round in Korean, end to end in Chromium: the review queue (a verdict by
keyboard, a dismissal with a reason, a bulk verdict), the abuse notification from the bell to its
moment, and the dashboard's XLSX export with Korean headers. Fails on console errors and on HTTP
errors the journey did not ask for."""

import openpyxl
import pytest
from django.utils import translation

from calls.models import Flag, Notification
from tests.browser import ARTIFACTS
from tests.journeys.conftest import heading, ko, messages

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
