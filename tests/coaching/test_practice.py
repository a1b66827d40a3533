"""The practice check: the same tone analyser as real calls judges each reply."""

import pytest

from coaching.migrations._starter_library import MODULES
from coaching.services import practice_check


@pytest.mark.parametrize("reply", ["그건 제 담당이 아닌데요", "알았어 기다려"])
def test_a_rude_reply_fails_with_the_flags_explained(db, reply):
    result = practice_check(reply)
    assert not result.passed
    assert result.hits
    assert all(hit["explanation"] for hit in result.hits)


def test_a_dismissive_reply_names_the_category_and_a_suggestion(db):
    result = practice_check("그건 제 담당이 아닌데요")
    [hit] = [h for h in result.hits if h["category"] == "dismissive"]
    assert "담당" in hit["excerpt"] and hit["suggestion"]


def test_a_polite_reply_with_an_alternative_passes(db):
    result = practice_check("그 부분은 담당 부서로 바로 연결해 드리겠습니다")
    assert result.passed and result.polite and result.hits == []


def test_banmal_without_a_flag_still_fails_on_speech_level(db):
    result = practice_check("네 고객님")
    assert not result.passed and not result.polite


@pytest.mark.parametrize(
    "answer",
    [item["model_answer"] for module in MODULES for item in module["practice"]]
    + [line for module in MODULES for line in module["good_examples"]],
)
def test_every_model_answer_and_good_example_of_the_starter_library_passes(db, answer):
    assert practice_check(answer).passed, practice_check(answer)
