"""Regressions from the browser: Enter on an untouched quick-log form saved a blank 0:00 call that
counted toward the daily target; a 1999 date and a date far ahead must be refused in Korean."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Call


@pytest.fixture
def agent_client(client, world):
    client.force_login(world.agent_a)
    return client


def _post(client, **data):
    count = Call.objects.count()
    response = client.post(reverse("calls:quick_log"), data)
    return response, Call.objects.count() - count


def test_quick_log_blank_form_is_refused_not_saved_as_a_zero_call(agent_client, world):
    # What the browser posts on Enter in the untouched form: the preselected direction and outcome.
    response, created = _post(agent_client, direction="outbound", outcome="resolved", duration_seconds="")
    assert response.status_code == 200 and created == 0
    [error] = response.context["form"].errors["duration_seconds"]
    assert "0:00" in error and "통화" in error
    assert agent_client.get(reverse("calls:quick_log")).context["progress"].done == 1  # world's call only


def test_quick_log_zero_duration_is_refused_unless_nobody_answered(agent_client):
    _response, created = _post(agent_client, direction="outbound", outcome="resolved", duration_seconds="0:00")
    assert created == 0
    _response, created = _post(agent_client, direction="outbound", outcome="no_answer", duration_seconds="0:00")
    assert created == 1


def test_quick_log_1999_date_is_refused_in_korean(agent_client):
    response, created = _post(
        agent_client, direction="inbound", outcome="resolved", duration_seconds="2:00", started_at="1999-05-01T10:00"
    )
    assert response.status_code == 200 and created == 0
    assert "2000년" in " ".join(response.context["form"].errors["started_at"])
    assert 'role="alert"' in response.content.decode()


def test_quick_log_start_an_hour_ahead_is_refused_a_few_minutes_ahead_is_not(agent_client):
    ahead = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response, created = _post(
        agent_client, direction="inbound", outcome="resolved", duration_seconds="2:00", started_at=ahead
    )
    assert created == 0 and "미래" in " ".join(response.context["form"].errors["started_at"])
    soon = (timezone.localtime() + timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M")
    _response, created = _post(
        agent_client, direction="inbound", outcome="resolved", duration_seconds="2:00", started_at=soon
    )
    assert created == 1


def test_editing_an_old_zero_length_call_is_not_blocked_by_the_new_rule(client, world):
    Call.objects.filter(pk=world.call_a.pk).update(duration_seconds=0, outcome="resolved")
    client.force_login(world.agent_a)
    form = client.get(reverse("calls:edit", args=[world.call_a.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "agent"}
    data.update(
        started_at=timezone.localtime(world.call_a.started_at).strftime("%Y-%m-%dT%H:%M"),
        duration_seconds="0",
        notes="메모",
        campaign="",
    )
    response = client.post(reverse("calls:edit", args=[world.call_a.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
