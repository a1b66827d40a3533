"""The pattern language and rule validation."""

import pytest

from tone import Analyzer, PatternError, RuleSpec, compile_pattern, load_starter_rules, validate_rule
from tone.engine import word_span
from tone.morph import analyse


def spec(pattern, **kw):
    base = dict(code="t-1", category="dismissive", severity="low", speaker="agent", pattern=pattern, explanation="test")
    base.update(kw)
    return RuleSpec(**base)


def matched(pattern, text):
    utt = analyse(text)
    spans = [word_span(text, s.toks[i].start, s.toks[j - 1].end) for s, i, j in compile_pattern(pattern).find(utt)]
    return [text[a:b] for a, b in spans]


def test_every_starter_rule_validates():
    problems = {r.code: validate_rule(r) for r in load_starter_rules()}
    assert {code: errs for code, errs in problems.items() if errs} == {}


def test_starter_rule_codes_are_unique_and_cover_every_category():
    rules = load_starter_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert {r.category for r in rules} == {"banmal", "dismissive", "blame", "sarcasm", "profanity", "abuse"}


def test_agent_starter_rules_all_carry_a_suggestion():
    assert [r.code for r in load_starter_rules() if r.speaker == "agent" and not r.suggestion] == []


def test_token_matches_conjugated_forms():
    assert matched("모르/VV", "저는 몰라요") == ["몰라요"]
    assert matched("모르/VV", "모르겠는데요") == ["모르겠는데요"]


def test_alternatives_optional_and_gap():
    pattern = "( 담당,소관/NNG ) /J*? ..2 아니/VCN"
    assert matched(pattern, "제 소관이 아니에요") == ["소관이 아니에요"]
    assert matched(pattern, "담당 아니고요") == ["담당 아니고요"]


def test_written_jamo_endings_match_kiwi_forms():
    assert matched("ㄴ데요/EF", "제 담당이 아닌데요") != []
    assert matched("세요/EF", "이쪽으로 앉으세요") != []  # 으세요 folds to 세요


def test_negative_lookahead_is_zero_width():
    assert matched("모르/VV !( 시/EP | 세요/EF )", "모르세요?") == []
    assert matched("모르/VV !( 시/EP | 세요/EF )", "몰라요") == ["몰라요"]


def test_unless_after_clause_drops_matches_followed_by_an_offer():
    pattern = "모르/VV ; unless after @offer"
    assert matched(pattern, "모르겠습니다. 확인해서 알려 드리겠습니다.") == []
    assert matched(pattern, "모르겠습니다.") == ["모르겠습니다"]


def test_if_clause_with_zero_width_predicate():
    assert matched("왜/MAG ; if sent @question", "왜 그러셨어요?") == ["왜"]
    assert matched("왜/MAG ; if sent @question", "왜 그런지 설명드릴게요.") == []


def test_banmal_predicate_skips_quoted_speech():
    assert matched("@banmal", "고객님이 '알았어'라고 하셨어요") == []
    assert matched("@banmal", "알았어") == ["알았어"]


@pytest.mark.parametrize(
    "pattern, fragment",
    [
        ("( 모르/VV", "')'"),
        ("모르/vv", "bad tag"),
        ("@nonsense", "unknown predicate"),
        ("~([/VV", "bad regex"),
        ("모르/VV ; maybe after 드리/VX", "clause"),
        ("", "empty"),
    ],
)
def test_bad_patterns_are_reported(pattern, fragment):
    errors = validate_rule(spec(pattern))
    assert errors and fragment in errors[0]


def test_must_match_example_that_does_not_match_is_named():
    errors = validate_rule(spec("모르/VV", must_match=("몰라요", "알겠습니다")))
    assert errors == ["must_match example does not match: '알겠습니다'"]


def test_must_not_match_example_that_matches_is_named():
    errors = validate_rule(spec("모르/VV", must_not_match=("저는 몰라요",)))
    assert len(errors) == 1 and "저는 몰라요" in errors[0] and "must_not_match" in errors[0]


def test_unknown_category_severity_and_speaker_are_errors():
    errors = validate_rule(spec("모르/VV", category="rude", severity="huge", speaker="boss"))
    assert len(errors) == 3


def test_analyzer_refuses_an_invalid_rule():
    with pytest.raises(PatternError, match="t-1"):
        Analyzer([spec("( 모르/VV")])


def test_rulespec_round_trips_through_a_dict():
    rule = load_starter_rules()[0]
    assert RuleSpec.from_dict(rule.to_dict()) == rule
