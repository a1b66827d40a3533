"""Chart labels and the dashboards' defaults, as seen in the browser: category labels overlapped,
weekly axis labels ran together, 90 days showed nine empty weeks for a month of data, "most
improved" showed "1. —", dates were not zero-padded, agents had both "내 통화" and "통화"."""

import re
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from dashboards import charts
from dashboards.selectors import DEFAULT_DAYS, dashboard_scope
from tests.factories import CallFactory


def _labels(svg: str) -> list[list[str]]:
    """The axis labels of a chart, each as its lines (tspans), in order."""
    found = []
    for text in re.findall(r'<text class="axis-label"[^>]*>(.*?)</text>', svg):
        parts = re.findall(r"<tspan[^>]*>(.*?)</tspan>", text)
        found.append(parts or [text] if text else [])
    return found


def _rows(labels):
    return [{"label": label, "value": i + 1, "url": "#"} for i, label in enumerate(labels)]


def test_category_bar_labels_fit_their_bar_slot_without_overlapping():
    labels = ["무성의한 응대", "고객 책임 전가", "빈정거림 또는 비꼬기", "반말", "욕설·비속어", "고객 폭언·위협"]
    svg = str(charts.bar_chart(_rows(labels), value="value", label="label"))
    slot = (480 - 30) / len(labels)
    shown = _labels(svg)
    assert len(shown) == len(labels)  # every category keeps its label
    for lines in shown:
        assert 1 <= len(lines) <= 2
        assert all(charts.text_width(line) <= slot - 6 for line in lines), lines
    assert "빈정거림 또는 비꼬기" in svg  # the whole label stays in the tooltip


def test_weekly_axis_labels_are_thinned_so_they_never_run_together():
    weeks = [(date(2024, 1, 1) + timedelta(weeks=i)).strftime("%m-%d") for i in range(13)]
    svg = str(charts.bar_chart(_rows(weeks), value="value", label="label", thin_labels=True))
    xs = [float(x) for x in re.findall(r'<tspan x="([\d.]+)" dy="0">\d\d-\d\d</tspan>', svg)]
    assert 2 <= len(xs) < 13
    width = charts.text_width("01-01")
    assert all(b - a >= width for a, b in zip(xs, xs[1:], strict=False))


def test_line_chart_axis_labels_keep_their_distance():
    weeks = [(date(2024, 1, 1) + timedelta(weeks=i)).strftime("%m-%d") for i in range(30)]
    rows = [{"label": w, "v": 1, "url": "#"} for w in weeks]
    svg = str(charts.line_chart(rows, series=[("v", "line")], label="label"))
    xs = [float(x) for x in re.findall(r'<text class="axis-label" x="([\d.]+)"', svg)]
    assert len(xs) >= 2
    assert all(b - a >= charts.text_width("01-01") for a, b in zip(xs, xs[1:], strict=False))


def test_dashboard_week_labels_are_zero_padded_month_day(client, world):
    client.force_login(world.supervisor_a)
    page = client.get(reverse("dashboards:team"), {"started_from": "2024-01-01", "started_to": "2024-03-31"})
    labels = [line for lines in _labels(str(page.context["calls_chart"])) for line in lines]
    assert labels and all(re.fullmatch(r"\d\d-\d\d", label) for label in labels)
    assert "01-01" in labels


def test_default_range_starts_at_the_first_call_not_ninety_days_back(world, rf):
    today = timezone.localdate()
    first = timezone.now() - timedelta(days=29)
    CallFactory(agent=world.agent_a, started_at=first)
    scope = dashboard_scope(world.supervisor_a, {})
    assert scope.date_from == timezone.localdate(first) and scope.date_to == today
    # An explicit start is kept, and data older than the default window does not stretch it.
    assert dashboard_scope(world.supervisor_a, {"started_from": "2024-01-01"}).date_from == date(2024, 1, 1)
    CallFactory(agent=world.agent_a, started_at=timezone.now() - timedelta(days=400))
    assert dashboard_scope(world.supervisor_a, {}).date_from == today - timedelta(days=DEFAULT_DAYS - 1)


def test_most_improved_shows_a_korean_empty_state_not_a_numbered_dash(client, world):
    client.force_login(world.supervisor_a)
    page = client.get(reverse("dashboards:team")).content.decode()
    assert '<li class="muted">—</li>' not in page
    with override("ko"):
        message = gettext("No improvement to show yet: it compares the first and the second half of the period.")
    assert re.search("[가-힣]", message) and message in page
    assert page.count('class="muted empty-state"') == 2


def test_dates_are_zero_padded_on_the_pages(client, world):
    from calls.models import Call

    Call.objects.filter(pk=world.call_a.pk).update(started_at=timezone.make_aware(timezone.datetime(2025, 3, 5, 9, 7)))
    client.force_login(world.agent_a)
    page = client.get(reverse("calls:list")).content.decode()
    assert "2025-03-05 09:07" in page
    assert "2025-3-5" not in page


def test_agents_have_one_calls_entry_in_the_navigation(client, world):
    client.force_login(world.agent_a)
    nav = re.search(r'<nav class="mainnav".*?</nav>', client.get(reverse("dashboards:agent")).content.decode(), re.S)
    links = re.findall(r'href="([^"]+)"', nav.group(0))
    assert reverse("dashboards:agent") in links and reverse("calls:list") not in links
    client.force_login(world.supervisor_a)
    nav = re.search(r'<nav class="mainnav".*?</nav>', client.get(reverse("dashboards:team")).content.decode(), re.S)
    assert reverse("calls:list") in re.findall(r'href="([^"]+)"', nav.group(0))
