"""MOT checklist and call metrics on constructed segments."""

import json

from tone import call_metrics, mot_checklist


def seg(speaker, start, end, text=""):
    return {"speaker": speaker, "start": start, "end": end, "text": text}


GOOD_CALL = [
    seg("agent", 0.0, 4.0, "안녕하십니까 한빛카드 상담원 김하늘입니다 무엇을 도와드릴까요"),
    seg("customer", 4.5, 9.0, "카드 결제가 두 번 됐는데 너무 답답하네요"),
    seg("agent", 9.5, 13.0, "많이 당황하셨겠어요 결제가 두 번 되셨다는 말씀이시죠"),
    seg("customer", 13.2, 14.0, "네"),
    seg("agent", 20.0, 26.0, "확인해 보니 중복 승인이라 오늘 중으로 취소해 드리겠습니다"),
    seg("agent", 26.5, 29.0, "이용해 주셔서 감사합니다 좋은 하루 보내세요"),
]


def by_item(result):
    return {r["item"]: r for r in result}


def test_checklist_finds_every_item_in_a_good_call():
    items = by_item(mot_checklist(GOOD_CALL))
    assert {k: v["status"] for k, v in items.items()} == {
        "greeting": "found",
        "need_confirmed": "found",
        "empathy": "found",
        "next_step": "found",
        "closing": "found",
    }
    assert (items["empathy"]["segment_index"], items["empathy"]["at"]) == (2, 9.5)
    assert items["closing"]["segment_index"] == 5


def test_empathy_is_not_applicable_without_a_complaint():
    segments = [
        seg("agent", 0, 3, "안녕하세요 상담원 이민수입니다"),
        seg("customer", 3, 5, "주소 변경하려고요"),
        seg("agent", 5, 8, "주소 변경 원하시는 거죠 바로 변경해 드리겠습니다 감사합니다"),
    ]
    items = by_item(mot_checklist(segments))
    assert items["empathy"]["status"] == "not_applicable"
    assert items["empathy"]["segment_index"] is None


def test_checklist_reports_missing_items_with_a_reason():
    segments = [
        seg("agent", 0, 2, "네"),
        seg("customer", 2, 6, "왜 이렇게 늦어요 벌써 세 번째예요"),
        seg("agent", 6, 8, "그건 안 됩니다"),
    ]
    items = by_item(mot_checklist(segments))
    assert {k: v["status"] for k, v in items.items()} == {
        "greeting": "missing",
        "need_confirmed": "missing",
        "empathy": "missing",
        "next_step": "missing",
        "closing": "missing",
    }
    assert "segment 1" in items["empathy"]["evidence"]


def test_greeting_without_company_or_name_is_missing():
    items = by_item(mot_checklist([seg("agent", 0, 2, "안녕하세요")]))
    assert items["greeting"]["status"] == "missing"
    assert items["greeting"]["segment_index"] == 0


def test_metrics_talk_time_ratio_and_monologue():
    m = call_metrics(GOOD_CALL, stereo=True)
    assert m["agent_talk_seconds"] == 4.0 + 3.5 + 6.0 + 2.5
    assert m["customer_talk_seconds"] == 4.5 + 0.8
    assert m["talk_listen_ratio"] == round(16.0 / 5.3, 2)
    # the last two agent segments run on with no customer turn between them
    assert m["longest_agent_monologue_seconds"] == 9.0
    assert m["longest_agent_monologue"] == {"start": 20.0, "end": 29.0}


def test_metrics_dead_air_lists_long_silences_only():
    m = call_metrics(GOOD_CALL, stereo=True, dead_air_threshold=5.0)
    assert m["dead_air"] == [[14.0, 20.0]]
    assert m["dead_air_total_seconds"] == 6.0
    assert call_metrics(GOOD_CALL, stereo=True, dead_air_threshold=10)["dead_air"] == []


def test_overtalk_only_for_stereo():
    segments = [seg("agent", 0, 5, "네 고객님"), seg("customer", 4, 6, "아니 그게요"), seg("agent", 5.5, 7, "네")]
    stereo = call_metrics(segments, stereo=True)["overtalk"]
    assert stereo["count"] == 2 and stereo["seconds"] == 1.5
    assert call_metrics(segments, stereo=False)["overtalk"] is None


def test_speaking_rate_counts_hangul_syllables_per_minute():
    m = call_metrics([seg("agent", 0, 6, "안녕하세요 ABC 123 감사합니다"), seg("customer", 6, 9, "네")], stereo=False)
    assert m["speaking_rate_spm"]["agent"] == 10 / 6 * 60
    assert m["speaking_rate_spm"]["customer"] == 20.0


def test_metrics_are_json_serialisable_and_handle_an_empty_call():
    json.dumps(call_metrics(GOOD_CALL, stereo=True))
    empty = call_metrics([], stereo=False)
    assert empty["talk_listen_ratio"] is None and empty["dead_air"] == []
