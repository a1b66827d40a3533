"""The coaching pages: inbox, assign from a flag, practice, completion, dashboard, sessions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import Assignment, CoachingSession, Suggestion
from coaching.selectors import agent_inbox, overdue_assignments_for

from .conftest import calls_for, flag_on

GOOD_REPLY = "그 부분은 담당 부서로 바로 연결해 드리겠습니다"


@pytest.fixture
def overdue(world, refusing):
    return Assignment.objects.create(
        module=refusing, agent=world.agent_a, due_date=timezone.localdate() - timedelta(days=1)
    )


def test_overdue_assignments_for_follows_the_scope(world, overdue, refusing):
    Assignment.objects.create(module=refusing, agent=world.agent_a2, due_date=timezone.localdate())
    done = Assignment.objects.create(
        module=refusing, agent=world.agent_a, due_date=timezone.localdate() - timedelta(days=3)
    )
    done.completed_at = timezone.now()
    done.save()
    assert list(overdue_assignments_for(world.agent_a)) == [overdue]
    assert list(overdue_assignments_for(world.supervisor_a)) == [overdue]
    assert list(overdue_assignments_for(world.trainer_all)) == [overdue]
    assert list(overdue_assignments_for(world.agent_a2)) == []
    assert list(overdue_assignments_for(world.supervisor_b)) == []
    assert list(agent_inbox(world.agent_a)) == [overdue, done]


def test_the_agent_inbox_shows_overdue_work(client, world, overdue):
    client.force_login(world.agent_a)
    page = client.get(reverse("coaching:inbox")).content.decode()
    assert "거절의 기술" in page and "coaching-overdue" in page


def test_assign_from_a_flag_prefills_agent_module_and_moment(client, world, refusing):
    flag = flag_on(world.call_a)
    client.force_login(world.supervisor_a)
    response = client.get(reverse("coaching:assign") + f"?flag={flag.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["agent"] == world.agent_a.pk and form.initial["module"] == refusing.pk
    assert form.initial["flags"] == str(flag.pk)
    assert f"#segment-{flag.segment_id}" in response.content.decode()
    response = client.post(
        reverse("coaching:assign"),
        {"module": refusing.pk, "agent": world.agent_a.pk, "due_date": "2030-01-01", "flags": str(flag.pk)},
    )
    assignment = Assignment.objects.get()
    assert response.status_code == 302 and list(assignment.flags.all()) == [flag]


def test_assign_from_a_flag_outside_the_scope_is_404(client, world):
    flag = flag_on(world.call_b)
    client.force_login(world.supervisor_a)
    assert client.get(reverse("coaching:assign") + f"?flag={flag.pk}").status_code == 404


def test_agents_cannot_open_the_assign_page(client, world):
    client.force_login(world.agent_a)
    assert client.get(reverse("coaching:assign")).status_code == 403


def test_practice_by_form_post_then_complete(client, world, refusing):
    assignment = Assignment.objects.create(module=refusing, agent=world.agent_a, due_date=timezone.localdate())
    client.force_login(world.agent_a)
    url = reverse("coaching:assignment_detail", args=[assignment.pk])
    items = list(refusing.practice_items.all())
    page = client.post(url, {"item": items[0].pk, "reply": "그건 제 담당이 아닌데요"}).content.decode()
    assert "coaching-fail" in page
    client.post(reverse("coaching:assignment_complete", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.completed_at is None
    for item in items:
        client.post(url, {"item": item.pk, "reply": GOOD_REPLY})
    client.post(reverse("coaching:assignment_complete", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.completed_at is not None


def test_others_cannot_post_practice_or_see_out_of_scope_assignments(client, world, overdue):
    url = reverse("coaching:assignment_detail", args=[overdue.pk])
    client.force_login(world.supervisor_a)
    assert client.get(url).status_code == 200
    item = overdue.module.practice_items.first()
    assert client.post(url, {"item": item.pk, "reply": GOOD_REPLY}).status_code == 403
    client.force_login(world.agent_a2)
    assert client.get(url).status_code == 404


def test_the_trainer_dashboard_computes_suggestions_and_shows_them(client, world, refusing, settings):
    settings.COACHING_SUGGESTION_RATE = 5.0
    for call in [world.call_a] + calls_for(world.agent_a, 4, days_ago=2):
        flag_on(call)
    client.force_login(world.trainer_a)
    page = client.get(reverse("coaching:trainer_dashboard")).content.decode()
    suggestion = Suggestion.objects.get()
    assert refusing.title in page and str(world.agent_a) in page
    client.post(reverse("coaching:suggestion_approve", args=[suggestion.pk]))
    assert Assignment.objects.get().agent == world.agent_a


@pytest.mark.parametrize("role", ["agent_a", "supervisor_a", "trainer_a", "admin"])
def test_every_page_renders_for_every_role(client, world, overdue, role):
    CoachingSession.objects.create(agent=world.agent_a, coach=world.trainer_a, held_on=timezone.localdate())
    client.force_login(world.user(role))
    session = CoachingSession.objects.get()
    urls = [
        reverse("coaching:inbox"),
        reverse("coaching:module_list"),
        reverse("coaching:module_detail", args=[overdue.module_id]),
        reverse("coaching:assignment_detail", args=[overdue.pk]),
        reverse("coaching:session_list"),
        reverse("coaching:session_detail", args=[session.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    coach_status = 403 if role == "agent_a" else 200
    assert client.get(reverse("coaching:trainer_dashboard")).status_code == coach_status
    assert client.get(reverse("coaching:session_new")).status_code == coach_status
    edit_status = 200 if role in ("trainer_a", "admin") else 403
    assert client.get(reverse("coaching:module_edit", args=[overdue.module_id])).status_code == edit_status


def test_a_trainer_writes_a_module_in_the_web_form(client, world):
    client.force_login(world.trainer_a)
    response = client.post(
        reverse("coaching:module_new"),
        {
            "title": "공감 표현",
            "title_en": "Empathy",
            "categories": ["blame"],
            "content": "**공감** <script>alert(1)</script>",
            "good_examples": "불편을 드려 죄송합니다",
            "bad_examples": "그래서요?",
            "practice": "그래서요? | 고객이 불만을 말할 때 | 불편을 드려 죄송합니다",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "<strong>공감</strong>" in page and "<script>alert(1)" not in page


def test_recording_a_session_from_the_web_form(client, world):
    client.force_login(world.supervisor_a)
    response = client.post(
        reverse("coaching:session_new"),
        {
            "agent": world.agent_a.pk,
            "held_on": "2026-11-20",
            "calls": f"{world.call_a.pk}",
            "notes": "메모",
            "agreed_actions": "대안 먼저",
            "follow_up_on": "2026-12-01",
        },
    )
    assert response.status_code == 302
    session = CoachingSession.objects.get()
    assert session.coach == world.supervisor_a and list(session.calls.all()) == [world.call_a]


def test_a_trainer_turns_on_automatic_assignment_for_a_coached_team_only(client, world):
    from coaching.models import TeamCoachingSettings

    client.force_login(world.trainer_a)
    client.post(reverse("coaching:team_settings", args=[world.team_a.pk]), {"auto_assign": "on"})
    assert TeamCoachingSettings.objects.get(team=world.team_a).auto_assign
    response = client.post(reverse("coaching:team_settings", args=[world.team_b.pk]), {"auto_assign": "on"})
    assert response.status_code == 404
    client.force_login(world.supervisor_a)
    assert client.post(reverse("coaching:team_settings", args=[world.team_a.pk]), {}).status_code == 403
