"""The review queue (검토 대기열): filters, scoping, one-by-one and bulk verdicts, the dashboard link."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.analysis import call_analyse
from calls.models import Flag
from calls.review import flags_review_bulk
from dashboards.selectors import abuse_incidents, dashboard_scope
from tests.factories import RUDE_CALL, CallFactory, transcript_for

QUEUE = reverse("dashboards:review_queue")
BULK = reverse("dashboards:review_queue_bulk")


@pytest.fixture
def team_b_call(world):
    transcript_for(world.call_b, RUDE_CALL)
    call_analyse(world.call_b.pk)
    return world.call_b


def _listed(response) -> list[Flag]:
    return [row.flag for row in response.context["rows"]]


def _agent_flags(call):
    return list(Flag.objects.filter(call=call, speaker="agent").exclude(category="abuse"))


def test_default_is_unreviewed_agent_flags_of_own_teams_newest_call_first(client, world, flagged_call, team_b_call):
    later = CallFactory(agent=world.agent_a2, started_at=timezone.now() - timedelta(minutes=5))
    transcript_for(later, RUDE_CALL)
    call_analyse(later.pk)
    client.force_login(world.supervisor_a)
    response = client.get(QUEUE)
    assert response.status_code == 200
    flags = _listed(response)
    assert flags and {f.call_id for f in flags} == {flagged_call.pk, later.pk}
    assert all(f.speaker == "agent" and f.category != "abuse" and f.review_status == "unreviewed" for f in flags)
    assert flags[0].call_id == later.pk  # newest call first
    assert [f.segment.start for f in flags if f.call_id == later.pk] == sorted(
        f.segment.start for f in flags if f.call_id == later.pk
    )  # in call order within a call


def test_other_teams_flags_are_never_listed(client, world, flagged_call, team_b_call):
    client.force_login(world.supervisor_b)
    flags = _listed(client.get(QUEUE, {"kind": "all", "review": "all"}))
    assert flags and {f.call_id for f in flags} == {team_b_call.pk}
    # asking for team A by id changes nothing: the choice is not offered, the form says so
    response = client.get(QUEUE, {"team": world.team_a.pk})
    assert response.status_code == 400 and not any(f.team_id == world.team_a.pk for f in _listed(response))


def test_trainer_of_the_team_uses_the_queue_and_agents_may_not(client, world, flagged_call, team_b_call):
    client.force_login(world.trainer_a)
    assert {f.call_id for f in _listed(client.get(QUEUE))} == {flagged_call.pk}
    client.force_login(world.agent_a)
    assert client.get(QUEUE).status_code == 403
    assert client.post(BULK, {"flags": [_agent_flags(flagged_call)[0].pk], "status": "confirmed"}).status_code == 403


def test_filters_kind_category_severity_review_agent_and_team(client, world, flagged_call, team_b_call):
    client.force_login(world.admin)
    abuse = _listed(client.get(QUEUE, {"kind": "abuse"}))
    assert abuse and all(f.category == "abuse" for f in abuse)
    everything = _listed(client.get(QUEUE, {"kind": "all", "review": "all"}))
    assert len(everything) == Flag.objects.count()
    one = _agent_flags(flagged_call)[0]
    by_category = _listed(client.get(QUEUE, {"category": one.category}))
    assert by_category and all(f.category == one.category for f in by_category)
    by_severity = _listed(client.get(QUEUE, {"kind": "all", "severity": "high"}))
    assert by_severity and all(f.severity == "high" for f in by_severity)
    flags_review_bulk(actor=world.admin, flag_ids=[one.pk], status="confirmed")
    assert [f.pk for f in _listed(client.get(QUEUE, {"review": "confirmed"}))] == [one.pk]
    assert one.pk not in {f.pk for f in _listed(client.get(QUEUE))}
    assert one.pk in {f.pk for f in _listed(client.get(QUEUE, {"review": "reviewed"}))}
    by_team = _listed(client.get(QUEUE, {"team": world.team_b.pk}))
    assert by_team and {f.team_id for f in by_team} == {world.team_b.pk}
    by_agent = _listed(client.get(QUEUE, {"agent": world.agent_b.pk}))
    assert by_agent and {f.agent_id for f in by_agent} == {world.agent_b.pk}


def test_date_range_is_whole_days_in_seoul(client, world, flagged_call):
    # 00:30 in Seoul on a day is still the previous day in UTC: it must count for its Seoul day.
    day = timezone.localdate() - timedelta(days=3)
    early = CallFactory(agent=world.agent_a2)
    early.started_at = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())) + timedelta(
        minutes=30
    )
    early.save()
    transcript_for(early, RUDE_CALL)
    call_analyse(early.pk)
    client.force_login(world.supervisor_a)
    on_the_day = _listed(client.get(QUEUE, {"started_from": day.isoformat(), "started_to": day.isoformat()}))
    assert on_the_day and {f.call_id for f in on_the_day} == {early.pk}
    day_before = (day - timedelta(days=1)).isoformat()
    assert not _listed(client.get(QUEUE, {"started_from": day_before, "started_to": day_before}))


def test_bad_filter_values_are_a_400_with_the_reason_and_the_rest_still_applies(client, world, flagged_call):
    client.force_login(world.supervisor_a)
    response = client.get(QUEUE, {"started_from": "어제", "severity": "huge"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"started_from", "severity"}
    assert "올바른 날짜를 입력하세요." in response.content.decode()
    assert _listed(response)  # the default view, the bad values left out


def test_each_row_shows_the_moment_with_the_turn_before_and_a_play_button(client, world, flagged_call):
    client.force_login(world.supervisor_a)
    response = client.get(QUEUE)
    row = next(r for r in response.context["rows"] if r.flag.excerpt in "그건 제 담당이 아닌데요")
    assert row.previous_text == RUDE_CALL[1][3] and row.previous_speaker in ("Customer", "고객")
    assert row.offset == "00:07" and row.has_audio
    page = response.content.decode()
    assert f'data-src="/api/recordings/{row.recording_id}/audio/"' in page and 'data-start="7.50"' in page
    assert f'href="{reverse("calls:detail", args=[flagged_call.pk])}#flag-{row.flag.pk}"' in page


def test_no_play_button_when_the_audio_was_deleted(client, world, flagged_call):
    flagged_call.recordings.update(audio_deleted_at=timezone.now())
    client.force_login(world.supervisor_a)
    response = client.get(QUEUE)
    assert not any(r.has_audio for r in response.context["rows"]) and "data-src=" not in response.content.decode()


def test_plain_form_verdict_comes_back_to_the_queue_at_the_next_flag(client, world, flagged_call):
    client.force_login(world.supervisor_a)
    response = client.get(QUEUE)
    first, second = response.context["rows"][0].flag, response.context["rows"][1].flag
    page = response.content.decode()
    assert f'name="next" value="{QUEUE}#row-{second.pk}"' in page
    answer = client.post(
        reverse("dashboards:flag_review", args=[first.pk]), {"status": "confirmed", "next": f"{QUEUE}#row-{second.pk}"}
    )
    assert answer.status_code == 302 and answer["Location"] == f"{QUEUE}#row-{second.pk}"
    first.refresh_from_db()
    assert first.review_status == "confirmed" and first.reviewed_by == world.supervisor_a


def test_script_verdict_answers_json_and_says_why_it_refused(client, world, flagged_call):
    flag = _agent_flags(flagged_call)[0]
    client.force_login(world.supervisor_a)
    url = reverse("dashboards:flag_review", args=[flag.pk])
    refused = client.post(url, {"status": "dismissed", "reason": " "}, headers={"Accept": "application/json"})
    assert refused.status_code == 400 and refused.json()["error"]
    flag.refresh_from_db()
    assert flag.review_status == "unreviewed"
    json_please = {"Accept": "application/json"}
    done = client.post(url, {"status": "dismissed", "reason": "맥락상 문제 없음"}, headers=json_please)
    assert done.status_code == 200
    assert done.json()["review_status"] == "dismissed" and done.json()["review_reason"] == "맥락상 문제 없음"
    client.force_login(world.supervisor_b)
    assert client.post(url, {"status": "confirmed"}, headers={"Accept": "application/json"}).status_code == 404


def test_bulk_confirm_reviews_own_flags_and_skips_other_teams_with_a_count(client, world, flagged_call, team_b_call):
    mine = _agent_flags(flagged_call)
    theirs = _agent_flags(team_b_call)[0]
    client.force_login(world.supervisor_a)
    response = client.post(
        BULK, {"flags": [f.pk for f in mine] + [theirs.pk, 999999], "status": "confirmed", "next": QUEUE}
    )
    assert response.status_code == 302 and response["Location"] == QUEUE
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    skipped = "플래그 2건은 삭제되었거나 검토 권한이 없어 건너뛰었습니다."
    assert notes == [f"플래그 {len(mine)}건을 확인했습니다.", skipped]
    for flag in mine:
        flag.refresh_from_db()
        assert flag.review_status == "confirmed" and flag.reviewed_by == world.supervisor_a and flag.reviewed_at
    theirs.refresh_from_db()
    assert theirs.review_status == "unreviewed" and theirs.reviewed_by is None


def test_bulk_dismiss_needs_a_reason_and_changes_nothing_without_one(client, world, flagged_call):
    mine = _agent_flags(flagged_call)
    client.force_login(world.supervisor_a)
    client.post(BULK, {"flags": [f.pk for f in mine], "status": "dismissed", "reason": ""})
    assert not Flag.objects.filter(pk__in=[f.pk for f in mine]).exclude(review_status="unreviewed").exists()
    client.post(BULK, {"flags": [f.pk for f in mine], "status": "dismissed", "reason": "음성 인식 오류"})
    assert set(Flag.objects.filter(pk__in=[f.pk for f in mine]).values_list("review_status", "review_reason")) == {
        ("dismissed", "음성 인식 오류")
    }


def test_bulk_with_a_bad_selection_changes_nothing(client, world, flagged_call):
    client.force_login(world.supervisor_a)
    response = client.post(BULK, {"flags": ["1", "abc"], "status": "confirmed"})
    assert response.status_code == 302
    assert not Flag.objects.exclude(review_status="unreviewed").exists()


def test_bulk_service_checks_every_flag_and_records_like_a_single_review(world, flagged_call, team_b_call):
    mine, theirs = _agent_flags(flagged_call), _agent_flags(team_b_call)
    result = flags_review_bulk(actor=world.trainer_a, flag_ids=[f.pk for f in mine + theirs], status="confirmed")
    assert result.reviewed == [f.pk for f in mine] and result.skipped == [f.pk for f in theirs]
    result = flags_review_bulk(actor=world.agent_a, flag_ids=[f.pk for f in mine], status="unreviewed")
    assert result.reviewed == [] and Flag.objects.filter(review_status="confirmed").count() == len(mine)


def test_queue_pages_cost_the_same_queries_however_many_rows(client, world, flagged_call):
    client.force_login(world.admin)
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE, {"kind": "all", "review": "all"})
    for _ in range(3):
        call = CallFactory(agent=world.agent_a2)
        transcript_for(call, RUDE_CALL)
        call_analyse(call.pk)
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE, {"kind": "all", "review": "all"})
    assert len(response.context["rows"]) > 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_dashboard_card_counts_what_the_queue_shows_and_links_with_team_and_dates(client, world, flagged_call):
    client.force_login(world.supervisor_a)
    params = {"team": world.team_a.pk, "started_from": "2020-01-01", "started_to": timezone.localdate().isoformat()}
    dashboard = client.get(reverse("dashboards:team"), params)
    link = dashboard.context["links"]["queue"]
    assert urlparse(link).path == QUEUE
    assert parse_qs(urlparse(link).query) == {k: [str(v)] for k, v in params.items()}
    assert f'href="{link.replace("&", "&amp;")}"' in dashboard.content.decode()
    queue = client.get(link)
    assert dashboard.context["to_review"] == queue.context["page"].paginator.count == len(_agent_flags(flagged_call))


def test_a_dismissed_abuse_flag_leaves_the_abuse_panel(world, flagged_call):
    scope = dashboard_scope(world.supervisor_a, {})
    abuse = abuse_incidents(scope)
    assert abuse
    flags_review_bulk(actor=world.supervisor_a, flag_ids=[f.pk for f in abuse], status="dismissed", reason="장난 전화")
    assert abuse_incidents(scope) == []
