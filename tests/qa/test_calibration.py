import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from calls.models import Notification
from qa import services
from qa.models import Calibration, Evaluation
from qa.policies import can_see_calibration_results
from qa.selectors import calibration_spread, evaluations_visible_to
from tests.qa.conftest import answer_all


@pytest.fixture
def calibration(world, scorecard):
    return services.calibration_create(
        actor=world.supervisor_a,
        call=world.call_a,
        scorecard=scorecard,
        participants=[world.supervisor_a, world.trainer_a, world.admin],
    )


def score(world, calibration, actor, **answers):
    evaluation = services.evaluation_start(
        actor=actor, call=calibration.call, scorecard=calibration.scorecard, calibration=calibration
    )
    answer_all(evaluation, actor, **answers)
    return services.evaluation_submit(actor=actor, evaluation=evaluation)


def test_spread_per_criterion_and_overall(world, calibration):
    score(world, calibration, world.supervisor_a, **{"정확한 안내": "5"})
    score(world, calibration, world.trainer_a, **{"정확한 안내": "3", "공감": "no"})
    score(world, calibration, world.admin, **{"정확한 안내": "5", "공감": "na"})
    spread = calibration_spread(calibration)
    rows = {row.criterion.text: row for row in spread["rows"]}
    accuracy = rows["정확한 안내"]
    assert accuracy.values == ["5", "3", "5"]
    assert (accuracy.minimum, accuracy.maximum) == (50.0, 100.0)
    assert accuracy.stdev == 23.6  # pstdev(100, 50, 100)
    assert accuracy.agreement == 67
    assert rows["공감"].values == ["yes", "no", "na"] and rows["공감"].agreement == 33
    assert rows["인사"].agreement == 100 and rows["인사"].stdev == 0.0
    # scores: 100; (2 + 0 + 1.5 + 2) / 8 = 68.8; (2 + 3 + 2) / 7 = 100
    assert (spread["score_min"], spread["score_max"]) == (68.8, 100.0)
    assert spread["score_range"] == 31.2


def test_blind_until_your_own_is_submitted(world, calibration):
    score(world, calibration, world.supervisor_a)
    assert can_see_calibration_results(world.supervisor_a, calibration)
    assert not can_see_calibration_results(world.trainer_a, calibration)
    draft = services.evaluation_start(
        actor=world.trainer_a, call=world.call_a, scorecard=calibration.scorecard, calibration=calibration
    )
    assert not can_see_calibration_results(world.trainer_a, calibration)
    # nor through the evaluation list or page
    assert not evaluations_visible_to(world.trainer_a).filter(evaluator=world.supervisor_a).exists()
    answer_all(draft, world.trainer_a)
    services.evaluation_submit(actor=world.trainer_a, evaluation=draft)
    assert can_see_calibration_results(world.trainer_a, calibration)
    assert not can_see_calibration_results(world.supervisor_b, calibration)


def test_the_page_hides_the_others_until_submitted(client, world, calibration):
    score(world, calibration, world.supervisor_a, **{"정확한 안내": "5"})
    client.force_login(world.trainer_a)
    page = client.get(f"/qa/calibrations/{calibration.pk}/").content.decode()
    assert "블라인드" in page and "항목별 편차" not in page
    client.force_login(world.supervisor_a)
    page = client.get(f"/qa/calibrations/{calibration.pk}/").content.decode()
    assert "항목별 편차" in page
    client.force_login(world.supervisor_b)
    assert client.get(f"/qa/calibrations/{calibration.pk}/").status_code == 404


def test_calibration_scores_count_for_nobody(world, calibration):
    score(world, calibration, world.supervisor_a)
    assert not evaluations_visible_to(world.agent_a).exists()
    assert not Notification.objects.filter(recipient=world.agent_a).exists()
    assert Notification.objects.filter(recipient=world.trainer_a, kind=Notification.Kind.EVALUATION).exists()


def test_participants_must_see_the_call_and_only_they_score(world, scorecard, calibration):
    with pytest.raises(ValidationError):
        services.calibration_create(
            actor=world.supervisor_a,
            call=world.call_a,
            scorecard=scorecard,
            participants=[world.supervisor_a, world.supervisor_b],
        )
    with pytest.raises(PermissionDenied):
        services.evaluation_start(
            actor=world.trainer_all, call=world.call_a, scorecard=scorecard, calibration=calibration
        )
    # a participant's calibration score and their ordinary evaluation of the same call are separate
    score(world, calibration, world.supervisor_a)
    ordinary = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    assert ordinary.calibration_id is None and Evaluation.objects.filter(call=world.call_a).count() == 2


def test_a_closed_session_takes_no_new_scores(client, world, calibration):
    services.calibration_close(actor=world.supervisor_a, calibration=calibration)
    with pytest.raises(ValidationError):
        services.evaluation_start(
            actor=world.trainer_a, call=world.call_a, scorecard=calibration.scorecard, calibration=calibration
        )
    client.force_login(world.trainer_a)
    response = client.post(f"/qa/calibrations/{calibration.pk}/")
    assert response.status_code == 302 and not Evaluation.objects.exists()
    with pytest.raises(PermissionDenied):
        services.calibration_close(actor=world.trainer_a, calibration=calibration)


def test_the_new_session_form_offers_the_teams_supervisors_and_trainers(client, world, scorecard):
    """Regression: the choice of evaluators came from the people *in* the user's teams, so a
    trainer saw only themself (supervisors and trainers lead and coach teams, they are not in
    them) and could not start a session, which needs two."""
    from qa.forms import CalibrationForm

    offered = set(CalibrationForm(user=world.trainer_a).fields["participants"].queryset)
    assert {world.trainer_a, world.supervisor_a, world.admin, world.trainer_all} <= offered
    assert world.supervisor_b not in offered  # leads only team B, which trainer_a does not coach
    assert not any(user.is_agent for user in offered)

    client.force_login(world.trainer_a)
    response = client.post(
        "/qa/calibrations/",
        {
            "title": "A팀 보정",
            "call": world.call_a.pk,
            "scorecard": scorecard.pk,
            "participants": [world.trainer_a.pk, world.supervisor_a.pk],
        },
    )
    calibration = Calibration.objects.get(title="A팀 보정")
    assert response.status_code == 302 and response.url == f"/qa/calibrations/{calibration.pk}/"
    assert set(calibration.participants.all()) == {world.trainer_a, world.supervisor_a}
    # Nobody outside the user's teams can be slipped in by a forged post.
    response = client.post(
        "/qa/calibrations/",
        {
            "call": world.call_a.pk,
            "scorecard": scorecard.pk,
            "participants": [world.trainer_a.pk, world.supervisor_b.pk],
        },
    )
    assert response.status_code == 200 and Calibration.objects.count() == 1
