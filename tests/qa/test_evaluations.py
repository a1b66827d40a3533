import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from calls.models import Notification, ReviewStatus
from qa import services
from qa.models import Evaluation
from tests.qa.conftest import analyse, answer_all


def answers_by_text(evaluation):
    return {a.criterion.text: a for a in evaluation.answers.select_related("criterion")}


def test_criteria_answered_from_the_checklist_and_agent_flags(world, scorecard):
    analyse(
        world.call_a,
        checklist={"greeting": "found", "empathy": "not_applicable"},
        flags=[("agent", "dismissive", "medium")],
    )
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    answers = answers_by_text(evaluation)
    assert answers["인사"].value == answers["인사"].auto_value == "yes"
    assert answers["공감"].value == "na"
    assert answers["무시하는 말 없음"].value == "no"
    assert answers["고객 비하·욕설 없음"].value == "yes"
    assert answers["정확한 안내"].value == ""  # the evaluator's to answer


def test_only_agent_flags_answer_a_no_flag_criterion(world, scorecard):
    customer, dismissed = analyse(
        world.call_a,
        checklist={"greeting": "missing"},
        flags=[("customer", "profanity", "high"), ("agent", "profanity", "high")],
    )
    dismissed.review_status = ReviewStatus.DISMISSED
    dismissed.save()
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    answers = answers_by_text(evaluation)
    assert answers["고객 비하·욕설 없음"].value == "yes"  # the customer's swearing is not the agent's
    assert answers["인사"].value == "no"
    assert not evaluation.failed


def test_an_agent_profanity_flag_fails_the_call_and_the_evaluator_may_correct_it(world, scorecard):
    analyse(world.call_a, checklist={"greeting": "found"}, flags=[("agent", "profanity", "high")])
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    answer_all(evaluation, world.supervisor_a)
    evaluation.refresh_from_db()
    assert evaluation.failed and evaluation.score == 0
    answer_all(evaluation, world.supervisor_a, **{"고객 비하·욕설 없음": "yes"})
    evaluation.refresh_from_db()
    assert not evaluation.failed and evaluation.score > 0
    answer = answers_by_text(evaluation)["고객 비하·욕설 없음"]
    assert answer.auto_value == "no" and answer.value == "yes"


def test_a_call_without_analysis_starts_with_every_answer_open(world, scorecard):
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    assert all(a.value == "" for a in evaluation.answers.all())
    assert evaluation.score is None


def test_submit_needs_every_criterion_then_tells_the_agent(world, scorecard):
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    with pytest.raises(ValidationError):
        services.evaluation_submit(actor=world.supervisor_a, evaluation=evaluation)
    answer_all(evaluation, world.supervisor_a)
    services.evaluation_submit(actor=world.supervisor_a, evaluation=evaluation)
    evaluation.refresh_from_db()
    # 인사 2 + 공감 1 + 안내 3×0.75 + 무시 2 = 7.25 of 8
    assert evaluation.is_submitted and evaluation.score == 90.6
    note = Notification.objects.get(recipient=world.agent_a, kind=Notification.Kind.EVALUATION)
    assert note.link == f"/qa/evaluations/{evaluation.pk}/" and note.call_id == world.call_a.pk
    with pytest.raises(ValidationError):
        answer_all(evaluation, world.supervisor_a)


def test_wrong_answers_are_refused_with_the_question(world, scorecard):
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    fail = answers_by_text(evaluation)["고객 비하·욕설 없음"]
    with pytest.raises(ValidationError) as error:
        services.evaluation_save(
            actor=world.supervisor_a, evaluation=evaluation, answers={fail.criterion_id: {"value": "na"}}
        )
    assert "고객 비하·욕설 없음" in str(error.value)


def test_starting_twice_keeps_one_draft(world, scorecard):
    first = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    again = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    assert first.pk == again.pk and Evaluation.objects.count() == 1


def test_agents_and_other_teams_cannot_evaluate(world, scorecard):
    for actor in (world.agent_a, world.supervisor_b):
        with pytest.raises(PermissionDenied):
            services.evaluation_start(actor=actor, call=world.call_a, scorecard=scorecard)
    with pytest.raises(PermissionDenied):
        services.evaluation_start(actor=world.trainer_a, call=world.call_b, scorecard=scorecard)


def test_only_the_evaluator_changes_an_evaluation(world, scorecard):
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    with pytest.raises(PermissionDenied):
        answer_all(evaluation, world.trainer_a)


def test_a_used_scorecard_is_frozen_and_changes_by_a_new_version(world, scorecard):
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    with pytest.raises(ValidationError):
        services.scorecard_update(actor=world.trainer_all, scorecard=scorecard, changes={"name": "다른 이름"})
    new = services.scorecard_new_version(actor=world.trainer_all, scorecard=scorecard)
    scorecard.refresh_from_db()
    assert new.version == 2 and new.previous == scorecard and not scorecard.is_active
    assert new.criteria.count() == scorecard.criteria.count()
    # the evaluation keeps the questions it answered
    assert {a.criterion.scorecard_id for a in evaluation.answers.select_related("criterion")} == {scorecard.pk}
    with pytest.raises(PermissionDenied):
        services.scorecard_new_version(actor=world.supervisor_a, scorecard=new)


def test_a_team_scorecard_is_not_for_another_teams_calls(world):
    from tests.qa.conftest import SECTIONS

    team_card = services.scorecard_create(actor=world.admin, name="B팀 평가표", team=world.team_b, sections=SECTIONS)
    with pytest.raises(ValidationError):
        services.evaluation_start(actor=world.admin, call=world.call_a, scorecard=team_card)


def test_an_auto_criterion_needs_its_key(world):
    sections = [{"title": "x", "criteria": [{"text": "인사", "auto_source": "checklist", "auto_key": "banmal"}]}]
    with pytest.raises(ValidationError):
        services.scorecard_create(actor=world.admin, name="잘못된 평가표", sections=sections)
