"""Who sees and changes what through the coaching API: every role x endpoint x method.

The target is an assignment of agent_a (team A). Outside your scope is 404, in scope but not
yours to change is 403, anonymous is 401 — the convention of the calls API.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from coaching.models import Assignment, CoachingSession, PracticeAttempt
from coaching.services import practice_submit
from tests.roles import ROLES, client_for

GOOD_REPLY = "그 부분은 담당 부서로 바로 연결해 드리겠습니다"


@pytest.fixture
def assignment(world, refusing):
    return Assignment.objects.create(
        module=refusing, agent=world.agent_a, assigned_by=world.trainer_a, due_date=timezone.localdate()
    )


@pytest.fixture
def assignment_b(world, refusing):
    return Assignment.objects.create(module=refusing, agent=world.agent_b, due_date=timezone.localdate())


def _pass_all(assignment):
    for item in assignment.module.practice_items.all():
        practice_submit(actor=assignment.agent, assignment=assignment, item=item, reply=GOOD_REPLY)


LIST_SEES = {
    "agent_a": {"a"},
    "agent_a2": set(),
    "agent_b": {"b"},
    "supervisor_a": {"a"},
    "supervisor_b": {"b"},
    "trainer_a": {"a"},
    "trainer_all": {"a", "b"},
    "admin": {"a", "b"},
}


@pytest.mark.parametrize("role", ROLES)
def test_assignment_list_shows_exactly_what_the_role_may_see(api, world, role, assignment, assignment_b):
    response = client_for(api, world, role).get("/api/coaching/assignments/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {{"a": assignment.pk, "b": assignment_b.pk}[k] for k in LIST_SEES[role]}


OBJECT_EXPECTED = {
    #               GET  PATCH DELETE complete practice
    "anonymous": (401, 401, 401, 401, 401),
    "agent_a": (200, 403, 403, 200, 201),
    "agent_a2": (404, 404, 404, 404, 404),
    "agent_b": (404, 404, 404, 404, 404),
    "supervisor_a": (200, 200, 204, 403, 403),
    "supervisor_b": (404, 404, 404, 404, 404),
    "trainer_a": (200, 200, 204, 403, 403),
    "trainer_all": (200, 200, 204, 403, 403),
    "admin": (200, 200, 204, 403, 403),
}
ACTIONS = ["get", "patch", "delete", "complete", "practice"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("index,what", list(enumerate(ACTIONS)))
def test_assignment_object_access_matrix(api, world, role, index, what, assignment):
    url = f"/api/coaching/assignments/{assignment.pk}/"
    client = client_for(api, world, role)
    if what in ("complete", "practice"):
        _pass_all(assignment)
    new_due = timezone.localdate() + timedelta(days=7)
    if what == "get":
        response = client.get(url)
    elif what == "patch":
        response = client.patch(url, {"due_date": new_due.isoformat()}, format="json")
    elif what == "delete":
        response = client.delete(url)
    elif what == "complete":
        response = client.post(url + "complete/")
    else:
        item = assignment.module.practice_items.first()
        response = client.post(url + "practice/", {"item": item.pk, "reply": GOOD_REPLY}, format="json")
    expected = OBJECT_EXPECTED[role][index]
    assert response.status_code == expected, response.content
    after = Assignment.objects.filter(pk=assignment.pk).first()
    if expected >= 400:
        assert after is not None and after.due_date == assignment.due_date
        if what == "complete":
            assert after.completed_at is None


CREATE_EXPECTED = {
    "anonymous": 401,
    "agent_a": 403,
    "agent_a2": 403,
    "agent_b": 403,
    "supervisor_a": 201,
    "supervisor_b": 403,
    "trainer_a": 201,
    "trainer_all": 201,
    "admin": 201,
}


@pytest.mark.parametrize("role", ROLES)
def test_assign_to_agent_a_matrix(api, world, role, refusing):
    body = {"module": refusing.pk, "agent": world.agent_a.pk, "due_date": timezone.localdate().isoformat()}
    response = client_for(api, world, role).post("/api/coaching/assignments/", body, format="json")
    assert response.status_code == CREATE_EXPECTED[role], response.content
    assert Assignment.objects.exists() == (response.status_code == 201)


def test_assigning_a_team_creates_one_assignment_per_agent(api, world, refusing):
    body = {"module": refusing.pk, "team": world.team_a.pk, "due_date": timezone.localdate().isoformat()}
    response = client_for(api, world, "trainer_a").post("/api/coaching/assignments/", body, format="json")
    assert response.status_code == 201
    assert {row["agent"] for row in response.json()} == {world.agent_a.pk, world.agent_a2.pk}


def test_a_trainer_cannot_assign_a_team_they_do_not_coach(api, world, refusing):
    body = {"module": refusing.pk, "team": world.team_b.pk, "due_date": timezone.localdate().isoformat()}
    response = client_for(api, world, "trainer_a").post("/api/coaching/assignments/", body, format="json")
    assert response.status_code == 403 and not Assignment.objects.exists()


def test_an_assignment_links_the_flagged_moments(api, world, refusing):
    from .conftest import flag_on

    flag = flag_on(world.call_a)
    body = {"module": refusing.pk, "agent": world.agent_a.pk, "due_date": "2030-01-01", "flags": [flag.pk]}
    response = client_for(api, world, "supervisor_a").post("/api/coaching/assignments/", body, format="json")
    assert response.status_code == 201 and response.json()[0]["flags"] == [flag.pk]
    other = flag_on(world.call_a2)
    body["flags"] = [other.pk]
    response = api.post("/api/coaching/assignments/", body, format="json")
    assert response.status_code == 400  # the moment is agent_a2's, not agent_a's


def test_completing_needs_every_practice_item_passed(api, world, assignment):
    client = client_for(api, world, "agent_a")
    response = client.post(f"/api/coaching/assignments/{assignment.pk}/complete/")
    assert response.status_code == 400
    _pass_all(assignment)
    response = client.post(f"/api/coaching/assignments/{assignment.pk}/complete/")
    assert response.status_code == 200 and response.json()["completed_at"]


def test_a_rude_practice_reply_is_kept_as_failed_with_the_flags(api, world, assignment):
    item = assignment.module.practice_items.first()
    response = client_for(api, world, "agent_a").post(
        f"/api/coaching/assignments/{assignment.pk}/practice/", {"item": item.pk, "reply": "그건 제 담당이 아닌데요"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["passed"] is False and body["hits"][0]["explanation"]


PRACTICE_READ = {
    "anonymous": 401,
    "agent_a": 200,
    "agent_a2": 404,
    "agent_b": 404,
    "supervisor_a": 200,
    "supervisor_b": 404,
    "trainer_a": 200,
    "trainer_all": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_practice_answers_are_readable_only_in_scope(api, world, role, assignment):
    _pass_all(assignment)
    attempt = PracticeAttempt.objects.first()
    client = client_for(api, world, role)
    response = client.get(f"/api/coaching/practice/{attempt.pk}/")
    assert response.status_code == PRACTICE_READ[role]
    if role != "anonymous":
        listed = {row["id"] for row in client.get("/api/coaching/practice/").json()["results"]}
        assert (attempt.pk in listed) == (PRACTICE_READ[role] == 200)


def test_an_agent_cannot_submit_practice_on_someone_elses_assignment(api, world, assignment):
    item = assignment.module.practice_items.first()
    body = {"assignment": assignment.pk, "item": item.pk, "reply": GOOD_REPLY}
    response = client_for(api, world, "agent_a2").post("/api/coaching/practice/", body, format="json")
    assert response.status_code == 400 and not PracticeAttempt.objects.exists()
    api.force_authenticate(world.supervisor_a)
    assert api.post("/api/coaching/practice/", body, format="json").status_code == 403
    api.force_authenticate(world.agent_a)
    assert api.post("/api/coaching/practice/", body, format="json").status_code == 201


MODULE_WRITE = {
    "anonymous": 401,
    "agent_a": 403,
    "agent_a2": 403,
    "agent_b": 403,
    "supervisor_a": 403,
    "supervisor_b": 403,
    "trainer_a": 201,
    "trainer_all": 201,
    "admin": 201,
}


@pytest.mark.parametrize("role", ROLES)
def test_module_create_matrix(api, world, role):
    body = {
        "title": "공감 표현",
        "title_en": "Empathy",
        "categories": ["blame"],
        "content": "내용 <script>alert(1)</script>",
        "practice_items": [{"prompt": "그래서요?"}],
    }
    client = client_for(api, world, role)
    response = client.post("/api/coaching/modules/", body, format="json")
    assert response.status_code == MODULE_WRITE[role], response.content
    if response.status_code == 201:
        assert "<script" not in response.json()["content_html"]
        assert response.json()["practice_items"][0]["prompt"] == "그래서요?"
    if role != "anonymous":
        assert client.get("/api/coaching/modules/").status_code == 200


SESSION_CREATE = {
    "anonymous": 401,
    "agent_a": 403,
    "agent_a2": 403,
    "agent_b": 403,
    "supervisor_a": 201,
    "supervisor_b": 403,
    "trainer_a": 201,
    "trainer_all": 201,
    "admin": 201,
}


@pytest.mark.parametrize("role", ROLES)
def test_session_create_matrix(api, world, role):
    body = {
        "agent": world.agent_a.pk,
        "held_on": "2026-11-20",
        "calls": [world.call_a.pk],
        "notes": "거절 표현 연습",
        "agreed_actions": "대안 먼저 말하기",
        "follow_up_on": "2026-12-04",
    }
    response = client_for(api, world, role).post("/api/coaching/sessions/", body, format="json")
    assert response.status_code == SESSION_CREATE[role], response.content
    if response.status_code == 201:
        session = CoachingSession.objects.get()
        assert session.coach == world.user(role) and list(session.calls.all()) == [world.call_a]


SESSION_OBJECT = {
    #               GET  PATCH
    "anonymous": (401, 401),
    "agent_a": (200, 403),
    "agent_a2": (404, 404),
    "agent_b": (404, 404),
    "supervisor_a": (200, 200),
    "supervisor_b": (404, 404),
    "trainer_a": (200, 200),
    "trainer_all": (200, 200),
    "admin": (200, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_session_object_matrix(api, world, role):
    session = CoachingSession.objects.create(agent=world.agent_a, coach=world.supervisor_a, held_on="2026-11-20")
    client = client_for(api, world, role)
    url = f"/api/coaching/sessions/{session.pk}/"
    assert client.get(url).status_code == SESSION_OBJECT[role][0]
    assert client.patch(url, {"notes": "변경"}, format="json").status_code == SESSION_OBJECT[role][1]


def test_a_session_cannot_link_another_agents_call(api, world):
    body = {"agent": world.agent_a.pk, "held_on": "2026-11-20", "calls": [world.call_a2.pk]}
    response = client_for(api, world, "trainer_a").post("/api/coaching/sessions/", body, format="json")
    assert response.status_code == 400 and not CoachingSession.objects.exists()


SUGGESTION_APPROVE = {
    "anonymous": 401,
    "agent_a": 404,
    "agent_a2": 404,
    "agent_b": 404,
    "supervisor_a": 201,
    "supervisor_b": 404,
    "trainer_a": 201,
    "trainer_all": 201,
    "admin": 201,
}


@pytest.mark.parametrize("role", ROLES)
def test_suggestion_approve_matrix(api, world, role, refusing):
    from coaching.models import Suggestion

    now = timezone.now()
    suggestion = Suggestion.objects.create(
        agent=world.agent_a,
        module=refusing,
        category="dismissive",
        rate=10.0,
        flag_count=2,
        call_count=20,
        period_start=now - timedelta(days=30),
        period_end=now,
    )
    response = client_for(api, world, role).post(f"/api/coaching/suggestions/{suggestion.pk}/approve/")
    assert response.status_code == SUGGESTION_APPROVE[role], response.content
    assert Assignment.objects.exists() == (response.status_code == 201)
