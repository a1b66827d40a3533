from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from calls.models import Flag, Notification, ReviewStatus
from dashboards.selectors import Scope, team_dashboard
from qa import services
from qa.models import Acknowledgement, DisputeStatus
from qa.selectors import disputes_visible_to, evaluation_scores
from tests.qa.conftest import analyse, answer_all


@pytest.fixture
def submitted(world, scorecard):
    evaluation = services.evaluation_start(actor=world.trainer_a, call=world.call_a, scorecard=scorecard)
    answer_all(evaluation, world.trainer_a, **{"정확한 안내": "2"})
    return services.evaluation_submit(actor=world.trainer_a, evaluation=evaluation)


@pytest.fixture
def agent_flag(world):
    (flag,) = analyse(world.call_a, checklist={}, flags=[("agent", "blame", "high")])
    return flag


def kinds(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_overturning_a_flag_dispute_dismisses_the_flag_and_the_counts_drop(world, agent_flag):
    scope = Scope(frozenset({world.team_a.pk}), timezone.localdate() - timedelta(days=7), timezone.localdate())

    def agent_flags():
        return {r["agent_id"]: r["flags"] for r in team_dashboard(world.supervisor_a, scope)["agents"]}[
            world.agent_a.pk
        ]

    assert agent_flags() == 1
    dispute = services.dispute_create(actor=world.agent_a, flag=agent_flag, reason="고객 말을 인용한 것입니다.")
    assert kinds(world.supervisor_a) == [Notification.Kind.DISPUTE]
    assert Notification.objects.get(recipient=world.supervisor_a).link == f"/qa/disputes/{dispute.pk}/"
    services.dispute_reply(actor=world.supervisor_a, dispute=dispute, text="어느 부분인지 알려 주세요.")
    assert kinds(world.agent_a) == [Notification.Kind.DISPUTE_REPLY]
    services.dispute_reply(actor=world.agent_a, dispute=dispute, text="두 번째 문장입니다.")
    assert kinds(world.supervisor_a).count(Notification.Kind.DISPUTE_REPLY) == 1
    services.dispute_decide(actor=world.supervisor_a, dispute=dispute, outcome="overturned", note="확인했습니다.")
    agent_flag.refresh_from_db()
    assert agent_flag.review_status == ReviewStatus.DISMISSED and agent_flag.reviewed_by == world.supervisor_a
    assert agent_flags() == 0
    assert kinds(world.agent_a).count(Notification.Kind.DISPUTE_REPLY) == 2
    assert [m.text for m in dispute.messages.all()] == ["어느 부분인지 알려 주세요.", "두 번째 문장입니다."]
    with pytest.raises(ValidationError):
        services.dispute_reply(actor=world.agent_a, dispute=dispute, text="감사합니다")


def test_upholding_a_flag_dispute_leaves_the_flag(world, agent_flag):
    dispute = services.dispute_create(actor=world.agent_a, flag=agent_flag, reason="아닙니다")
    services.dispute_decide(actor=world.supervisor_a, dispute=dispute, outcome="upheld", note="표현이 부적절합니다.")
    agent_flag.refresh_from_db()
    assert agent_flag.review_status == ReviewStatus.UNREVIEWED
    # decided: the agent may raise it again with new reasons
    services.dispute_create(actor=world.agent_a, flag=agent_flag, reason="새 근거가 있습니다")


def test_overturning_an_evaluation_dispute_lets_the_evaluator_revise(world, submitted):
    before = submitted.score
    dispute = services.dispute_create(actor=world.agent_a, evaluation=submitted, reason="안내는 정확했습니다.")
    # the evaluator and the team's supervisor hear of it
    assert Notification.Kind.DISPUTE in kinds(world.trainer_a) and Notification.Kind.DISPUTE in kinds(
        world.supervisor_a
    )
    with pytest.raises(ValidationError):
        answer_all(submitted, world.trainer_a, **{"정확한 안내": "5"})
    services.dispute_decide(actor=world.supervisor_a, dispute=dispute, outcome="overturned", note="다시 평가하세요.")
    submitted.refresh_from_db()
    assert submitted.revision_open
    assert Notification.Kind.DISPUTE_REPLY in kinds(world.trainer_a)
    answer_all(submitted, world.trainer_a, **{"정확한 안내": "5"})
    services.evaluation_submit(actor=world.trainer_a, evaluation=submitted)
    submitted.refresh_from_db()
    assert submitted.score > before and not submitted.revision_open and submitted.revised_at
    assert kinds(world.agent_a).count(Notification.Kind.EVALUATION) == 2


def test_the_evaluator_may_decide_their_own_evaluations_dispute(world, submitted):
    dispute = services.dispute_create(actor=world.agent_a, evaluation=submitted, reason="이의 있습니다")
    services.dispute_decide(actor=world.trainer_a, dispute=dispute, outcome="upheld", note="기준대로 평가했습니다.")
    submitted.refresh_from_db()
    assert not submitted.revision_open


def test_who_may_dispute_and_decide(world, submitted, agent_flag):
    for actor in (world.agent_a2, world.supervisor_a):
        with pytest.raises(PermissionDenied):
            services.dispute_create(actor=actor, evaluation=submitted, reason="x")
        with pytest.raises(PermissionDenied):
            services.dispute_create(actor=actor, flag=agent_flag, reason="x")
    with pytest.raises(ValidationError):
        services.dispute_create(actor=world.agent_a, evaluation=submitted, reason="  ")
    dispute = services.dispute_create(actor=world.agent_a, evaluation=submitted, reason="x")
    with pytest.raises(ValidationError):
        services.dispute_create(actor=world.agent_a, evaluation=submitted, reason="또")
    for actor in (world.agent_a, world.supervisor_b, world.trainer_all):
        with pytest.raises(PermissionDenied):
            services.dispute_decide(actor=actor, dispute=dispute, outcome="overturned", note="x")
    with pytest.raises(PermissionDenied):
        services.dispute_reply(actor=world.agent_a2, dispute=dispute, text="x")
    assert not disputes_visible_to(world.agent_a2).exists()
    assert not disputes_visible_to(world.supervisor_b).exists()
    assert disputes_visible_to(world.supervisor_a).count() == 1


def test_a_customers_flag_or_a_dismissed_one_cannot_be_disputed(world):
    customer, dismissed = analyse(
        world.call_a, checklist={}, flags=[("customer", "abuse", "high"), ("agent", "banmal", "low")]
    )
    Flag.objects.filter(pk=dismissed.pk).update(review_status=ReviewStatus.DISMISSED)
    dismissed.refresh_from_db()
    for flag in (customer, dismissed):
        with pytest.raises(PermissionDenied):
            services.dispute_create(actor=world.agent_a, flag=flag, reason="x")


def test_acknowledging_is_idempotent(world, submitted, agent_flag):
    services.acknowledgement_create(actor=world.agent_a, evaluation=submitted)
    services.acknowledgement_create(actor=world.agent_a, evaluation=submitted)
    services.acknowledgement_create(actor=world.agent_a, flag=agent_flag)
    submitted.refresh_from_db()
    assert submitted.acknowledged_at and Acknowledgement.objects.count() == 2
    with pytest.raises(PermissionDenied):
        services.acknowledgement_create(actor=world.agent_a2, flag=agent_flag)


def test_dispute_counts_per_agent(world, submitted, agent_flag):
    services.dispute_create(actor=world.agent_a, evaluation=submitted, reason="x")
    upheld = services.dispute_create(actor=world.agent_a, flag=agent_flag, reason="y")
    services.dispute_decide(actor=world.supervisor_a, dispute=upheld, outcome="upheld", note="z")
    scope = Scope(frozenset({world.team_a.pk}), timezone.localdate() - timedelta(days=7), timezone.localdate())
    scores = evaluation_scores(scope)
    (row,) = scores["agents"]
    assert row["disputes"] == {DisputeStatus.OPEN: 1, DisputeStatus.UPHELD: 1, DisputeStatus.OVERTURNED: 0}
    assert scores["disputes"][DisputeStatus.OPEN] == 1


def test_the_web_flow_from_the_call_page(client, world, agent_flag):
    client.force_login(world.agent_a)
    page = client.get(f"/calls/{world.call_a.pk}/").content.decode()
    assert "이 통화의 내 플래그" in page
    response = client.post("/qa/disputes/new/", {"flag": agent_flag.pk, "reason": "오해입니다"})
    dispute = disputes_visible_to(world.agent_a).get()
    assert response.status_code == 302 and response.url == f"/qa/disputes/{dispute.pk}/"
    client.force_login(world.agent_b)
    assert client.post("/qa/disputes/new/", {"flag": agent_flag.pk, "reason": "x"}).status_code == 404
    assert client.get(f"/qa/disputes/{dispute.pk}/").status_code == 404
    client.force_login(world.supervisor_a)
    page = client.get(f"/qa/disputes/{dispute.pk}/").content.decode()
    assert "번복: 플래그 기각" in page
    client.post(f"/qa/disputes/{dispute.pk}/", {"outcome": "overturned", "note": "맞습니다"})
    agent_flag.refresh_from_db()
    assert agent_flag.review_status == ReviewStatus.DISMISSED
    page = client.get(f"/calls/{world.call_a.pk}/").content.decode()
    assert "번복" in page


def test_the_api_dispute_flow(api, world, submitted):
    api.force_authenticate(world.agent_a)
    created = api.post("/api/qa/disputes/", {"evaluation": submitted.pk, "reason": "점수가 낮습니다"}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert (
        api.post(f"/api/qa/disputes/{pk}/decide/", {"outcome": "overturned", "note": "x"}, format="json").status_code
        == 403
    )
    api.force_authenticate(world.supervisor_a)
    assert api.post(f"/api/qa/disputes/{pk}/reply/", {"text": "확인 중입니다"}, format="json").status_code == 201
    decided = api.post(f"/api/qa/disputes/{pk}/decide/", {"outcome": "overturned", "note": "재평가"}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "overturned"
    assert len(decided.json()["messages"]) == 1
    api.force_authenticate(world.supervisor_b)
    assert api.get(f"/api/qa/disputes/{pk}/").status_code == 404
    api.force_authenticate(world.agent_a)
    empty = api.post("/api/qa/disputes/", {"evaluation": submitted.pk, "reason": ""}, format="json")
    assert empty.status_code == 400
