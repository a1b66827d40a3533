"""Every date and time the API takes is plausible (2000–2099) or refused with a 400 naming the field,
and the schema describes the answers as they are (nullable names, unpaginated lists)."""

import importlib
import inspect
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from calls.models import Campaign, Notification
from coaching.models import Assignment, CoachingSession, Module
from mot_coach.dates import PlausibleDateField, PlausibleDateTimeField
from tests.factories import transcript_for

IMPLAUSIBLE = ["1688-03-18", "0297-01-26", "2100-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", IMPLAUSIBLE)
def test_a_call_started_in_an_implausible_year_is_refused(api, world, day):
    api.force_authenticate(world.agent_a)

    response = api.post(
        "/api/calls/",
        {"direction": "inbound", "outcome": "resolved", "started_at": f"{day}T01:45:59Z"},
        format="json",
    )

    assert response.status_code == 400
    assert "started_at" in response.json()


def test_a_patch_to_an_implausible_start_is_refused_and_nothing_changes(api, world):
    api.force_authenticate(world.agent_a)
    before = world.call_a.started_at

    response = api.patch(f"/api/calls/{world.call_a.pk}/", {"started_at": "1688-03-18T01:45:59Z"}, format="json")

    assert response.status_code == 400
    world.call_a.refresh_from_db()
    assert world.call_a.started_at == before


def test_a_recording_for_a_new_call_in_1688_is_refused(api, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api.force_authenticate(world.agent_a)
    upload = SimpleUploadedFile("call.wav", b"RIFF0000WAVE", content_type="audio/wav")

    response = api.post("/api/recordings/", {"file": upload, "started_at": "1688-03-18T01:45:59Z"}, format="multipart")

    assert response.status_code == 400
    assert "started_at" in response.json()


@pytest.mark.parametrize("param", ["started_from", "started_to"])
def test_a_call_filter_with_an_implausible_date_is_a_400(api, world, param):
    api.force_authenticate(world.supervisor_a)

    response = api.get("/api/calls/", {param: "1688-03-18"})

    assert response.status_code == 400
    assert param in response.json()


def test_plausible_filter_dates_still_filter(api, world):
    api.force_authenticate(world.supervisor_a)
    today = timezone.localdate(world.call_a.started_at).isoformat()

    response = api.get("/api/calls/", {"started_from": today, "started_to": today})

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {world.call_a.pk, world.call_a2.pk}


def test_a_notification_read_in_year_297_is_refused(api, world):
    note = Notification.objects.create(recipient=world.agent_a, kind="evaluation", message="평가")
    api.force_authenticate(world.agent_a)

    refused = api.patch(f"/api/notifications/{note.pk}/", {"read_at": "0297-01-26T12:46:43Z"}, format="json")
    accepted = api.patch(f"/api/notifications/{note.pk}/", {"read_at": "2026-01-26T12:46:43Z"}, format="json")

    assert refused.status_code == 400
    assert "read_at" in refused.json()
    assert accepted.status_code == 200
    assert accepted.json()["read_at"] == "2026-01-26T21:46:43+09:00"


def test_coaching_dates_are_checked(api, world):
    module = Module.objects.filter(is_active=True).first()
    assignment = Assignment.objects.create(
        module=module, agent=world.agent_a, assigned_by=world.trainer_a, due_date=timezone.localdate()
    )
    session = CoachingSession.objects.create(agent=world.agent_a, coach=world.trainer_a, held_on=timezone.localdate())
    api.force_authenticate(world.trainer_a)

    answers = {
        "assign": api.post(
            "/api/coaching/assignments/",
            {"module": module.pk, "agent": world.agent_a.pk, "due_date": "1688-03-18"},
            format="json",
        ),
        "due": api.patch(f"/api/coaching/assignments/{assignment.pk}/", {"due_date": "1688-03-18"}, format="json"),
        "held": api.post(
            "/api/coaching/sessions/", {"agent": world.agent_a.pk, "held_on": "0001-01-01"}, format="json"
        ),
        "follow": api.patch(f"/api/coaching/sessions/{session.pk}/", {"follow_up_on": "2100-01-01"}, format="json"),
    }

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 400)
    assert "due_date" in answers["assign"].json() and "follow_up_on" in answers["follow"].json()
    assignment.refresh_from_db()
    assert assignment.due_date == timezone.localdate()


def test_reanalysis_range_in_an_implausible_year_is_refused(api, world):
    api.force_authenticate(world.trainer_a)

    response = api.post("/api/rules/reanalyse/", {"date_from": "1688-01-01", "date_to": "2026-01-01"}, format="json")

    assert response.status_code == 400
    assert "date_from" in response.json()


def test_every_writable_date_field_of_the_api_checks_plausibility():
    """A guard for new serializers: a writable DRF date or date-time must be a Plausible one."""
    unchecked = []
    for module_name in (
        "calls.api.serializers",
        "calls.api.recordings",
        "calls.api.tone",
        "coaching.api",
        "dashboards.api",
        "accounts.api",
    ):
        module = importlib.import_module(module_name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, serializers.Serializer) or cls.__module__ != module_name:
                continue
            for name, field in cls().fields.items():
                plain = isinstance(field, serializers.DateField | serializers.DateTimeField)
                plausible = isinstance(field, PlausibleDateField | PlausibleDateTimeField)
                if plain and not field.read_only and not plausible:
                    unchecked.append(f"{cls.__name__}.{name}")
    assert unchecked == []


def test_campaign_name_is_null_without_a_campaign_and_present_in_patch_answers(api, world):
    api.force_authenticate(world.agent_a)

    without = api.patch(f"/api/calls/{world.call_a.pk}/", {"notes": "메모"}, format="json")
    campaign = Campaign.objects.create(name="카드 재발급")
    with_campaign = api.patch(f"/api/calls/{world.call_a.pk}/", {"campaign": campaign.pk}, format="json")

    assert without.status_code == 200 and without.json()["campaign_name"] is None
    assert with_campaign.json()["campaign_name"] == "카드 재발급"
    assert "team_name" in without.json()


def test_schema_types_names_as_nullable_and_transcripts_as_plain_lists(api, world):
    api.force_authenticate(world.supervisor_a)

    schema = api.get("/api/schema/?format=json").json()

    call = schema["components"]["schemas"]["Call"]["properties"]
    assert call["campaign_name"].get("nullable") is True
    for path in ("/api/recordings/{id}/segments/", "/api/rules/{id}/versions/"):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["type"] == "array", path
        assert "page" not in {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}


def test_segments_answer_a_plain_list_of_the_whole_transcript(api, world):
    lines = [("agent" if i % 2 else "customer", i * 2.0, i * 2.0 + 1.5, f"문장 {i}") for i in range(60)]
    recording = transcript_for(world.call_a, lines, status="done")
    api.force_authenticate(world.agent_a)

    response = api.get(f"/api/recordings/{recording.pk}/segments/")

    assert response.status_code == 200
    assert isinstance(response.json(), list) and len(response.json()) == 60  # more than one page of 50


def test_an_unknown_api_path_is_a_json_404(api, world):
    api.force_authenticate(world.agent_a)

    response = api.put("/api/rules/1.5/", {"code": "x"}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert api.get("/api/calls").status_code == 301  # a missing slash still redirects


def test_error_answers_are_declared(api, world):
    api.force_authenticate(world.supervisor_a)

    paths = api.get("/api/schema/?format=json").json()["paths"]

    assert set(paths["/api/calls/{id}/"]["patch"]["responses"]) >= {"200", "400", "401", "403", "404"}
    assert set(paths["/api/recordings/"]["post"]["responses"]) >= {"201", "400", "409", "413", "415"}
    assert set(paths["/api/auth/token/"]["post"]["responses"]) >= {"200", "400", "429"}
    assert "401" not in paths["/api/auth/token/"]["post"]["responses"]


def test_started_at_renders_in_seoul_time(api, world):
    api.force_authenticate(world.agent_a)
    started = (timezone.now() - timedelta(days=1)).replace(microsecond=0)

    response = api.patch(f"/api/calls/{world.call_a.pk}/", {"started_at": started.isoformat()}, format="json")

    assert response.json()["started_at"].endswith("+09:00")
