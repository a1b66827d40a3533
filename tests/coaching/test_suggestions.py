"""Suggestions: a module is suggested when an agent's flag rate reaches the threshold."""

import pytest

from calls.models import CallAnalysis
from coaching.models import Assignment, Suggestion, SuggestionStatus, TeamCoachingSettings
from coaching.services import coaching_suggestions_refresh, suggestion_approve, suggestion_ignore

from .conftest import calls_for, flag_on


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.COACHING_SUGGESTION_RATE = 5.0
    settings.COACHING_SUGGESTION_DAYS = 30


def _agent_with(world, calls: int, flags: int, category: str = "dismissive"):
    # world.call_a (an hour ago) is one of the agent's analysed calls in the window.
    CallAnalysis.objects.create(call=world.call_a, analysed_at=world.call_a.started_at)
    made = [world.call_a] + calls_for(world.agent_a, calls - 1, days_ago=3)
    for call in made[:flags]:
        flag_on(call, category=category)
    return world.agent_a


def test_just_below_the_threshold_suggests_nothing(world, refusing):
    _agent_with(world, calls=21, flags=1)  # 4.76 per 100 calls
    assert coaching_suggestions_refresh() == []
    assert not Suggestion.objects.exists()


def test_just_above_the_threshold_suggests_the_matching_module_with_evidence(world, refusing):
    _agent_with(world, calls=19, flags=1)  # 5.26 per 100 calls
    [suggestion] = coaching_suggestions_refresh()
    assert suggestion.agent == world.agent_a and suggestion.module == refusing
    assert suggestion.category == "dismissive" and suggestion.status == SuggestionStatus.OPEN
    assert (suggestion.flag_count, suggestion.call_count) == (1, 19)
    assert suggestion.rate == pytest.approx(100 / 19)
    assert suggestion.example_flags.count() == 1
    assert not Assignment.objects.exists()  # suggested, never silently assigned


def test_exactly_at_the_threshold_counts_as_reaching_it(world, refusing):
    _agent_with(world, calls=20, flags=1)
    assert len(coaching_suggestions_refresh()) == 1


def test_dismissed_flags_and_old_calls_do_not_count(world, refusing):
    agent = _agent_with(world, calls=10, flags=0)
    flag_on(world.call_a, review_status="dismissed")
    for call in calls_for(agent, 3, days_ago=45):
        flag_on(call)
    assert coaching_suggestions_refresh() == []


def test_refreshing_twice_keeps_one_open_suggestion_and_updates_its_evidence(world, refusing):
    _agent_with(world, calls=10, flags=1)
    first = coaching_suggestions_refresh()
    flag_on(calls_for(world.agent_a, 1, days_ago=1)[0])
    second = coaching_suggestions_refresh()
    assert Suggestion.objects.count() == 1 and first[0].pk == second[0].pk
    assert (second[0].flag_count, second[0].call_count) == (2, 11)


def test_approving_creates_the_assignment_with_the_evidence_linked(world, refusing):
    _agent_with(world, calls=10, flags=2)
    [suggestion] = coaching_suggestions_refresh()
    assignment = suggestion_approve(actor=world.trainer_a, suggestion=suggestion)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.APPROVED and suggestion.assignment == assignment
    assert assignment.agent == world.agent_a and assignment.module == refusing
    assert assignment.assigned_by == world.trainer_a and assignment.flags.count() == 2
    assert coaching_suggestions_refresh() == []  # already being coached on it


def test_ignoring_keeps_it_from_coming_back_within_the_period(world, refusing):
    _agent_with(world, calls=10, flags=2)
    [suggestion] = coaching_suggestions_refresh()
    suggestion_ignore(actor=world.trainer_a, suggestion=suggestion)
    assert coaching_suggestions_refresh() == []
    assert Suggestion.objects.get().status == SuggestionStatus.IGNORED


def test_a_team_that_opted_in_gets_the_assignment_automatically(world, refusing):
    TeamCoachingSettings.objects.create(team=world.team_a, auto_assign=True)
    _agent_with(world, calls=10, flags=2)
    [suggestion] = coaching_suggestions_refresh()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.AUTO_ASSIGNED
    assignment = Assignment.objects.get(agent=world.agent_a)
    assert assignment.assigned_by is None and assignment.module == refusing


def test_the_management_command_runs_the_refresh(world, refusing):
    from io import StringIO

    from django.core.management import call_command

    _agent_with(world, calls=10, flags=2)
    out = StringIO()
    call_command("coaching_suggest", stdout=out)
    assert "1" in out.getvalue() and Suggestion.objects.count() == 1


def test_the_celery_task_runs_the_refresh(world, refusing):
    from coaching.tasks import coaching_suggestions_refresh_task

    _agent_with(world, calls=10, flags=2)
    assert coaching_suggestions_refresh_task() == 1
