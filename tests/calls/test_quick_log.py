"""The agent's quick-log page: log a call in seconds, see today's progress and recent calls."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Call


@pytest.fixture
def agent_client(client, world):
    client.force_login(world.agent_a)
    return client


def test_quick_log_with_only_the_defaults_logs_a_call_now(agent_client, world):
    page = agent_client.get(reverse("calls:quick_log"))
    assert page.status_code == 200
    response = agent_client.post(reverse("calls:quick_log"), {"direction": "outbound", "outcome": "no_answer"})
    assert response.status_code == 302
    call = Call.objects.latest("id")
    assert call.agent == world.agent_a and call.team == world.team_a and call.outcome == "no_answer"
    assert abs((call.started_at - timezone.now()).total_seconds()) < 60


def test_duration_accepts_minutes_and_seconds(agent_client):
    agent_client.post(
        reverse("calls:quick_log"),
        {"direction": "inbound", "outcome": "resolved", "duration_seconds": "3:25", "customer_phone": "010 2222 3333"},
    )
    call = Call.objects.latest("id")
    assert call.duration_seconds == 205 and call.customer_phone == "01022223333"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"direction": "inbound", "outcome": "resolved", "duration_seconds": "-3"}, "duration_seconds"),
        ({"direction": "inbound", "outcome": "resolved", "duration_seconds": "3:75"}, "duration_seconds"),
        ({"direction": "inbound", "outcome": "teleported"}, "outcome"),
        ({"outcome": "resolved"}, "direction"),
        (
            {
                "direction": "inbound",
                "outcome": "resolved",
                "started_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            },
            "started_at",
        ),
    ],
)
def test_quick_log_shows_the_error_and_logs_nothing(agent_client, data, field):
    count = Call.objects.count()
    response = agent_client.post(reverse("calls:quick_log"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert Call.objects.count() == count


def test_progress_counts_todays_calls_against_the_target(agent_client, world):
    world.agent_a.daily_call_target = 4
    world.agent_a.save()
    response = agent_client.get(reverse("calls:quick_log"))
    progress = response.context["progress"]
    assert (progress.done, progress.target, progress.remaining) == (1, 4, 3)
    assert "010-****-5678" in response.content.decode()


def test_trainer_cannot_open_quick_log(client, world):
    client.force_login(world.trainer_a)
    assert client.get(reverse("calls:quick_log")).status_code == 403


def test_web_detail_of_another_teams_call_is_404(client, world):
    client.force_login(world.supervisor_b)
    assert client.get(reverse("calls:detail", args=[world.call_a.pk])).status_code == 404
    assert client.post(reverse("calls:delete", args=[world.call_a.pk])).status_code == 404
    assert Call.objects.filter(pk=world.call_a.pk).exists()


def test_only_the_owner_sees_the_full_phone_in_the_edit_form(client, world):
    client.force_login(world.agent_a)
    own = client.get(reverse("calls:edit", args=[world.call_a.pk])).content.decode()
    assert "01012345678" in own
    client.force_login(world.supervisor_a)
    theirs = client.get(reverse("calls:edit", args=[world.call_a.pk])).content.decode()
    assert "01012345678" not in theirs and "010-****-5678" in theirs


def test_supervisor_edit_with_empty_phone_keeps_the_number(client, world):
    client.force_login(world.supervisor_a)
    form = {
        "agent": world.agent_a.pk,
        "direction": "inbound",
        "outcome": "complaint",
        "customer_phone": "",
        "duration_seconds": "3:00",
        "started_at": timezone.localtime(world.call_a.started_at).strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post(reverse("calls:edit", args=[world.call_a.pk]), form)
    assert response.status_code == 302
    world.call_a.refresh_from_db()
    assert world.call_a.outcome == "complaint" and world.call_a.customer_phone == "01012345678"


def test_pages_render_in_korean_by_default_and_english_on_request(client, world):
    client.force_login(world.agent_a)
    korean = client.get(reverse("calls:list")).content.decode()
    assert "통화" in korean
    client.cookies.load({"django_language": "en"})
    english = client.get(reverse("calls:list")).content.decode()
    assert "Calls" in english
