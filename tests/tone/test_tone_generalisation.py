"""Broader phrasings of brush-offs, reproaches and blame (sentences invented for these tests)."""

import pytest

from tone import Analyzer, load_starter_rules


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer(load_starter_rules())


def categories(analyzer, text, speaker="agent"):
    return {f.category for f in analyzer.analyze(text, speaker)}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # redirecting the work to the customer / another place
        ("그건 제조사에 직접 물어보셔야죠", "dismissive"),
        ("그건 보험사에 청구하셔야지요", "dismissive"),
        # refusing a service or closing the topic
        ("그 부분은 전화로는 더 설명 안 합니다", "dismissive"),
        ("수수료 면제는 없습니다 그렇게 아세요", "dismissive"),
        ("재발급은 안 해 드려요", "dismissive"),
        # the agent's own convenience ends the call
        ("저 이제 퇴근해야 하거든요 내일 하세요", "dismissive"),
        ("업무 시간 끝났어요 월요일에 거세요", "dismissive"),
        ("그런 거까지 저희가 일일이 챙겨야 되나요", "dismissive"),
        # reproachful / rhetorical questions
        ("증빙 서류도 없으시면서 보상을 요구하시네요", "sarcasm"),
        ("비밀번호도 모르시면서 어떻게 로그인하시게요", "sarcasm"),
        ("그게 저랑 무슨 소용이 있어요?", "sarcasm"),
        ("고객님 지금 저랑 장난하십니까?", "sarcasm"),
        ("고객님 때문에 제가 오늘 점심도 거르고 있어요", "sarcasm"),
        ("그래서 저보고 뭘 하라는 건데요", "sarcasm"),
        ("고객님 혹시 등신이세요?", "sarcasm"),
        # the customer as the agent of the error
        ("그러게 왜 그걸 눌렀어", "blame"),
        ("네가 직접 취소한 거잖아", "blame"),
        ("그 메일을 또 삭제하셨어요?", "blame"),
        ("주소를 틀리게 적으셔서 반송된 겁니다", "blame"),
        ("고객님께서 기한 내에 신청을 안 하셨기 때문에 처리가 불가합니다", "blame"),
        ("카드 안 바꿨으니까 결제가 막힌 거지", "blame"),
    ],
)
def test_other_phrasings_of_the_phenomenon_are_caught(analyzer, text, category):
    assert category in categories(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "지점은 직접 가셔야죠, 대신 방문 예약은 제가 잡아 드릴게요.",
        "환불은 없지만 대신 쿠폰으로 보상해 드릴게요.",
        "상담 시간이 끝나서 내일 아침에 제가 먼저 연락드릴게요.",
        "저도 그 마음 알아요, 많이 답답하셨죠.",
        "그건 절대 있어선 안 되는 일이었어요. 정말 죄송합니다.",
        "서류가 빠져서 처리가 안 된 거예요. 제가 지금 다시 접수해 드릴게요.",
        "영수증이 없으시면 카드 내역으로도 확인 가능합니다.",
        "고객님 덕분에 오류를 찾았어요, 감사합니다.",
        "저희가 안내를 못 드렸기 때문에 연체료는 빼 드리겠습니다.",
        "네 알겠고요, 그건 제가 바로 확인해 드릴게요.",
    ],
)
def test_hard_negatives_stay_clean(analyzer, text):
    assert not categories(analyzer, text) & {"dismissive", "blame", "sarcasm", "banmal"}


def test_promissive_ending_in_an_unpunctuated_run_is_banmal(analyzer):
    assert "banmal" in categories(analyzer, "네네 그럼 새로 보내 줄게 잠깐만")


def test_clipped_honorific_connective_is_not_banmal(analyzer):
    assert "banmal" not in categories(analyzer, "네 그건 내일 다시 확인하시고")


def test_romanised_swearing_is_profanity(analyzer):
    assert "profanity" in categories(analyzer, "시bal 이게 뭐야", "customer")
