"""Bad input to the call API and the quick-log form gets a clear error and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Call


@pytest.fixture
def agent_api(api, world):
    api.force_authenticate(world.agent_a)
    return api


BAD_BODIES = {
    "missing direction": ({"outcome": "resolved"}, "direction"),
    "missing outcome": ({"direction": "inbound"}, "outcome"),
    "unknown outcome": ({"direction": "inbound", "outcome": "exploded"}, "outcome"),
    "unknown direction": ({"direction": "sideways", "outcome": "resolved"}, "direction"),
    "negative duration": ({"direction": "inbound", "outcome": "resolved", "duration_seconds": -5}, "duration_seconds"),
    "duration over a day": (
        {"direction": "inbound", "outcome": "resolved", "duration_seconds": 90000},
        "duration_seconds",
    ),
    "duration not a number": (
        {"direction": "inbound", "outcome": "resolved", "duration_seconds": "long"},
        "duration_seconds",
    ),
    "start two days ahead": (
        {"direction": "inbound", "outcome": "resolved", "started_at": (timezone.now() + timedelta(days=2)).isoformat()},
        "started_at",
    ),
    "start not a date": ({"direction": "inbound", "outcome": "resolved", "started_at": "yesterday-ish"}, "started_at"),
    "phone of letters": (
        {"direction": "inbound", "outcome": "resolved", "customer_phone": "call me"},
        "customer_phone",
    ),
    "unknown campaign": ({"direction": "inbound", "outcome": "resolved", "campaign": 999999}, "campaign"),
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_call_body_is_rejected_with_the_field_named(agent_api, name):
    body, field = BAD_BODIES[name]
    count = Call.objects.count()
    response = agent_api.post("/api/calls/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Call.objects.count() == count


def test_malformed_json_is_a_400(agent_api):
    response = agent_api.generic("POST", "/api/calls/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_a_start_a_few_minutes_ahead_is_accepted(agent_api):
    started = timezone.now() + timedelta(minutes=10)
    response = agent_api.post(
        "/api/calls/", {"direction": "inbound", "outcome": "resolved", "started_at": started.isoformat()}, format="json"
    )
    assert response.status_code == 201


def test_patch_with_a_bad_value_keeps_the_call_as_it_was(agent_api, world):
    response = agent_api.patch(f"/api/calls/{world.call_a.pk}/", {"duration_seconds": -1, "notes": "x"}, format="json")
    assert response.status_code == 400
    world.call_a.refresh_from_db()
    assert world.call_a.duration_seconds == 180 and world.call_a.notes == ""


def test_patch_without_a_start_keeps_the_start(agent_api, world):
    started = world.call_a.started_at
    response = agent_api.patch(f"/api/calls/{world.call_a.pk}/", {"notes": "고객 재통화 요청"}, format="json")
    assert response.status_code == 200
    world.call_a.refresh_from_db()
    assert world.call_a.started_at == started and world.call_a.notes == "고객 재통화 요청"


def test_phone_is_masked_in_api_reads_and_never_returned_whole(agent_api, world):
    response = agent_api.get(f"/api/calls/{world.call_a.pk}/")
    body = response.json()
    assert body["customer_phone_masked"] == "010-****-5678"
    assert "01012345678" not in response.content.decode()


def test_filters_by_date_range_direction_and_outcome(api, world):
    from tests.factories import CallFactory

    old = CallFactory(
        agent=world.agent_a, started_at=timezone.now() - timedelta(days=10), direction="outbound", outcome="no_answer"
    )
    api.force_authenticate(world.supervisor_a)
    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    recent = {row["id"] for row in api.get("/api/calls/", {"started_from": since}).json()["results"]}
    assert old.pk not in recent and world.call_a.pk in recent
    outbound = {row["id"] for row in api.get("/api/calls/", {"direction": "outbound"}).json()["results"]}
    assert outbound == {old.pk}
    by_outcome = api.get("/api/calls/", {"outcome": ["no_answer", "complaint"]}).json()["results"]
    assert [row["id"] for row in by_outcome] == [old.pk]
    assert api.get("/api/calls/", {"outcome": "exploded"}).status_code == 400
    ordered = api.get("/api/calls/", {"ordering": "started_at"}).json()["results"]
    assert ordered[0]["id"] == old.pk
    by_agent = api.get("/api/calls/", {"agent": world.agent_a2.pk}).json()["results"]
    assert [row["id"] for row in by_agent] == [world.call_a2.pk]


def test_filtering_by_an_agent_outside_your_scope_is_refused(api, world):
    api.force_authenticate(world.supervisor_a)
    response = api.get("/api/calls/", {"agent": world.agent_b.pk})
    assert response.status_code == 400
