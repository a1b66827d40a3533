"""Team and agent dashboards: figures, scoping, drill-down links and the landing page."""

import io
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from calls.analysis import call_analyse
from dashboards.export import AGENT_SIDE, COLUMNS
from dashboards.services import call_index
from tests.exports import csv_dicts
from tests.factories import RUDE_CALL, CallFactory, transcript_for


def test_home_lands_each_role_on_its_dashboard(client, world):
    client.force_login(world.supervisor_a)
    assert client.get("/")["Location"] == reverse("dashboards:team")
    client.force_login(world.agent_a)
    assert client.get("/")["Location"] == reverse("dashboards:agent")


def test_supervisor_dashboard_counts_own_team_only(client, world, flagged_call):
    client.force_login(world.supervisor_a)
    response = client.get(reverse("dashboards:team"))
    assert response.status_code == 200
    totals = response.context["totals"]
    assert totals["calls"] == 2 and totals["recorded"] == 1 and totals["analysed"] == 1 and totals["flagged"] == 1
    assert totals["abuse_calls"] == 1
    agents = {row["agent_id"]: row for row in response.context["agents"]}
    assert set(agents) == {world.agent_a.pk, world.agent_a2.pk}
    assert agents[world.agent_a.pk]["coverage"]["greeting"] == 100
    assert agents[world.agent_a.pk]["coverage"]["empathy"] == 0
    queue = response.context["queue"]
    assert queue and queue[0].severity == "high"
    page = response.content.decode()
    assert reverse("dashboards:search") + "?" in page and "category=dismissive" in page
    assert f"agent={world.agent_a.pk}" in page


def test_supervisor_of_other_team_sees_none_of_it(client, world, flagged_call):
    client.force_login(world.supervisor_b)
    response = client.get(reverse("dashboards:team"), {"team": world.team_a.pk})
    assert response.context["totals"]["calls"] == 1  # their own team's call only, the team param is ignored
    assert not response.context["queue"] and not response.context["abuse"]


def test_range_excludes_old_calls(client, world, flagged_call):
    CallFactory(agent=world.agent_a, started_at=timezone.now() - timedelta(days=200))
    client.force_login(world.admin)
    response = client.get(reverse("dashboards:team"))
    assert response.context["totals"]["calls"] == 3


def test_dashboard_queries_do_not_grow_with_calls(client, world, flagged_call):
    client.force_login(world.trainer_all)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("dashboards:team"))
    for _ in range(3):
        call = CallFactory(agent=world.agent_b)
        transcript_for(call, RUDE_CALL)
        call_analyse(call.pk)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("dashboards:team"))
    assert len(after) <= len(before)  # the review queue may stop early once high-severity flags fill it


def test_agent_dashboard_shows_own_progress_flags_and_suggestions(client, world, flagged_call):
    client.force_login(world.agent_a)
    response = client.get(reverse("dashboards:agent"))
    assert response.status_code == 200
    assert response.context["progress"].done == 1
    assert {f.agent_id for f in response.context["flags"]} == {world.agent_a.pk}
    assert all(c.agent_id == world.agent_a.pk for c in response.context["recent"])
    assert response.context["flags"][0].suggestion in response.content.decode()
    assert client.get(reverse("dashboards:team"))["Location"] == reverse("dashboards:agent")


def test_agent_dashboard_of_another_agent_shows_nothing_of_theirs(client, world, flagged_call):
    client.force_login(world.agent_a2)
    response = client.get(reverse("dashboards:agent"))
    assert not response.context["flags"] and response.context["totals"]["calls"] == 1


def test_search_finds_korean_inflections(client, world, flagged_call):
    client.force_login(world.supervisor_a)
    other = CallFactory(agent=world.agent_a2, started_at=timezone.now() - timedelta(hours=3))
    transcript_for(other, [("agent", 0.0, 2.0, "담당자는 지금 자리에 없습니다"), ("customer", 2.0, 3.0, "네")])
    call_index(other.pk)
    response = client.get(reverse("dashboards:search"), {"q": "담당"})
    assert [s.text for s in response.context["results"].rows] == [
        "그건 제 담당이 아닌데요",
        "담당자는 지금 자리에 없습니다",
    ]
    response = client.get(reverse("dashboards:search"), {"q": "담당이"})
    assert "그건 제 담당이 아닌데요" in [s.text for s in response.context["results"].rows]
    response = client.get(reverse("dashboards:search"), {"q": "담당자"})
    assert [s.text for s in response.context["results"].rows] == ["담당자는 지금 자리에 없습니다"]
    response = client.get(reverse("dashboards:search"), {"q": "말씀드려야"})
    assert [s.text for s in response.context["results"].rows] == ["몇 번을 말씀드려야 돼요?"]
    page = client.get(reverse("dashboards:search"), {"q": "담당"}).content.decode()
    assert "<mark>담당이</mark>" in page


def test_search_respects_scope_and_filters(client, world, flagged_call):
    client.force_login(world.supervisor_b)
    assert client.get(reverse("dashboards:search"), {"q": "담당"}).context["results"].rows == []
    client.force_login(world.agent_a2)
    assert client.get(reverse("dashboards:search"), {"q": "담당"}).context["results"].rows == []
    client.force_login(world.supervisor_a)
    rows = client.get(reverse("dashboards:search"), {"q": "담당", "category": "dismissive"}).context["results"].rows
    assert len(rows) == 1
    rows = client.get(reverse("dashboards:search"), {"q": "담당", "category": "abuse"}).context["results"].rows
    assert rows == []
    rows = client.get(reverse("dashboards:search"), {"q": "담당", "direction": "outbound"}).context["results"].rows
    assert rows == []
    flags = client.get(reverse("dashboards:search"), {"category": "abuse"}).context["results"]
    assert flags.mode == "flags" and {f.category for f in flags.rows} == {"abuse"}


def test_reindexing_a_call_twice_keeps_one_row_per_segment(world, flagged_call):
    from dashboards.models import SegmentIndex

    assert call_index(flagged_call.pk) == len(RUDE_CALL)
    assert SegmentIndex.objects.filter(call=flagged_call).count() == len(RUDE_CALL)


def test_export_csv_has_metrics_and_flags_within_scope(client, world, flagged_call):
    client.force_login(world.supervisor_a)
    response = client.get(reverse("dashboards:export"), {"format": "csv"})
    assert response.status_code == 200 and response.streaming
    rows = csv_dicts(response)
    assert {int(r["call_id"]) for r in rows} == {world.call_a.pk, world.call_a2.pk}
    row = next(r for r in rows if int(r["call_id"]) == world.call_a.pk)
    assert row["dead_air_total_seconds"] == "7.0" and int(row["agent_flags_dismissive"]) >= 1 and "담당" in row["flags"]
    # the customer's abuse is the customer's: its own column, never in the agent's count
    assert int(row["customer_abuse"]) >= 1
    assert int(row["agent_flag_count"]) == sum(int(row[f"agent_flags_{c}"]) for c in AGENT_SIDE)
    client.force_login(world.agent_a2)
    rows = csv_dicts(client.get(reverse("dashboards:export")))
    assert [int(r["call_id"]) for r in rows] == [world.call_a2.pk]


def test_export_xlsx(client, world, flagged_call):
    client.force_login(world.admin)
    response = client.get(reverse("dashboards:export"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == str(COLUMNS[0][1]) and len(rows) == 4


def test_search_reindex_command_indexes_missing_calls_only(world):
    from io import StringIO

    from django.core.management import call_command

    from dashboards.models import SegmentIndex

    transcript_for(world.call_a2, RUDE_CALL)
    out = StringIO()
    call_command("search_reindex", stdout=out)
    assert SegmentIndex.objects.filter(call=world.call_a2).count() == len(RUDE_CALL)
    call_command("search_reindex", stdout=out)
    assert "indexed 0 calls" in out.getvalue()


def test_a_customers_swearing_counts_on_no_screen_that_shows_an_agents_rate(client, world):
    """The customer swears and abuses; the agent is polite. Every rate, list and export says 0 for her."""
    from datetime import timedelta

    from django.utils import timezone

    from calls.models import Flag
    from coaching.selectors import agent_rate

    transcript_for(
        world.call_a,
        [
            ("agent", 0.0, 3.0, "안녕하십니까 고객님 무엇을 도와드릴까요"),
            ("customer", 3.5, 6.0, "씨발 이게 몇 번째야 니가 뭔데 안 된다 그래"),
            ("agent", 6.5, 9.0, "불편을 드려 죄송합니다 바로 확인해 드리겠습니다"),
        ],
    )
    call_analyse(world.call_a.pk)
    call_index(world.call_a.pk)
    customer_flags = Flag.objects.filter(call=world.call_a, speaker="customer")
    assert {"profanity", "abuse"} <= set(customer_flags.values_list("category", flat=True))
    assert not Flag.objects.filter(call=world.call_a, speaker="agent").exists()

    client.force_login(world.supervisor_a)
    team = client.get(reverse("dashboards:team")).context
    row = next(r for r in team["agents"] if r["agent_id"] == world.agent_a.pk)
    assert row["flags"] == 0 and row["per100"] == 0
    assert team["totals"]["flagged"] == 0
    assert sum(w["flags"] for w in team["weeks"]) == 0 and sum(w["abuse"] for w in team["weeks"]) >= 1
    by_category = {c["category"]: c["count"] for c in team["categories"]}
    assert by_category["profanity"] == 0 and by_category["abuse"] >= 1  # abuse shown as the customer's
    assert [f.speaker for f in team["abuse"]] and all(f.speaker == "customer" for f in team["abuse"])
    flagged = client.get(reverse("dashboards:search"), {"flagged": "1"}).context
    assert not list(flagged["results"].rows)

    client.force_login(world.agent_a)
    mine = client.get(reverse("dashboards:agent")).context
    assert list(mine["flags"]) == []  # "moments to improve": none of the customer's words
    now = timezone.now()
    assert agent_rate(world.agent_a, ["profanity"], now - timedelta(days=30), now + timedelta(hours=1)).flags == 0

    client.force_login(world.supervisor_a)
    export = client.get(reverse("dashboards:export"), {"format": "csv"})
    rows = csv_dicts(export)
    exported = next(r for r in rows if int(r["call_id"]) == world.call_a.pk)
    assert exported["agent_flag_count"] == "0" and exported["agent_flags_profanity"] == "0"
    assert int(exported["customer_profanity"]) >= 1 and int(exported["customer_abuse"]) >= 1


def test_a_dismissed_abuse_flag_leaves_the_abuse_panel(client, world, flagged_call):
    from calls.models import Flag

    client.force_login(world.supervisor_a)
    assert client.get(reverse("dashboards:team")).context["abuse"]
    Flag.objects.filter(call=flagged_call, category="abuse").update(review_status="dismissed")
    assert client.get(reverse("dashboards:team")).context["abuse"] == []
