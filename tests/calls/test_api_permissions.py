"""Who sees and changes what through the API: every role x every endpoint x every method.

The target of the object rows is call_a, owned by agent_a of team A. Outside your scope is 404
(ids do not leak), in scope but not yours to change is 403, anonymous is 401.
"""

import pytest

from calls.models import Call
from tests.roles import ROLES, client_for


def call_body(world, **overrides):
    body = {
        "agent": world.agent_a.pk,
        "direction": "outbound",
        "outcome": "callback",
        "customer_name": "이몽룡",
        "customer_phone": "010-9876-5432",
        "duration_seconds": 95,
    }
    body.update(overrides)
    return body


LIST_SEES = {
    "agent_a": {"call_a"},
    "agent_a2": {"call_a2"},
    "agent_b": {"call_b"},
    "supervisor_a": {"call_a", "call_a2"},
    "supervisor_b": {"call_b"},
    "trainer_a": {"call_a", "call_a2"},
    "trainer_all": {"call_a", "call_a2", "call_b"},
    "admin": {"call_a", "call_a2", "call_b"},
}


@pytest.mark.parametrize("role", ROLES)
def test_call_list_shows_exactly_the_calls_the_role_may_see(api, world, role):
    response = client_for(api, world, role).get("/api/calls/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {world.user(name).pk for name in LIST_SEES[role]}


OBJECT_EXPECTED = {
    #               GET  PATCH PUT  DELETE
    "anonymous": (401, 401, 401, 401),
    "agent_a": (200, 200, 200, 204),
    "agent_a2": (404, 404, 404, 404),
    "agent_b": (404, 404, 404, 404),
    "supervisor_a": (200, 200, 200, 204),
    "supervisor_b": (404, 404, 404, 404),
    "trainer_a": (200, 403, 403, 403),
    "trainer_all": (200, 403, 403, 403),
    "admin": (200, 200, 200, 204),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method_index,method", list(enumerate(["get", "patch", "put", "delete"])))
def test_call_object_access_matrix(api, world, role, method_index, method):
    url = f"/api/calls/{world.call_a.pk}/"
    client = client_for(api, world, role)
    before = Call.objects.get(pk=world.call_a.pk)
    if method == "patch":
        response = client.patch(url, {"outcome": "complaint"}, format="json")
    elif method == "put":
        response = client.put(url, call_body(world), format="json")
    else:
        response = getattr(client, method)(url)
    expected = OBJECT_EXPECTED[role][method_index]
    assert response.status_code == expected, response.content
    if expected >= 400:
        after = Call.objects.filter(pk=world.call_a.pk).first()
        assert after is not None and after.outcome == before.outcome and after.updated_at == before.updated_at


CREATE_EXPECTED = {
    "anonymous": 401,
    "agent_a": 201,
    "agent_a2": 403,
    "agent_b": 403,
    "supervisor_a": 201,
    # agent_a is not visible to supervisor_b: the id reads as unknown, not as forbidden.
    "supervisor_b": 400,
    "trainer_a": 403,
    "trainer_all": 403,
    "admin": 201,
}


@pytest.mark.parametrize("role", ROLES)
def test_call_create_for_agent_a_matrix(api, world, role):
    count = Call.objects.count()
    response = client_for(api, world, role).post("/api/calls/", call_body(world), format="json")
    assert response.status_code == CREATE_EXPECTED[role], response.content
    if response.status_code == 201:
        call = Call.objects.get(pk=response.json()["id"])
        assert call.agent == world.agent_a and call.team == world.team_a
        assert call.created_by == world.user(role)
    else:
        assert Call.objects.count() == count


def test_agent_creating_without_agent_field_logs_for_themself(api, world):
    api.force_authenticate(world.agent_b)
    body = call_body(world)
    del body["agent"]
    response = api.post("/api/calls/", body, format="json")
    assert response.status_code == 201
    assert Call.objects.get(pk=response.json()["id"]).agent == world.agent_b


def test_agent_cannot_hand_their_call_to_another_agent(api, world):
    api.force_authenticate(world.agent_a)
    response = api.patch(f"/api/calls/{world.call_a.pk}/", {"agent": world.agent_a2.pk}, format="json")
    assert response.status_code == 403
    assert Call.objects.get(pk=world.call_a.pk).agent == world.agent_a


def test_supervisor_cannot_move_a_call_to_another_teams_agent(api, world):
    api.force_authenticate(world.supervisor_a)
    response = api.patch(f"/api/calls/{world.call_a.pk}/", {"agent": world.agent_b.pk}, format="json")
    assert response.status_code == 400
    assert Call.objects.get(pk=world.call_a.pk).agent == world.agent_a


TEAMS_SEES = {
    "agent_a": {"team_a"},
    "agent_a2": {"team_a"},
    "agent_b": {"team_b"},
    "supervisor_a": {"team_a"},
    "supervisor_b": {"team_b"},
    "trainer_a": {"team_a"},
    "trainer_all": {"team_a", "team_b"},
    "admin": {"team_a", "team_b"},
}


@pytest.mark.parametrize("role", ROLES)
def test_team_endpoints_matrix(api, world, role):
    client = client_for(api, world, role)
    listing = client.get("/api/teams/")
    detail_b = client.get(f"/api/teams/{world.team_b.pk}/")
    write = client.post("/api/teams/", {"name": "new"}, format="json")
    delete = client.delete(f"/api/teams/{world.team_a.pk}/")
    if role == "anonymous":
        assert {listing.status_code, detail_b.status_code, write.status_code, delete.status_code} == {401}
        return
    assert {row["id"] for row in listing.json()["results"]} == {world.user(t).pk for t in TEAMS_SEES[role]}
    assert detail_b.status_code == (200 if "team_b" in TEAMS_SEES[role] else 404)
    assert write.status_code == 405 and delete.status_code == 405


USERS_SEES = {
    "agent_a": {"agent_a"},
    "agent_a2": {"agent_a2"},
    "agent_b": {"agent_b"},
    "supervisor_a": {"supervisor_a", "agent_a", "agent_a2"},
    "supervisor_b": {"supervisor_b", "agent_b"},
    "trainer_a": {"trainer_a", "agent_a", "agent_a2"},
}


@pytest.mark.parametrize("role", ROLES)
def test_user_endpoints_matrix(api, world, role):
    client = client_for(api, world, role)
    listing = client.get("/api/users/", {"page_size": 100})
    detail = client.get(f"/api/users/{world.agent_b.pk}/")
    write = client.patch(f"/api/users/{world.agent_a.pk}/", {"role": "admin"}, format="json")
    if role == "anonymous":
        assert {listing.status_code, detail.status_code, write.status_code} == {401}
        return
    ids = {row["id"] for row in listing.json()["results"]}
    if role in USERS_SEES:
        assert ids == {world.user(name).pk for name in USERS_SEES[role]}
        assert detail.status_code == (200 if "agent_b" in USERS_SEES[role] else 404)
    else:
        assert world.agent_b.pk in ids and detail.status_code == 200
    assert write.status_code == 405
    world.agent_a.refresh_from_db()
    assert world.agent_a.role == "agent"


@pytest.mark.parametrize("role", ROLES)
def test_me_and_schema_need_login(api, world, role):
    client = client_for(api, world, role)
    me = client.get("/api/me/")
    schema = client.get("/api/schema/")
    if role == "anonymous":
        assert me.status_code == 401 and schema.status_code == 401
    else:
        assert me.json()["username"] == world.user(role).username
        assert schema.status_code == 200
