"""A new coaching assignment tells its agent: once per agent, linked to the assignment's page (where
they practise), with the module, the due date and who assigned it; changing it tells nothing."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from calls.models import Notification
from coaching.models import Assignment, Suggestion, SuggestionStatus, TeamCoachingSettings
from coaching.services import (
    assignment_complete,
    assignment_delete,
    assignment_update,
    assignments_create,
    coaching_suggestions_refresh,
    default_due_date,
    suggestion_approve,
)
from tests.roles import client_for

from .conftest import calls_for, flag_on

ASSIGNMENT = Notification.Kind.ASSIGNMENT
BELL = 'data-role="unread-count">'


def _notes(user=None):
    notes = Notification.objects.filter(kind=ASSIGNMENT).order_by("id")
    return list(notes if user is None else notes.filter(recipient=user))


def _bell(client, user) -> str:
    client.force_login(user)
    page = client.get(reverse("coaching:inbox")).content.decode()
    return page.split(BELL, 1)[1].split("<", 1)[0] if BELL in page else "0"


def test_an_assignment_tells_the_agent_with_a_link_they_can_open(client, world, refusing):
    assert _bell(client, world.agent_a) == "0"
    (assignment,) = assignments_create(
        actor=world.trainer_a, module=refusing, agents=[world.agent_a], due_date=date(2030, 3, 5)
    )
    (note,) = _notes()
    assert note.recipient == world.agent_a and note.call is None
    assert note.params == {"module": "거절의 기술", "due": "2030-03-05", "actor": str(world.trainer_a)}
    assert note.link == reverse("coaching:assignment_detail", args=[assignment.pk])
    with translation.override("en"):
        assert note.text == f"{world.trainer_a} assigned you the coaching module “거절의 기술”, due 2030-03-05."
    with translation.override("ko"):
        assert note.text == f"{world.trainer_a} 님이 코칭 모듈 “거절의 기술”을(를) 배정했습니다. 마감일: 2030-03-05."
    assert _bell(client, world.agent_a) == "1"
    opened = client.get(reverse("calls:notification_open", args=[note.pk]))
    assert opened.status_code == 302 and opened["Location"] == note.link
    page = client.get(note.link)
    assert page.status_code == 200 and page.context["can_practise"]
    assert _bell(client, world.agent_a) == "0"
    # the link is the agent's alone: a colleague cannot open it
    client.force_login(world.agent_a2)
    assert client.get(note.link).status_code == 404


def test_assigning_a_team_and_agents_in_it_tells_each_agent_once(world, refusing):
    created = assignments_create(
        actor=world.supervisor_a,
        module=refusing,
        agents=[world.agent_a, world.agent_a],
        team=world.team_a,
        due_date=date(2030, 1, 1),
    )
    assert len(created) == 2
    notes = _notes()
    assert sorted(n.recipient_id for n in notes) == sorted([world.agent_a.pk, world.agent_a2.pk])
    links = {n.recipient_id: n.link for n in notes}
    for assignment in created:
        assert links[assignment.agent_id] == assignment.get_absolute_url()
    assert all(n.params["actor"] == str(world.supervisor_a) for n in notes)


def test_assigning_through_the_api_tells_every_agent_of_the_team(api, world, refusing):
    body = {"module": refusing.pk, "team": world.team_a.pk, "due_date": "2030-01-01"}
    response = client_for(api, world, "trainer_a").post("/api/coaching/assignments/", body, format="json")
    assert response.status_code == 201
    assert sorted(n.recipient_id for n in _notes()) == sorted([world.agent_a.pk, world.agent_a2.pk])


def test_assigning_on_the_web_page_tells_the_agent(client, world, refusing):
    flag = flag_on(world.call_a)
    client.force_login(world.trainer_a)
    response = client.post(
        reverse("coaching:assign"),
        {"module": refusing.pk, "agent": world.agent_a.pk, "due_date": "2030-01-01", "flags": str(flag.pk)},
    )
    assert response.status_code == 302, response.content
    (note,) = _notes(world.agent_a)
    assert response["Location"] == note.link


def test_changing_completing_or_removing_an_assignment_tells_nothing_more(api, world, refusing):
    (assignment,) = assignments_create(
        actor=world.trainer_a, module=refusing, agents=[world.agent_a], due_date=date(2030, 1, 1)
    )
    assignment_update(actor=world.trainer_a, assignment=assignment, changes={"due_date": date(2030, 2, 1), "note": "x"})
    assignment.save()
    response = client_for(api, world, "supervisor_a").patch(
        f"/api/coaching/assignments/{assignment.pk}/", {"due_date": "2030-03-01"}, format="json"
    )
    assert response.status_code == 200
    with pytest.raises(ValidationError):  # not practised yet
        assignment_complete(actor=world.agent_a, assignment=assignment)
    assignment_delete(actor=world.trainer_a, assignment=assignment)
    assert len(_notes(world.agent_a)) == 1


def test_an_assignment_that_rolls_back_tells_nobody(world, refusing):
    with pytest.raises(RuntimeError), transaction.atomic():
        assignments_create(actor=world.trainer_a, module=refusing, team=world.team_a, due_date=date(2030, 1, 1))
        assert len(_notes()) == 2
        raise RuntimeError
    assert not _notes() and not Assignment.objects.exists()


def test_a_refused_assignment_tells_nobody(world, refusing):
    with pytest.raises(PermissionDenied):  # agent_b is not trainer_a's to coach
        assignments_create(
            actor=world.trainer_a, module=refusing, agents=[world.agent_a, world.agent_b], due_date=date(2030, 1, 1)
        )
    assert not _notes()


def test_an_approved_suggestion_names_the_trainer(world, refusing, settings):
    settings.COACHING_SUGGESTION_RATE, settings.COACHING_SUGGESTION_DAYS = 5.0, 30
    for call in calls_for(world.agent_a, 10, days_ago=3)[:2]:
        flag_on(call)
    (suggestion,) = coaching_suggestions_refresh()
    assert not _notes()  # a suggestion is for the trainer to decide: the agent hears nothing yet
    assignment = suggestion_approve(actor=world.trainer_a, suggestion=suggestion)
    (note,) = _notes(world.agent_a)
    assert note.params["actor"] == str(world.trainer_a) and note.link == assignment.get_absolute_url()


def test_automatic_assignment_tells_the_agent_without_naming_anyone(world, refusing, settings):
    settings.COACHING_SUGGESTION_RATE, settings.COACHING_SUGGESTION_DAYS = 5.0, 30
    TeamCoachingSettings.objects.create(team=world.team_a, auto_assign=True)
    for call in calls_for(world.agent_a, 10, days_ago=3)[:2]:
        flag_on(call)
    coaching_suggestions_refresh()
    assert Suggestion.objects.get().status == SuggestionStatus.AUTO_ASSIGNED
    assignment = Assignment.objects.get(agent=world.agent_a)
    (note,) = _notes(world.agent_a)
    assert note.params == {"module": "거절의 기술", "due": assignment.due_date.isoformat(), "actor": None}
    with translation.override("en"):
        assert note.text.startswith("You were assigned the coaching module “거절의 기술”, due ")
    coaching_suggestions_refresh()  # a re-run assigns nothing new, and tells nothing new
    assert len(_notes(world.agent_a)) == 1


def test_the_due_date_is_the_seoul_calendar_date(world, refusing, monkeypatch, settings):
    settings.COACHING_DEFAULT_DUE_DAYS = 14
    # 20:00 UTC on 4 March is 05:00 on 5 March in Seoul: the default due date counts from the 5th
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 4, 20, 0, tzinfo=UTC))
    (assignment,) = assignments_create(actor=None, module=refusing, agents=[world.agent_a], due_date=default_due_date())
    assert assignment.due_date == date(2026, 3, 19)
    (note,) = _notes(world.agent_a)
    for language in ("en", "ko"):
        with translation.override(language):
            assert "2026-03-19" in note.text
