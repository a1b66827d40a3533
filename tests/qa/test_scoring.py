from types import SimpleNamespace

from qa.scoring import allowed_values, score_compute


def criterion(weight=1, answer_type="yes_no", is_fail=False, allow_na=True):
    return SimpleNamespace(weight=weight, answer_type=answer_type, is_fail=is_fail, allow_na=allow_na)


def test_score_is_the_weighted_share_of_points():
    answers = [(criterion(2), "yes"), (criterion(1), "no"), (criterion(1, "scale"), "3")]
    # (2*1 + 1*0 + 1*0.5) / 4
    assert score_compute(answers) == (62.5, False)


def test_na_and_unanswered_criteria_leave_the_total():
    answers = [(criterion(3), "yes"), (criterion(5), "na"), (criterion(2), "")]
    assert score_compute(answers) == (100.0, False)


def test_nothing_applicable_has_no_score():
    assert score_compute([(criterion(), "na")]) == (None, False)


def test_a_fail_criterion_answered_no_scores_zero_whatever_else():
    answers = [(criterion(5), "yes"), (criterion(0, is_fail=True), "no")]
    assert score_compute(answers) == (0.0, True)
    answers = [(criterion(5), "yes"), (criterion(0, is_fail=True), "yes")]
    assert score_compute(answers) == (100.0, False)


def test_scale_runs_from_nothing_at_1_to_everything_at_5():
    assert score_compute([(criterion(1, "scale"), "1")]) == (0.0, False)
    assert score_compute([(criterion(1, "scale"), "5")]) == (100.0, False)


def test_allowed_answers_follow_the_type_and_na_setting():
    assert allowed_values(criterion()) == ("yes", "no", "na")
    assert allowed_values(criterion(allow_na=False)) == ("yes", "no")
    assert allowed_values(criterion(is_fail=True)) == ("yes", "no")
    assert allowed_values(criterion(answer_type="scale"))[-1] == "na"
