"""Speech level (존댓말 / 반말) from sentence-final endings.

Kiwi tags the final ending EF, folds the honorific -시- into some endings (세요/EF) and sometimes
tags a sentence-final ending as connective (했겠나 → 나/EC). A sentence is judged by its final
endings, not by whether -시- appears: "이름이 뭐라고 하셨지?" is still 반말.
"""

from __future__ import annotations

from .morph import Sentence, Tok

PUNCT_TAGS = frozenset({"SF", "SP", "SE", "SO", "SS", "SSO", "SSC", "SW"})

# Endings that are polite on their own (하십시오체 / 해요체 / 하오체 forms not ending in 요).
_POLITE_FORMS = frozenset(
    {
        "습니다",
        "ㅂ니다",
        "니다",
        "습니까",
        "ㅂ니까",
        "니까요",
        "십시오",
        "시오",
        "ㅂ시오",
        "읍시오",
        "십시요",
        "ㅂ시요",
        "ㅂ시다",
        "읍시다",
        "세요",
        "셔요",
        "죠",
        "지요",
        "소",
        "오",
        "ㅂ쇼",
        "십쇼",
        "시지요",
    }
)
# Exclamative / self-talk endings: "또 전산 멈췄네" is an aside, not 반말 addressed to the caller.
_ASIDE_FORMS = frozenset({"네", "군", "구나", "구먼", "구만", "누나", "로구나", "더라", "던데"})
# Connective endings that close a 반말 sentence when nothing follows them (Kiwi tags them EC).
_FINAL_EC_BANMAL = frozenset(
    {
        "어",
        "아",
        "여",
        "지",
        "게",
        "나",
        "니까",
        "거든",
        "는데",
        "ㄴ데",
        "냐고",
        "다고",
        "라고",
        "자고",
        "라니까",
        "다니까",
        "고",
        "든지",
        "던가",
        "ㄴ가",
        "는가",
        "래",
    }
)
_PROMISSIVE_EC = frozenset({"ㄹ게", "ㄹ께"})
_QUOTE_FOLLOWERS = frozenset({"JKQ", "ETM", "ETN"})


def is_polite_form(form: str) -> bool:
    return (
        form.endswith("요")
        or form.endswith("죠")
        or form in _POLITE_FORMS
        or form.endswith(("시오", "쇼"))  # 하십시오체 (주십시오 → 주/VV 시/EP ㅂ시오/EF): the most polite
        or form.endswith("니다")
        or form.endswith("니까")
        and form.endswith(("습니까", "ㅂ니까"))
    )


def final_ending_positions(sent: Sentence) -> list[int]:
    """Indexes of the endings that set the speech level of this sentence (cached)."""
    cached = sent.cache.get("finals")
    if cached is not None:
        return cached
    toks = sent.toks
    last = len(toks) - 1
    while last >= 0 and toks[last].tag in PUNCT_TAGS:
        last -= 1
    finals = [i for i, t in enumerate(toks) if t.tag == "EF" and not _is_embedded(toks, i)]
    if last >= 0 and toks[last].tag == "EC" and _closes_sentence(sent, last):
        finals.append(last)
    # -ㄹ게 only ever ends a clause ("바꿔 줄게 잠깐만"); Kiwi tags it EC in unpunctuated runs
    finals.extend(
        i
        for i, t in enumerate(toks[:last])
        if t.tag == "EC" and t.form in _PROMISSIVE_EC and not (toks[i + 1].form == "요" and toks[i + 1].tag == "JX")
    )
    finals.sort()
    sent.cache["finals"] = finals
    return finals


def _closes_sentence(sent: Sentence, i: int) -> bool:
    # A trailing connective only closes the sentence when punctuation or the end of the
    # utterance follows; otherwise Kiwi just split an unpunctuated run mid-clause.
    toks = sent.toks
    if i + 1 < len(toks):
        return True  # only punctuation follows (caller checked)
    return sent.index == len(sent.utt.sents) - 1


def _is_embedded(toks: list[Tok], i: int) -> bool:
    """An ending followed by a quotative (라고, 하고) or 하다 is reported speech, not the speaker's."""
    j = i + 1
    while j < len(toks) and toks[j].tag in ("SSC", "SS", "SP") and toks[j].form in "'\"’”」』":
        j += 1
    if j >= len(toks):
        return False
    nxt = toks[j]
    if nxt.tag in _QUOTE_FOLLOWERS:
        return True
    if nxt.form == "요" and nxt.tag == "JX":
        return False
    # "뭐야 하셨는데요" / "알았어 그러셨어요": quotative 하다 / 그러다 right after the ending
    return nxt.tag == "VV" and nxt.form in ("하", "그러", "말하") and j == i + 1


def is_banmal_ending(sent: Sentence, i: int) -> bool:
    toks = sent.toks
    tok = toks[i]
    form = tok.form
    if is_polite_form(form):
        return False
    if i + 1 < len(toks) and toks[i + 1].form == "요" and toks[i + 1].tag == "JX":
        return False
    if form in _ASIDE_FORMS:
        return False
    if form == "다" and i > 0 and toks[i - 1].form == "맞" and i <= 2:
        return False  # "아 맞다" is an exclamation of remembering, said to oneself
    if tok.tag == "EC":
        # a trailing connective after honorific -시- ("그건 나중에 하시고") is a clipped 존댓말
        if i > 0 and toks[i - 1].form == "시" and toks[i - 1].tag == "EP":
            return False
        return form in _FINAL_EC_BANMAL or form in _PROMISSIVE_EC
    return True


def banmal_positions(sent: Sentence) -> list[int]:
    cached = sent.cache.get("banmal")
    if cached is None:
        cached = [i for i in final_ending_positions(sent) if is_banmal_ending(sent, i)]
        sent.cache["banmal"] = cached
    return cached


def polite_positions(sent: Sentence) -> list[int]:
    cached = sent.cache.get("polite")
    if cached is None:
        cached = [
            i
            for i in final_ending_positions(sent)
            if not is_banmal_ending(sent, i) and sent.toks[i].form not in _ASIDE_FORMS
        ]
        sent.cache["polite"] = cached
    return cached


def is_question(sent: Sentence) -> bool:
    """Question mark, or an ending that can only ask (ASR output rarely carries '?')."""
    toks = sent.toks
    for t in reversed(toks):
        if t.tag in PUNCT_TAGS:
            if t.form == "?":
                return True
            continue
        return t.tag == "EF" and t.form in _QUESTION_FORMS
    return False


_QUESTION_FORMS = frozenset(
    {
        "냐",
        "니",
        "나요",
        "가요",
        "ㄴ가요",
        "는가요",
        "까",
        "까요",
        "ㄹ까",
        "ㄹ까요",
        "ㅂ니까",
        "습니까",
        "는지요",
        "ㄴ지요",
        "던가요",
        "나",
        "는가",
        "ㄴ가",
        "ㄹ래",
        "ㄹ래요",
    }
)
