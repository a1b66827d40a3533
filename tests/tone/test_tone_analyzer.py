"""Analyser behaviour per category, on sentences written for these tests (not dev-set lines)."""

import pytest

from tone import Analyzer, load_starter_rules, morph


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer(load_starter_rules())


def categories(analyzer, text, speaker="agent"):
    return {f.category for f in analyzer.analyze(text, speaker)}


@pytest.mark.parametrize(
    "text",
    [
        "그냥 기다려 지금 보고 있잖아",
        "주민번호 앞자리 대 봐",
        "그건 나도 몰라",
        "네 고객님 그거 안 돼 그냥 끊어",
        "이름이 뭐라고 하셨지?",
        "가입은 누가 했겠나.",
    ],
)
def test_banmal_endings_are_flagged(analyzer, text):
    assert "banmal" in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "네, 알겠어요. 바로 처리해 드릴게요.",
        "고객님께서 '다시는 전화하지 마'라고 하셨다고 기록돼 있어서요, 수신 거부 도와드릴게요.",
        "고객님이 알았어라고 하셨는데요 그래서 접수했습니다",
        "아이고 또 화면이 멈췄네.",
        "잠시 대기 음악이 나와도 끊지 말고 기다려 주세요.",
        "요금이 미납되면 회선이 정지되세요.",
    ],
)
def test_polite_quoted_or_aside_speech_is_not_banmal(analyzer, text):
    assert "banmal" not in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "그건 저희 부서 일이 아니에요.",
        "저도 모르겠어요.",
        "은행에 직접 전화해 보세요.",
        "환불은 불가능합니다.",
        "제가 그걸 어떻게 압니까?",
        "그런 건 인터넷 찾아보시면 다 나와요.",
        "바쁘니까 요점만 말씀하세요.",
        # unpunctuated ASR text, 해요체 and 합쇼체
        "아 그건 저희 쪽 일이 아니라서요 카드사에 문의하셔야 돼요",
        "자세한 건 자주 묻는 질문에 다 있어요",
        "지금 상담이 밀려서 그만 끊을게요",
        "그건 회사 방침이라서요",
        "담당자가 지금 없는데요",
        "해당 건은 저희가 처리하지 못합니다",
        "나중에 다시 전화 주세요",
    ],
)
def test_brush_offs_are_dismissive(analyzer, text):
    assert "dismissive" in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "그 부분은 제 담당이 아니라서 담당 부서로 바로 연결해 드리겠습니다.",
        "제가 정확히는 모르겠지만 확인해서 오늘 안에 다시 전화드릴게요.",
        "반품은 어렵지만 대신 교환으로 처리해 드릴 수 있습니다.",
        "홈페이지에도 나와 있는데, 제가 지금 바로 설명해 드릴게요.",
        "혹시 모르니까 접수 번호 문자로 남겨 드릴게요.",
        "약속을 지키지 못해 정말 죄송합니다 많이 답답하셨겠어요",
        "더 궁금하신 점 있으시면 다시 연락 주세요.",
        "앱에서 확인하시는 방법 제가 하나씩 안내해 드릴게요",
        "담당자가 자리에 없어서 복귀하는 대로 전화드리도록 전달해 두었습니다.",
        "혹시 주문 번호 알 수 있을까요?",
    ],
)
def test_refusal_or_not_knowing_with_a_way_forward_is_clean(analyzer, text):
    assert analyzer.analyze(text, "agent") == []


def test_polite_ending_does_not_make_a_brush_off_polite(analyzer):
    assert {"dismissive", "sarcasm"} <= categories(analyzer, "그걸 저희가 어떻게 알아요?")


@pytest.mark.parametrize(
    "text",
    [
        "고객님이 주소를 잘못 쓰셔서 그런 거예요.",
        "비밀번호를 고객님이 잊어버리신 거잖아요.",
        "그건 고객님 실수죠.",
        "고객님이 약관을 잘못 이해하신 겁니다.",
        "처음에 꼼꼼히 안 읽으셔서 그래요.",
        "회사 규정이 그래서 어쩔 수 없습니다.",
    ],
)
def test_blaming_the_customer_is_blame(analyzer, text):
    assert "blame" in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "제가 설명을 잘못 드려서 오해가 생긴 것 같습니다. 죄송합니다.",
        "오해 없으시도록 다시 정리해 드리면, 이 금액은 할부 잔액입니다.",
        "고객님 잘못이 아니에요, 저희 시스템 오류였습니다.",
        "혹시 제가 잘못 들었을 수도 있어서요, 한 번만 더 불러 주시겠어요?",
    ],
)
def test_taking_responsibility_or_clarifying_is_not_blame(analyzer, text):
    assert "blame" not in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "이것도 모르세요?",
        "제가 아까 분명히 말씀드렸잖아요.",
        "몇 번이나 설명드려야 해요?",
        "이게 뭐가 어렵다고 그러세요?",
        "하... 진짜 다시 말씀드릴게요.",
        "그러니까 그게 안 된다니까요.",
        "그 정도는 혼자 하실 수 있잖아요?",
    ],
)
def test_condescension_is_sarcasm(analyzer, text):
    assert "sarcasm" in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "결제가 두 번 되셨다고요? 바로 확인해 드릴게요.",
        "아까 말씀드린 내용 다시 정리해 드릴게요.",
        "어렵지 않으니 제가 같이 화면 보면서 안내해 드릴게요.",
    ],
)
def test_restating_and_reassuring_is_not_sarcasm(analyzer, text):
    assert analyzer.analyze(text, "agent") == []


@pytest.mark.parametrize(
    "text",
    [
        "아 씨발 또 끊겼네",
        "존나 귀찮게 하네",
        "ㅅㅂ 뭐야 이거",
        "시1발 진짜",
        "개같은 시스템",
    ],
)
def test_swearing_and_obfuscations_are_profanity(analyzer, text):
    assert "profanity" in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "시발점이 어디예요?",
        "새끼손가락을 다쳤어요.",
        "전원이 꺼져 있어요.",
        "늦게 자지 마세요.",
    ],
)
def test_ordinary_words_that_contain_swear_syllables_are_clean(analyzer, text):
    assert "profanity" not in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "너 같은 애가 무슨 상담을 해",
        "야 니네 사장 바꿔",
        "씨발 장난하냐",
        "내가 거기 찾아가서 가만 안 둘 거야",
        "목소리 이쁘네 몇 살이야",
        "당신 잘리게 만들어 줄게",
    ],
)
def test_customer_abuse_is_flagged(analyzer, text):
    assert "abuse" in categories(analyzer, text, "customer")


@pytest.mark.parametrize(
    "text",
    [
        "진짜 화가 나네요 벌써 세 번째예요",
        "이러시면 소비자원에 신고할 수밖에 없어요",
        "제가 바보가 된 것 같네요.",
        "아 네 알겠어. 아니 알겠어요.",
    ],
)
def test_frustrated_but_civil_customer_is_not_abuse(analyzer, text):
    assert analyzer.analyze(text, "customer") == []


def test_agent_rules_do_not_run_on_customer_lines(analyzer):
    # a customer's 반말 is customer abuse (abuse-banmal-at-agent); the agent rules stay silent
    got = categories(analyzer, "그건 안 돼. 다음에 전화해.", "customer")
    assert not got & {"banmal", "dismissive", "blame", "sarcasm"}
    assert analyzer.analyze("그건 안 돼요. 다음에 전화할게요.", "customer") == []


def test_unknown_speaker_gets_only_profanity(analyzer):
    assert categories(analyzer, "씨발 그건 안 돼 다음에 전화해", "unknown") == {"profanity"}


def test_unpunctuated_asr_text_is_split_into_sentences(analyzer):
    text = "네 고객님 그건 제 담당이 아닌데요 다른데 전화하세요"
    flags = analyzer.analyze(text, "agent")
    assert {f.category for f in flags} == {"dismissive"}
    # both brush-offs are found (Kiwi splits the run at 아닌데요); one written sentence, so one
    # dismissive flag spans them
    assert [text[f.start : f.end] for f in flags] == ["담당이 아닌데요 다른데 전화하세요"]
    utt = morph.analyse(text, analyzer._kiwi())
    assert len(utt.sents) == 2


def test_span_points_at_the_offending_words(analyzer):
    text = "네 알겠습니다. 잠깐 기다려. 바로 볼게요."
    [flag] = analyzer.analyze(text, "agent")
    assert (flag.category, text[flag.start : flag.end]) == ("banmal", "기다려")


def test_profanity_span_maps_back_through_obfuscation(analyzer):
    text = "아니 시1발 이게 뭐예요"
    [flag] = [f for f in analyzer.analyze(text, "agent") if f.category == "profanity"]
    assert text[flag.start : flag.end] == "시1발"


def test_flags_carry_rule_explanation_and_agent_suggestion(analyzer):
    [flag] = analyzer.analyze("그건 제 담당이 아닌데요.", "agent")
    assert flag.rule == "dismissive-not-my-job"
    assert flag.severity in ("low", "medium", "high")
    assert flag.explanation and flag.suggestion


def test_one_flag_per_category_and_overlapping_span(analyzer):
    # dismissive-how-would-i-know and the rules-wall rule cover overlapping words; only one stays
    flags = analyzer.analyze("규정이 그래서 안 되는 거니까 저한테 그러셔도 소용없어요.", "agent")
    spans = [(f.category, f.start, f.end) for f in flags]
    for cat in {c for c, _, _ in spans}:
        mine = sorted((s, e) for c, s, e in spans if c == cat)
        assert all(a[1] <= b[0] for a, b in zip(mine, mine[1:], strict=False))


@pytest.mark.parametrize(
    "text",
    [
        "폭언으로 상담을 종료하겠습니다 다음에 다시 연락 주십시오",
        "잠시만 기다려 주십시오.",
        "이쪽으로 오십시오",
        "서류를 지참하고 방문하시기 바랍니다 들어가십시오",
    ],
)
def test_hasipsio_style_is_never_banmal(analyzer, text):
    assert "banmal" not in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "고객님 계속 폭언을 하시면 상담을 종료할 수밖에 없습니다",
        "폭언으로 상담을 종료하겠습니다 다음에 다시 연락 주십시오",
        "욕설을 계속하시면 더 이상 상담이 어렵습니다. 통화를 종료하겠습니다.",
        "고객님 성희롱 발언이 계속되어 이만 끊겠습니다",
    ],
)
def test_warning_an_abusive_caller_is_protected_procedure(analyzer, text):
    # 산업안전보건법 제41조: warning an abusive caller and ending the call is never a fault
    assert categories(analyzer, text) == set()


def test_one_flag_per_category_per_sentence_spans_all_hits(analyzer):
    text = "야 너 이름 뭐야 너 잘리고 싶어"
    flags = [f for f in analyzer.analyze(text, "customer") if f.category == "abuse"]
    assert len(flags) == 1
    assert text[flags[0].start : flags[0].end] == text


def test_merging_keeps_separate_written_sentences_apart(analyzer):
    text = "야 너 이름 뭐야. 너 잘리고 싶어?"
    flags = [f for f in analyzer.analyze(text, "customer") if f.category == "abuse"]
    assert len(flags) == 2
    assert flags[0].end <= flags[1].start


def test_merged_flag_takes_highest_severity_and_its_rule():
    from tone.engine import dedupe
    from tone.rules import FlagHit

    hits = [
        FlagHit("abuse", "medium", 0, 3, "a", "x", "y"),
        FlagHit("abuse", "high", 10, 14, "b", "x", "y"),
        FlagHit("abuse", "low", 20, 22, "c", "x", "y"),
        FlagHit("abuse", "high", 30, 32, "d", "x", "y"),
    ]
    text = "가" * 40
    (flag,) = dedupe(hits, text)
    assert (flag.start, flag.end, flag.severity, flag.rule) == (0, 32, "high", "b")


def test_analyze_many_matches_analyze(analyzer):
    items = [("그것도 모르세요?", "agent"), ("", "agent"), ("씨발 뭐야", "customer"), ("네 감사합니다", "agent")]
    assert analyzer.analyze_many(items) == [analyzer.analyze(t, s) for t, s in items]


def test_unknown_speaker_value_is_rejected(analyzer):
    with pytest.raises(ValueError):
        analyzer.analyze("안녕하세요", "robot")


def test_the_lexicons_first_character_filter_finds_exactly_what_the_plain_union_finds():
    import json
    import re
    from pathlib import Path

    from tone import lexicon

    assert lexicon.first_chars(r"(?<![가-힣])(?:씨|시)발|ㅅㅂ") == {"씨", "시", "ㅅ"}
    assert lexicon.first_chars(r"a?b") == {"a", "b"}
    assert lexicon.first_chars(r"x*") is None  # can match empty: no filter
    assert lexicon.first_chars(r".bc") is None  # any character
    lines = [
        json.loads(row)["text"]
        for path in sorted(Path(lexicon.__file__).with_name("corpus").glob("w*.jsonl"))
        for row in path.read_text(encoding="utf-8").splitlines()
    ]
    lines += ["시1발 진짜", "아 씨 뭐야", "ㅗㅗ", "새끼손가락", "이 양반이", "개빡치네", "틀딱들"]
    for name, patterns in lexicon.LEXICONS.items():
        plain = re.compile("|".join(f"(?:{p})" for p in patterns))
        fast = lexicon._compiled(name)
        assert fast.pattern != plain.pattern
        for line in lines:
            text = lexicon.normalize_with_map(line)[0]
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)], (name, line)
