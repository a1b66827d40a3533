"""The PII masker (pii/): what it masks, what it leaves, and its recall on the synthetic set."""

import pytest

from pii import MASK, mask_pii, mask_transcript
from pii.evaluation import evaluate, generate, generate_birthdates, handwritten


@pytest.mark.parametrize(
    "text, masked",
    [
        ("주민번호 900101-1234567 맞으시죠", "주민번호 ******-******* 맞으시죠"),
        ("구공공일공일 다시 일이삼사오육칠이요", "****** 다시 *******이요"),
        ("공일공 일이삼사 오육칠팔이에요", "*** **** ****이에요"),
        ("01098765432 이 번호로 연락 주세요", "*********** 이 번호로 연락 주세요"),
        ("010 일이삼사 오육칠팔", "*** **** ****"),
        ("010-1234-5678로 보내드릴게요", "***-****-****로 보내드릴게요"),
        ("카드 4111 1111 1111 1111 로", "카드 **** **** **** **** 로"),
        ("신한 110-234-567890 입니다", "신한 ***-***-****** 입니다"),
        ("카드 끝자리 3456 맞으세요?", "카드 끝자리 **** 맞으세요?"),
    ],
)
def test_personal_numbers_are_masked_digit_by_digit(text, masked):
    assert mask_pii(text)[0] == masked


@pytest.mark.parametrize(
    "text",
    [
        "32,000원 결제되셨습니다",
        "삼만 이천 원이고 3~5영업일 걸립니다",
        "2024-03-05에 접수됐고 2024.03.12에 처리됐어요",
        "오후 2시 30분, 14:30 이후에",
        "고객센터 1588-1234로 전화 주세요",
        "1250000원, 15000점, 24개월",
        "요즘 일이 많아서 이사 가셨다고요 오이 한 박스",
        "2023-2024년 이용 내역",
    ],
)
def test_ordinary_numbers_and_numeral_words_are_left_alone(text):
    assert mask_pii(text) == (text, [])


def test_masking_keeps_the_length_so_flag_spans_still_line_up():
    text = "제 번호는 공일공 일이삼사 오육칠팔이고 그건 제 담당이 아닌데요"
    masked, spans = mask_pii(text)
    assert len(masked) == len(text)
    start = text.index("담당")
    assert masked[start : start + 2] == "담당"
    assert [s.kind for s in spans] == ["phone"]
    assert set(masked[spans[0].start : spans[0].end]) <= {MASK, " "}


def test_a_short_answer_is_masked_when_the_previous_segment_asked_for_it():
    (_, _), (answer, spans), (later, _) = mask_transcript(
        ["휴대폰 뒷자리가 어떻게 되세요?", "오육칠팔이요", "네 3개요"]
    )
    assert answer == "****이요"
    assert spans[0].kind == "phone"
    assert later == "네 3개요"


def test_the_same_four_digits_without_a_keyword_are_not_masked():
    assert mask_pii("네 5678개 입고됐습니다")[0] == "네 5678개 입고됐습니다"
    assert mask_pii("오육칠팔이요")[0] == "오육칠팔이요"


def test_the_synthetic_set_is_large_and_stable_for_a_seed():
    lines = generate(320, seed=7)
    assert len(lines) >= 300
    assert lines == generate(320, seed=7)
    assert lines != generate(320, seed=8)


@pytest.mark.parametrize("seed", [20261124, 1, 2])
def test_recall_is_at_least_99_percent_and_no_ordinary_number_is_masked(seed):
    result = evaluate(generate(320, seed=seed))
    print(f"seed {seed}: {result.masked}/{result.personal} masked, {result.ordinary_masked}/{result.ordinary} ordinary")
    assert result.personal >= 300
    assert result.recall >= 0.99, result.misses[:5]
    assert result.ordinary_masked == 0, result.false_positives[:5]
    # Digits read one by one then "이 계좌로": the 이 may be a digit or "this"; masking it is the
    # safe side, and rare.
    assert len(result.stray) <= len(result.misses) + 3, result.stray


def test_the_hand_written_lines_are_all_masked_and_nothing_ordinary_is_touched():
    result = evaluate(handwritten())
    assert result.personal >= 20 and result.ordinary >= 30
    assert result.misses == []
    assert result.false_positives == []


@pytest.mark.parametrize(
    "text, masked",
    [
        ("생년월일 1990년 1월 1일 맞으시죠", "생년월일 ****년 *월 *일 맞으시죠"),
        ("생년월일이 구공공일공일이에요", "생년월일이 ******이에요"),
        ("고객님 생일이 3월 15일로 되어 있네요", "고객님 생일이 *월 **일로 되어 있네요"),
        ("85년 3월 15일생이에요", "**년 *월 **일생이에요"),
        ("천구백칠십년 시월 이십일에 태어났어요", "*****년 *월 **일에 태어났어요"),
        ("생년월일 19900101", "생년월일 ********"),
        ("태어난 날이 90.01.01이요", "태어난 날이 **.**.**이요"),
    ],
)
def test_dates_of_birth_are_masked_number_by_number(text, masked):
    out, spans = mask_pii(text)
    assert out == masked
    assert {s.kind for s in spans} <= {"birthdate", "rrn"}


@pytest.mark.parametrize(
    "text",
    [
        "1월 1일에 배송됩니다",
        "2024년 3월 5일 예약하셨어요",
        "오늘 1월 1일이라 생일 축하드려요",
        "생일 쿠폰은 매달 1일에 발급돼요",
        "90년에 태어났고 3월 5일에 방문 예정이에요",
    ],
)
def test_ordinary_dates_are_not_dates_of_birth(text):
    assert mask_pii(text) == (text, [])


def test_only_the_date_of_birth_is_masked_not_the_delivery_date_after_it():
    assert mask_pii("생년월일 1990-01-01 확인됐고요 3월 5일에 배송됩니다")[0] == (
        "생년월일 ****-**-** 확인됐고요 3월 5일에 배송됩니다"
    )


def test_a_date_of_birth_answering_the_previous_segment_is_masked_and_the_next_date_is_not():
    _, (answer, spans), (later, _) = mask_transcript(
        ["생년월일이 어떻게 되세요?", "1990년 1월 1일이요", "네 3월 5일에 방문 예약 잡아드릴게요"]
    )
    assert answer == "****년 *월 *일이요"
    assert [s.kind for s in spans] == ["birthdate"] * 3
    assert later == "네 3월 5일에 방문 예약 잡아드릴게요"


@pytest.mark.parametrize("seed", [20261124, 3])
def test_dates_of_birth_recall_is_at_least_99_percent_and_ordinary_dates_beside_them_stay(seed):
    result = evaluate(generate_birthdates(320, seed=seed))
    assert result.personal >= 500
    assert result.recall >= 0.99, result.misses[:5]
    assert result.ordinary_masked == 0, result.false_positives[:5]
