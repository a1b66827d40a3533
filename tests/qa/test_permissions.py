import pytest

from qa import services
from qa.models import Evaluation
from tests.qa.conftest import answer_all
from tests.roles import ROLES, client_for


@pytest.fixture
def submitted(world, scorecard):
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    answer_all(evaluation, world.supervisor_a)
    return services.evaluation_submit(actor=world.supervisor_a, evaluation=evaluation)


@pytest.fixture
def draft(world, scorecard):
    return services.evaluation_start(actor=world.trainer_a, call=world.call_a2, scorecard=scorecard)


READS = {
    # who may read agent_a's submitted evaluation of call_a (team A)
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
def test_who_reads_an_evaluation_through_the_api(api, world, submitted, role):
    response = client_for(api, world, role).get(f"/api/qa/evaluations/{submitted.pk}/")
    assert response.status_code == READS[role]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_who_reads_an_evaluation_page(client, world, submitted, role):
    client.force_login(world.user(role))
    assert client.get(f"/qa/evaluations/{submitted.pk}/").status_code == READS[role]


def test_a_draft_is_its_evaluators_alone(api, world, draft):
    for role, status in [("trainer_a", 200), ("supervisor_a", 404), ("agent_a2", 404), ("admin", 404)]:
        api.force_authenticate(world.user(role))
        assert api.get(f"/api/qa/evaluations/{draft.pk}/").status_code == status, role


def test_an_agent_lists_only_their_own_submitted_evaluations(api, world, submitted, draft):
    api.force_authenticate(world.agent_a)
    ids = [row["id"] for row in api.get("/api/qa/evaluations/").json()["results"]]
    assert ids == [submitted.pk]
    api.force_authenticate(world.agent_a2)
    assert api.get("/api/qa/evaluations/").json()["results"] == []


def test_an_agent_cannot_evaluate(api, client, world, scorecard):
    api.force_authenticate(world.agent_a)
    response = api.post("/api/qa/evaluations/", {"call": world.call_a.pk, "scorecard": scorecard.pk}, format="json")
    assert response.status_code == 403
    client.force_login(world.agent_a)
    assert client.post(f"/qa/calls/{world.call_a.pk}/evaluate/", {"scorecard": scorecard.pk}).status_code == 403
    assert client.get("/qa/sampling/").status_code == 403
    assert client.get("/qa/scorecards/").status_code == 403
    assert client.get("/qa/").status_code == 302  # to their evaluations
    assert not Evaluation.objects.exists()


def test_another_teams_call_is_not_found_for_evaluation(api, client, world, scorecard):
    api.force_authenticate(world.supervisor_b)
    response = api.post("/api/qa/evaluations/", {"call": world.call_a.pk, "scorecard": scorecard.pk}, format="json")
    assert response.status_code == 404
    client.force_login(world.supervisor_b)
    assert client.post(f"/qa/calls/{world.call_a.pk}/evaluate/", {"scorecard": scorecard.pk}).status_code == 404


def test_the_api_fills_in_and_submits_an_evaluation(api, world, scorecard):
    api.force_authenticate(world.supervisor_a)
    created = api.post("/api/qa/evaluations/", {"call": world.call_a.pk, "scorecard": scorecard.pk}, format="json")
    assert created.status_code == 201
    evaluation = created.json()
    answers = [{"criterion": a["criterion"], "value": "yes"} for a in evaluation["answers"]]
    bad = api.patch(f"/api/qa/evaluations/{evaluation['id']}/", {"answers": answers}, format="json")
    assert bad.status_code == 400  # "yes" is no answer on the 1–5 scale
    scale = {c.pk for c in scorecard.criteria.filter(answer_type="scale")}
    for a in answers:
        if a["criterion"] in scale:
            a["value"] = "5"
    saved = api.patch(
        f"/api/qa/evaluations/{evaluation['id']}/", {"answers": answers, "comment": "좋음"}, format="json"
    )
    assert saved.status_code == 200 and saved.json()["score"] == 100.0
    submitted = api.post(f"/api/qa/evaluations/{evaluation['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    api.force_authenticate(world.trainer_a)
    assert api.post(f"/api/qa/evaluations/{evaluation['id']}/submit/").status_code == 403


def test_scorecards_are_written_by_trainers_and_admins_only(api, world, scorecard):
    body = {
        "name": "새 평가표",
        "description": "",
        "team": None,
        "is_active": True,
        "sections": [{"title": "인사", "criteria": [{"text": "인사했다", "weight": 2}]}],
    }
    api.force_authenticate(world.supervisor_a)
    assert api.post("/api/qa/scorecards/", body, format="json").status_code == 403
    assert api.get(f"/api/qa/scorecards/{scorecard.pk}/").status_code == 200
    api.force_authenticate(world.trainer_a)
    created = api.post("/api/qa/scorecards/", body, format="json")
    assert created.status_code == 201 and created.json()["sections"][0]["criteria"][0]["weight"] == 2
    api.force_authenticate(world.agent_a)
    assert api.get("/api/qa/scorecards/").json()["results"] == []


def test_a_used_scorecard_answers_400_in_korean(api, world, submitted):
    api.force_authenticate(world.trainer_all)
    response = api.patch(f"/api/qa/scorecards/{submitted.scorecard_id}/", {"name": "바뀐 이름"}, format="json")
    assert response.status_code == 400 and "새 버전" in str(response.json())
    response = api.post(f"/api/qa/scorecards/{submitted.scorecard_id}/new_version/")
    assert response.status_code == 201 and response.json()["version"] == 2


def test_the_schema_builds(api, world):
    api.force_authenticate(world.admin)
    response = api.get("/api/schema/")
    assert response.status_code == 200 and b"/api/qa/disputes/{id}/decide/" in response.content
