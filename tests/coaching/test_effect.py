"""Did it work: the targeted categories' rate before assignment versus after completion."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coaching.models import Assignment
from coaching.selectors import assignment_effect, effect_summaries

from .conftest import calls_for, flag_on


@pytest.fixture
def coached(world, refusing):
    """agent_a: assigned 40 days ago, completed 35 days ago; known calls and flags around it."""
    now = timezone.now()
    assignment = Assignment.objects.create(
        module=refusing,
        agent=world.agent_a,
        assigned_by=world.trainer_a,
        assigned_at=now - timedelta(days=40),
        due_date=(now - timedelta(days=36)).date(),
        completed_at=now - timedelta(days=35),
    )
    before = calls_for(world.agent_a, 10, days_ago=50)  # inside [assigned - 30d, assigned)
    for call in before[:3]:
        flag_on(call)  # counted: 3 dismissive flags
    flag_on(before[3], review_status="dismissed")  # not counted
    flag_on(before[4], category="banmal")  # not a category of this module
    flag_on(before[5], category="abuse", speaker="customer")  # the customer, not the agent
    calls_for(world.agent_a, 4, days_ago=75)  # before the window: not counted
    after = calls_for(world.agent_a, 8, days_ago=20)  # inside [completed, completed + 30d)
    flag_on(after[0])
    flag_on(calls_for(world.agent_a2, 1, days_ago=20)[0])  # another agent
    return assignment


def test_before_and_after_rates_on_constructed_data(coached):
    effect = assignment_effect(coached, days=30)
    assert (effect.before.flags, effect.before.calls) == (3, 10)
    assert effect.before.value == 30.0
    assert (effect.after.flags, effect.after.calls) == (1, 8)
    assert effect.after.value == 12.5
    assert effect.change == -17.5
    assert effect.before.too_few_calls and effect.after.too_few_calls  # n=10 and n=8 < 20
    assert not effect.after_partial  # completed + 30 days is in the past


def test_the_window_is_a_parameter(coached):
    effect = assignment_effect(coached, days=5)
    assert (effect.before.flags, effect.before.calls) == (0, 0)
    assert effect.before.value is None and effect.change is None


def test_an_open_assignment_has_no_after_rate_yet(coached):
    coached.completed_at = None
    effect = assignment_effect(coached, days=30)
    assert effect.after is None and effect.before.value == 30.0


def test_summaries_pool_per_module_and_per_agent_with_completion_and_overdue(coached, world, refusing):
    Assignment.objects.create(module=refusing, agent=world.agent_a2, due_date=timezone.localdate() - timedelta(days=1))
    by_module, by_agent = effect_summaries(Assignment.objects.order_by("id"), days=30)
    [module_row] = by_module
    assert (module_row.total, module_row.completed, module_row.overdue, module_row.measured) == (2, 1, 1, 1)
    assert module_row.before.value == 30.0 and module_row.after.value == 12.5
    rows = {row.key: row for row in by_agent}
    assert rows[world.agent_a.pk].completed == 1 and rows[world.agent_a2.pk].overdue == 1
    assert rows[world.agent_a2.pk].measured == 0
