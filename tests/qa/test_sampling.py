from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from qa import services
from qa.models import QueueItem, SamplingRule
from qa.selectors import queue_for
from qa.tasks import qa_sampling_weekly
from tests.factories import CallFactory
from tests.qa.conftest import analyse, seoul

MONDAY = date(2026, 3, 2)


def calls_in_week(agent, n, *, analysed=True):
    calls = [CallFactory(agent=agent, started_at=seoul(2026, 3, 2 + i % 7, 10, i)) for i in range(n)]
    for call in calls:
        if analysed:
            analyse(call, checklist={"greeting": "found"})
    return calls


def rule(world, scorecard, team, kind=SamplingRule.Kind.RANDOM_PER_AGENT, count=2, evaluator=None):
    return services.sampling_rule_create(
        actor=world.admin, team=team, kind=kind, scorecard=scorecard, count=count, evaluator=evaluator
    )


def test_n_random_analysed_calls_per_agent_and_rerunning_adds_nothing(world, scorecard):
    calls_in_week(world.agent_a, 5)
    calls_in_week(world.agent_a2, 1)
    calls_in_week(world.agent_a2, 3, analysed=False)
    rule(world, scorecard, world.team_a)
    assert services.sampling_run(week=MONDAY) == 3
    picked = set(QueueItem.objects.values_list("call_id", flat=True))
    assert services.sampling_run(week=MONDAY + timedelta(days=3)) == 0  # same week, any day of it
    assert set(QueueItem.objects.values_list("call_id", flat=True)) == picked
    per_agent = {a: QueueItem.objects.filter(agent=a).count() for a in (world.agent_a, world.agent_a2)}
    assert per_agent == {world.agent_a: 2, world.agent_a2: 1}


def test_sampling_tops_up_when_calls_arrive_later_in_the_week(world, scorecard):
    calls_in_week(world.agent_a, 1)
    rule(world, scorecard, world.team_a)
    assert services.sampling_run(week=MONDAY) == 1
    calls_in_week(world.agent_a, 3)
    assert services.sampling_run(week=MONDAY) == 1
    assert services.sampling_run(week=MONDAY) == 0


def test_a_rule_samples_only_its_own_teams_calls(world, scorecard):
    calls_in_week(world.agent_a, 3)
    b_calls = calls_in_week(world.agent_b, 3)
    rule(world, scorecard, world.team_b, count=5)
    services.sampling_run(week=MONDAY)
    assert set(QueueItem.objects.values_list("call_id", flat=True)) == {c.pk for c in b_calls}
    assert not queue_for(world.supervisor_a).exists() and not queue_for(world.trainer_a).exists()
    assert queue_for(world.supervisor_b).count() == 3
    assert not queue_for(world.agent_b).exists()


def test_high_severity_rule_takes_every_call_with_a_high_agent_flag_only(world, scorecard):
    high, customer, medium = (CallFactory(agent=world.agent_a, started_at=seoul(2026, 3, 3, 10)) for _ in range(3))
    analyse(high, checklist={}, flags=[("agent", "blame", "high")])
    analyse(customer, checklist={}, flags=[("customer", "abuse", "high"), ("customer", "profanity", "high")])
    analyse(medium, checklist={}, flags=[("agent", "blame", "medium")])
    rule(world, scorecard, world.team_a, kind=SamplingRule.Kind.HIGH_SEVERITY)
    services.sampling_run(week=MONDAY)
    services.sampling_run(week=MONDAY)
    assert list(QueueItem.objects.values_list("call_id", flat=True)) == [high.pk]


def test_weeks_are_seoul_weeks(world, scorecard):
    # Sunday 23:30 in Seoul is Sunday 14:30 UTC; Monday 00:30 in Seoul is still Sunday in UTC.
    sunday = CallFactory(agent=world.agent_a, started_at=seoul(2026, 3, 8, 23, 30))
    monday = CallFactory(agent=world.agent_a, started_at=seoul(2026, 3, 9, 0, 30))
    for call in (sunday, monday):
        analyse(call, checklist={})
    rule(world, scorecard, world.team_a, count=5)
    services.sampling_run(week=MONDAY)
    assert list(QueueItem.objects.values_list("call_id", flat=True)) == [sunday.pk]
    services.sampling_run(week=date(2026, 3, 9))
    assert QueueItem.objects.get(call=monday).week == date(2026, 3, 9)


def test_an_evaluated_call_is_not_sampled_again(world, scorecard):
    (call,) = calls_in_week(world.agent_a, 1)
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=call, scorecard=scorecard)
    from tests.qa.conftest import answer_all

    answer_all(evaluation, world.supervisor_a)
    services.evaluation_submit(actor=world.supervisor_a, evaluation=evaluation)
    rule(world, scorecard, world.team_a)
    assert services.sampling_run(week=MONDAY) == 0


@pytest.mark.parametrize("assigned", [True, False])
def test_submitting_clears_the_queue_item(world, scorecard, assigned):
    (call,) = calls_in_week(world.agent_a, 1)
    rule(world, scorecard, world.team_a, evaluator=world.supervisor_a if assigned else None)
    services.sampling_run(week=MONDAY)
    assert queue_for(world.supervisor_a).count() == 1
    assert queue_for(world.trainer_a).exists() is not assigned  # an assigned call is the supervisor's
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=call, scorecard=scorecard)
    from tests.qa.conftest import answer_all

    answer_all(evaluation, world.supervisor_a)
    services.evaluation_submit(actor=world.supervisor_a, evaluation=evaluation)
    assert not queue_for(world.supervisor_a).exists() and not queue_for(world.trainer_a).exists()


def test_only_evaluators_of_the_team_set_up_sampling(world, scorecard):
    for actor in (world.agent_a, world.supervisor_b):
        with pytest.raises(PermissionDenied):
            services.sampling_rule_create(
                actor=actor, team=world.team_a, kind=SamplingRule.Kind.RANDOM_PER_AGENT, scorecard=scorecard
            )


def test_the_beat_task_samples_last_week(world, scorecard, settings):
    from django.utils import timezone

    this_monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    last_week = CallFactory(
        agent=world.agent_a, started_at=seoul(*(this_monday - timedelta(days=4)).timetuple()[:3], 11)
    )
    analyse(last_week, checklist={})
    rule(world, scorecard, world.team_a)
    assert qa_sampling_weekly() == 1
    assert qa_sampling_weekly() == 0
    assert "qa-sampling" in settings.CELERY_BEAT_SCHEDULE


def test_sample_now_page_fills_the_queue(client, world, scorecard):
    calls_in_week(world.agent_a, 2)
    rule(world, scorecard, world.team_a)
    client.force_login(world.supervisor_a)
    from unittest import mock

    with mock.patch("qa.views.timezone.localdate", return_value=MONDAY):
        response = client.post("/qa/sampling/", {"action": "run"})
    assert response.status_code == 302
    assert QueueItem.objects.count() == 2
    page = client.get("/qa/")
    assert page.status_code == 200 and "평가 대기" in page.content.decode()
