from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from dashboards.selectors import Scope
from qa import services
from qa.selectors import evaluation_scores
from tests.factories import CallFactory
from tests.qa.conftest import answer_all


def evaluate(world, call, accuracy: str):
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=call, scorecard=world.scorecard)
    answer_all(evaluation, world.supervisor_a, **{"정확한 안내": accuracy})
    return services.evaluation_submit(actor=world.supervisor_a, evaluation=evaluation)


def test_weeks_are_seoul_weeks_even_for_a_utc_evening_call(world, scorecard):
    world.scorecard = scorecard
    # Sunday 1 March 2026, 20:30 UTC is Monday 2 March, 05:30 in Seoul: the week of 2 March.
    monday_morning = CallFactory(agent=world.agent_a, started_at=datetime(2026, 3, 1, 20, 30, tzinfo=UTC))
    # Sunday 1 March, 14:00 UTC is Sunday 23:00 in Seoul: the week of 23 February.
    sunday_night = CallFactory(agent=world.agent_a, started_at=datetime(2026, 3, 1, 14, 0, tzinfo=UTC))
    evaluate(world, monday_morning, "5")  # 100
    evaluate(world, sunday_night, "1")  # (2 + 1 + 0 + 2) / 8 = 62.5
    scope = Scope(frozenset({world.team_a.pk}), date(2026, 2, 23), date(2026, 3, 8))
    weeks = {w["week"]: w["average"] for w in evaluation_scores(scope)["weeks"]}
    assert weeks == {date(2026, 2, 23): 62.5, date(2026, 3, 2): 100.0}
    # a range that starts on the Monday (Seoul) holds the UTC-Sunday-evening call only
    scores = evaluation_scores(Scope(frozenset({world.team_a.pk}), date(2026, 3, 2), date(2026, 3, 8)))
    assert scores["count"] == 1 and scores["average"] == 100.0


def test_averages_per_agent_and_scope(world, scorecard):
    world.scorecard = scorecard
    now = timezone.now() - timedelta(hours=2)
    for accuracy in ("5", "1"):
        evaluate(world, CallFactory(agent=world.agent_a, started_at=now), accuracy)
    evaluate(world, CallFactory(agent=world.agent_a2, started_at=now), "5")
    today = timezone.localdate()
    team = evaluation_scores(Scope(frozenset({world.team_a.pk}), today - timedelta(days=13), today))
    agents = {a["agent_id"]: (a["n"], a["average"]) for a in team["agents"]}
    assert agents == {world.agent_a.pk: (2, 81.2), world.agent_a2.pk: (1, 100.0)}
    assert team["average"] == 87.5 and team["count"] == 3
    mine = evaluation_scores(Scope(None, today - timedelta(days=13), today, agent_id=world.agent_a2.pk))
    assert mine["count"] == 1 and [a["agent_id"] for a in mine["agents"]] == [world.agent_a2.pk]
    other = evaluation_scores(Scope(frozenset({world.team_b.pk}), today - timedelta(days=13), today))
    assert other["count"] == 0 and other["average"] is None


def test_drafts_and_calibrations_do_not_count(world, scorecard):
    call = CallFactory(agent=world.agent_a)
    services.evaluation_start(actor=world.supervisor_a, call=call, scorecard=scorecard)
    calibration = services.calibration_create(
        actor=world.supervisor_a, call=call, scorecard=scorecard, participants=[world.supervisor_a, world.admin]
    )
    evaluation = services.evaluation_start(actor=world.admin, call=call, scorecard=scorecard, calibration=calibration)
    answer_all(evaluation, world.admin)
    services.evaluation_submit(actor=world.admin, evaluation=evaluation)
    today = timezone.localdate()
    assert evaluation_scores(Scope(None, today - timedelta(days=6), today))["count"] == 0


def test_two_queries_whatever_the_number_of_agents_and_weeks(world, scorecard, django_assert_num_queries):
    world.scorecard = scorecard
    for days in (1, 8, 15):
        for agent in (world.agent_a, world.agent_a2):
            evaluate(world, CallFactory(agent=agent, started_at=timezone.now() - timedelta(days=days)), "4")
    today = timezone.localdate()
    with django_assert_num_queries(2):
        evaluation_scores(Scope(frozenset({world.team_a.pk}), today - timedelta(days=89), today))


def test_the_dashboards_show_the_scores(client, world, scorecard):
    world.scorecard = scorecard
    evaluate(world, CallFactory(agent=world.agent_a, started_at=timezone.now() - timedelta(days=1)), "5")
    client.force_login(world.supervisor_a)
    page = client.get("/dashboards/").content.decode()
    assert 'id="qa-scores"' in page and "평가 1건 평균 100.0점" in page
    assert "대기 0 / 유지 0 / 번복 0" in page
    client.force_login(world.agent_a)
    page = client.get("/dashboards/me/").content.decode()
    assert 'id="qa-scores"' in page and "평균 100.0점" in page
    client.force_login(world.agent_a2)
    assert "이 기간에 평가 없음" in client.get("/dashboards/me/").content.decode()
