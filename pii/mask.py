"""Find and mask personal numbers in Korean call transcripts, as digits and as Whisper writes speech.

What is masked: resident registration numbers (900101-1234567), card numbers, bank account
numbers and phone numbers, written as digits ("010-1234-5678"), as Sino-Korean numerals read digit
by digit ("공일공 일이삼사 오육칠팔", "구공공일공일 다시 일이삼사오육칠") or mixed ("010 일이삼사"),
and shorter parts of them when the words around say so ("뒷자리 5678", "생년월일 900101"); and
dates of birth, when said as such ("생년월일 1990년 1월 1일", "생일이 구공공일공일", "…일생이에요").

What is not: ordinary numbers — prices ("32,000원", "삼만 이천 원"), dates ("2024-03-05", "1월 1일에
배송"), times,
counts, durations ("3~5영업일"), company numbers ("1588-1234") — and Korean words that happen to
be spelt with numeral syllables ("일이 많아서", "이사", "오이").

How: a number is a *run* of digit groups (ASCII digits, or a whole word of numeral syllables)
joined by separators people and Whisper use (space, hyphen, dot, slash, "다시", "에", "의"). A run of
`MIN_DIGITS` or more digits is personal unless it has the shape of a date, an amount with a unit,
or a nationwide company number; a shorter run (from `MIN_CONTEXT_DIGITS`) is personal when a
keyword such as 뒷자리, 카드번호 or 연락처 stands just before it (or ended the previous segment).

Masking keeps the length: every digit or numeral character becomes `MASK`, separators stay, so
character offsets computed on the original text (tone flags' spans) still point at the same place.
Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MASK = "*"
MIN_DIGITS = 7  # a local phone number without area code (123-4567) is the shortest personal number
MIN_CONTEXT_DIGITS = 4  # "뒷자리 5678": four digits, personal only because of the word before them
SHORT_CODE_KEYWORDS = {"cvc", "cvv", "비밀번호"}  # after these, two or three digits are secret too

KO_DIGITS = {"공": "0", "영": "0", "빵": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5"}
KO_DIGITS |= {"육": "6", "륙": "6", "칠": "7", "팔": "8", "구": "9"}

# Keywords after which even a short number is personal. The value is the kind reported.
KEYWORDS = {
    "주민등록번호": "rrn",
    "주민번호": "rrn",
    "주민": "rrn",
    "생년월일": "rrn",
    "앞자리": "rrn",
    "카드번호": "card",
    "카드 번호": "card",
    "유효기간": "card",
    "cvc": "card",
    "cvv": "card",
    "비밀번호": "card",
    "계좌번호": "account",
    "계좌 번호": "account",
    "계좌": "account",
    "전화번호": "phone",
    "전화 번호": "phone",
    "휴대폰": "phone",
    "핸드폰": "phone",
    "연락처": "phone",
    "뒷자리": "phone",
    "뒷번호": "phone",
    "끝자리": "phone",
    "끝번호": "phone",
    "번호": "number",
}
CONTEXT_WINDOW = 16  # characters allowed between a keyword and its number ("뒷자리 네 자리가 ")
PREVIOUS_SEGMENT_TAIL = 40  # a keyword this close to the end of the previous segment still counts

# Units after a bare number make it a quantity: "1250000원", "3000명", "12개월".
UNITS = (
    "원", "만", "천", "억", "달러", "불", "%", "퍼센트", "프로", "개", "명", "건", "회", "분", "초", "시간",
    "시", "년", "개월", "월", "일", "주", "세", "살", "점", "포인트", "마일", "km", "키로", "킬로", "미터",
    "평", "대", "장", "권", "병", "박스", "배", "차", "층", "호", "번째", "등",
)  # fmt: skip
# Particles and endings that may follow a spelt-out number: "공일공에", "오육칠팔이요", "일이삼사입니다".
PARTICLES = ("에", "의", "요", "이", "가", "은", "는", "을", "를", "도", "로", "으로", "입", "예요", "고",
             "구요", "까지", "번", "하고", "랑", "다시", "인", "이고", "이요", "이에요", "이구요", "이라")  # fmt: skip

_GROUP = re.compile(r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?)|(?P<digits>\d+)|(?P<ko>[" + "".join(KO_DIGITS) + r"]+)")
_SEPARATOR = re.compile(r"\s*(?:[-–—./)ㅡ]|다시|에|의)?\s*")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_KEYWORD = re.compile("|".join(re.escape(k) for k in sorted(KEYWORDS, key=len, reverse=True)), re.IGNORECASE)


@dataclass(frozen=True)
class PiiSpan:
    """A masked number: `text[start:end]` of the original, and what it looked like."""

    start: int
    end: int
    kind: str  # rrn, card, account, phone, number, birthdate


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str
    spoken: bool  # numeral syllables rather than digits
    copula: bool = False  # ends in 이 that is probably "이요/이에요", not counted in digits
    tail: bool = False  # one syllable with an ending ("삼으로"): only the last of "공 일 … 삼으로"


def _is_hangul(char: str) -> bool:
    return bool(_HANGUL.match(char))


def _groups(text: str) -> list[_Group | None]:
    """Digit groups in order; None marks an amount ("32,000"), which ends any run."""
    found: list[_Group | None] = []
    for match in _GROUP.finditer(text):
        start, end = match.span()
        if match.lastgroup == "amount":
            found.append(None)
        elif match.lastgroup == "digits":
            found.append(_Group(start, end, match.group(), spoken=False))
        else:
            group = _spoken_group(text, start, end)
            if group is not None:
                found.append(group)
    return found


def _spoken_group(text: str, start: int, end: int) -> _Group | None:
    """Numeral syllables count only as a whole word (a particle may follow): not 이 in 이사, 일 in 5일."""
    before = text[:start]
    if before and (_is_hangul(before[-1]) or before[-1].isdigit()) and not before.endswith(("다시", "에")):
        return None
    rest = text[end:]
    if rest and _is_hangul(rest[0]) and not rest.startswith(PARTICLES):
        return None  # not a numeral word
    if rest and _is_hangul(rest[0]) and end - start == 1:
        # A lone syllable before an ending is a word ("이에요", "일은") unless it ends digits read
        # one by one ("공 일 공 … 팔 삼으로"); _joins decides.
        return _Group(start, end, KO_DIGITS[text[start]], spoken=True, tail=True)
    following = re.match(r"\s+([\uac00-\ud7a3])", rest)
    spaced_reading = re.search(r"(?:^|\s)[" + "".join(KO_DIGITS) + r"]\s+$", before)  # "… 공 이 로"
    if text[start:end] == "이" and following and following.group(1) not in KO_DIGITS and not spaced_reading:
        return None  # "이 계좌로", "이 번호로": the demonstrative (but "이 삼 사" is read digit by digit)
    word = text[start:end]
    digits = "".join(KO_DIGITS[c] for c in word)
    if len(word) > 1 and word.endswith("이") and rest and _is_hangul(rest[0]):
        # "오육칠팔이에요": the last 이 is most likely the copula. It is masked all the same (a
        # digit 2 must not leak) but not counted, so the number's length and kind come out right.
        return _Group(start, end, digits[:-1], spoken=True, copula=True)
    return _Group(start, end, digits, spoken=True)


def _joins(text: str, left: _Group, right: _Group) -> bool:
    if right.start == left.end or not _SEPARATOR.fullmatch(text, left.end, right.start):
        return False
    if right.tail:
        return left.spoken and left.end - left.start == 1 and not left.tail
    # A lone numeral syllable next to written digits is a word ("2019.04.21 일 오후", "5678 이 번호");
    # read digit by digit ("공 일 공 …") its neighbours are numerals too.
    return not any(
        g.spoken and g.end - g.start == 1 and not other.spoken for g, other in ((left, right), (right, left))
    )


def _runs(text: str) -> list[list[_Group]]:
    runs: list[list[_Group]] = []
    current: list[_Group] = []
    for group in _groups(text):
        if group is None:
            if current:
                runs.append(current)
            current = []
            continue
        if current and _joins(text, current[-1], group):
            current.append(group)
        else:
            if current:
                runs.append(current)
            current = [] if group.tail else [group]  # a lone syllable with an ending starts nothing
    if current:
        runs.append(current)
    return runs


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _is_date(lengths: list[int], digits: str) -> bool:
    if lengths == [4, 4]:  # a span of years: 2023-2024
        return all(1900 <= int(digits[i : i + 4]) <= 2099 for i in (0, 4))
    if lengths == [8]:
        year, month, day = digits[:4], digits[4:6], digits[6:]
    elif len(lengths) == 3 and lengths[0] == 4 and all(1 <= n <= 2 for n in lengths[1:]):
        year, month, day = digits[:4], digits[4 : 4 + lengths[1]], digits[4 + lengths[1] :]
    else:
        return False
    return 1900 <= int(year) <= 2099 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31


def _is_decimal(text: str, run: list[_Group]) -> bool:
    """ "99.99999", "518.6974%": two groups of digits joined by a bare dot."""
    return len(run) == 2 and not run[0].spoken and not run[1].spoken and text[run[0].end : run[1].start] == "."


def _is_quantity(text: str, run: list[_Group]) -> bool:
    if len(run) != 1 or run[0].spoken:
        return False
    return text[run[0].end :].lstrip().lower().startswith(UNITS)


def _kind(digits: str, lengths: list[int]) -> str:
    n = len(digits)
    if n == 13 and re.fullmatch(r"\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[1-8]\d{6}", digits):
        return "rrn"
    if 13 <= n <= 19 and _luhn(digits):
        return "card"
    if digits.startswith("0") and 9 <= n <= 11 or n in (7, 8) and lengths[-1] == 4 and len(lengths) == 2:
        return "phone"
    return "account"


def _keyword_before(text: str, start: int, earlier: str = "") -> tuple[str | None, str | None]:
    """The kind named by a keyword just before `start` (or at the end of the previous segment),
    and the keyword."""
    window = text[max(0, start - CONTEXT_WINDOW - 8) : start]
    best = None
    for match in _KEYWORD.finditer(window):
        between = window[match.end() :]
        if len(between) <= CONTEXT_WINDOW and not any(c.isdigit() for c in between):
            if best not in SHORT_CODE_KEYWORDS:  # "CVC 번호 123": the specific word wins
                best = match.group().lower()
    if best is None and earlier:
        matches = list(_KEYWORD.finditer(earlier[-PREVIOUS_SEGMENT_TAIL:]))
        if matches:
            # Across segments only a number of MIN_CONTEXT_DIGITS counts, whatever the keyword.
            return KEYWORDS[matches[-1].group().lower()], None
    return (KEYWORDS[best], best) if best else (None, None)


def _end_before_copula(run: list[_Group], kind: str, lengths: list[int]) -> int:
    """Leave a final 이 unmasked when the number is complete without it (a phone number's last
    four, thirteen for a resident number, four after 뒷자리); otherwise it may be a digit 2."""
    last = run[-1]
    if not last.copula:
        return last.end
    complete = lengths[-1] in (4, 7) or (kind == "rrn" and sum(lengths) == 13) or (kind == "rrn" and lengths == [6])
    return last.end - 1 if complete else last.end


def _without_copula_tail(text: str, run: list[_Group]) -> list[_Group]:
    """ "공 일 공 … 팔 이고요": a final lone 이 is the copula when the number is whole without it."""
    if len(run) < 2 or not run[-1].tail or text[run[-1].start] != "이" or text[run[-1].end :].startswith("입"):
        return run  # "… 공 이입니다": 이 is the digit, 입니다 the copula
    digits = "".join(g.digits for g in run[:-1])
    whole = len(digits) in (13, 16) or (digits.startswith("0") and 9 <= len(digits) <= 11)
    return run[:-1] if whole else run


def find_pii(text: str, previous: str = "") -> list[PiiSpan]:
    """The personal numbers in `text`; `previous` is the segment before it, for "뒷자리요?" → "5678".

    The previous segment's context applies only to the first number of this one.
    """
    spans = []
    for number, run in enumerate(_runs(text)):
        earlier = previous if number == 0 else ""
        run = _without_copula_tail(text, run)
        digits = "".join(g.digits for g in run)
        lengths = [len(g.digits) for g in run]
        start = run[0].start
        if len(digits) >= MIN_DIGITS:
            if _is_date(lengths, digits) or _is_quantity(text, run) or _is_decimal(text, run):
                continue
            if lengths == [4, 4] and digits[:2] in ("15", "16", "18"):
                continue  # 1588-1234: a company's nationwide number, not a person's
            kind = _kind(digits, lengths)
            spans.append(PiiSpan(start, _end_before_copula(run, kind, lengths), kind))
        elif len(digits) >= 2 and not _is_quantity(text, run) and not _is_date(lengths, digits):
            kind, keyword = _keyword_before(text, start, earlier)
            if kind is None or len(digits) < (2 if keyword in SHORT_CODE_KEYWORDS else MIN_CONTEXT_DIGITS):
                continue
            if kind == "number" and lengths == [4] and digits[:2] in ("15", "16", "18"):
                continue  # "센터 번호 일오팔팔 …": the start of a company's nationwide number
            if kind:
                spans.append(PiiSpan(start, _end_before_copula(run, kind, lengths), kind))
    return spans


# --- dates of birth ------------------------------------------------------------------------------
# A date is personal only as a date of birth: after 생년월일 / 생일 / 태어난 … (or when the previous
# segment asked for it), or followed by 생 / 에 태어나. An appointment or delivery date is not.
# Said before the date ("생년월일 …", "태어난 날이 …"); a verb like 태어났고 is not enough there
# ("90년에 태어났고 3월 5일에 방문": the visit is not personal), only right after it ("…에 태어났어요").
BIRTH_KEYWORDS = ("생년월일", "생년", "생일", "출생일", "태어난", "태어나신")
_BIRTH_KEYWORD = re.compile("|".join(BIRTH_KEYWORDS))
_BIRTH_AFTER = re.compile(r"\s*(?:생(?![활각])|에\s*태어|에\s*출생)")
# A Sino-Korean number said with its places (천구백구십, 십이, 이십일), at least one syllable.
_SINO = (
    r"(?:(?=[일이삼사오육칠팔구십백천])"
    r"(?:[이삼사오육칠팔구]?천)?(?:[이삼사오육칠팔구]?백)?(?:[이삼사오육칠팔구]?십)?[일이삼사오육칠팔구]?)"
)
_SPOKEN_DIGIT = "[" + "".join(KO_DIGITS) + "]"
_BIRTH_DATES = [
    # 1990년 1월 1일, 90년 01월 01일, 천구백구십년 일월 일일, 1월 1일 (the year may be left out)
    re.compile(
        rf"(?<![\d])(?:(?P<y>\d{{4}}|\d{{2}}|{_SINO})\s*년도?\s*)?"
        rf"(?P<m>\d{{1,2}}|{_SINO}|유|시)\s*월\s*(?P<d>\d{{1,2}}|{_SINO})\s*일"
    ),
    # 1990-01-01, 1990.1.1, 90/01/01
    re.compile(r"(?<![\d.])(?P<y>\d{4}|\d{2})(?P<sep>[-./])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d])"),
    # 19900101, 900101, 구공공일공일, 일구구공공일공일
    re.compile(r"(?<![\d])(?P<c>\d{8}|\d{6})(?![\d])"),
    # (a final 이 may be the copula: "구공공일공일이요")
    re.compile(rf"(?<![\uac00-\ud7a3])(?P<c>{_SPOKEN_DIGIT}{{8}}|{_SPOKEN_DIGIT}{{6}})(?=이?(?!{_SPOKEN_DIGIT})|$)"),
]


def _sino_value(word: str) -> int | None:
    """천구백구십 → 1990, 십이 → 12, 유 → 6, 시 → 10; digits as they are."""
    if word.isdigit():
        return int(word)
    if word in ("유", "시"):
        return {"유": 6, "시": 10}[word]
    total, current = 0, 0
    for char in word:
        if char in "십백천":
            total += (current or 1) * {"십": 10, "백": 100, "천": 1000}[char]
            current = 0
        elif char in KO_DIGITS:
            current = int(KO_DIGITS[char])
        else:
            return None
    return total + current


def _plausible_birth(match: re.Match) -> bool:
    groups = match.groupdict()
    if groups.get("c"):
        digits = "".join(KO_DIGITS.get(c, c) for c in groups["c"])
        month, day = (digits[2:4], digits[4:6]) if len(digits) == 6 else (digits[4:6], digits[6:8])
        if len(digits) == 8 and not 1900 <= int(digits[:4]) <= 2099:
            return False
        return 1 <= int(month) <= 12 and 1 <= int(day) <= 31
    month, day = _sino_value(groups["m"]), _sino_value(groups["d"])
    year = _sino_value(groups["y"]) if groups.get("y") else None
    if year is not None and not (0 <= year <= 99 or 1900 <= year <= 2099):
        return False
    return month is not None and day is not None and 1 <= month <= 12 and 1 <= day <= 31


def _asked_for_birth(previous: str) -> bool:
    """The previous segment asked for a date of birth and did not give one ("생년월일이 어떻게 되세요?")."""
    matches = list(_BIRTH_KEYWORD.finditer(previous[-PREVIOUS_SEGMENT_TAIL:]))
    if not matches:
        return False
    after = previous[-PREVIOUS_SEGMENT_TAIL:][matches[-1].end() :]
    return not any(c.isdigit() for c in after) and not any(p.search(after) for p in _BIRTH_DATES)


def _birth_context(text: str, start: int, end: int, since: int) -> bool:
    """A keyword just before (with no number between, and none of the dates before this one), or
    생 / 에 태어나 just after."""
    window_start = max(since, start - CONTEXT_WINDOW - 8)
    window = text[window_start:start]
    for match in _BIRTH_KEYWORD.finditer(window):
        between = window[match.end() :]
        if len(between) <= CONTEXT_WINDOW and not any(c.isdigit() for c in between):
            return True
    return bool(_BIRTH_AFTER.match(text, end))


def find_birthdates(text: str, previous: str = "") -> list[PiiSpan]:
    """Dates of birth in `text`: one span per number of the date (year, month, day), so that the
    unit syllables (년, 월, 일) stay readable and only the numbers are masked."""
    found: list[tuple[int, int, re.Match]] = []
    for pattern in _BIRTH_DATES:
        for match in pattern.finditer(text):
            if _plausible_birth(match) and not any(s < match.end() and match.start() < e for s, e, _ in found):
                found.append((match.start(), match.end(), match))
    found.sort(key=lambda item: item[0])
    asked = _asked_for_birth(previous)
    spans = []
    since = 0  # a keyword names the first date after it, not one after another date
    for number, (start, end, match) in enumerate(found):
        context = _birth_context(text, start, end, since) or (number == 0 and asked)
        since = end
        if not context:
            continue
        for name in ("y", "m", "d", "c"):
            if match.groupdict().get(name):
                spans.append(PiiSpan(match.start(name), match.end(name), "birthdate"))
    return spans


def mask_pii(text: str, previous: str = "") -> tuple[str, list[PiiSpan]]:
    """`text` with every digit and numeral of its personal numbers replaced by MASK, same length."""
    spans = find_pii(text, previous)
    births = find_birthdates(text, previous)
    spans += [b for b in births if not any(s.start <= b.start and b.end <= s.end for s in spans)]
    if not spans:
        return text, []
    chars = list(text)
    for span in spans:
        # A year said in words (천구백구십) would keep its 천/백/십 and show the number's shape;
        # 유월 and 시월 are June and October.
        places = "십백천유시" if span.kind == "birthdate" else ""
        for i in range(span.start, span.end):
            if chars[i].isdigit() or chars[i] in KO_DIGITS or chars[i] in places:
                chars[i] = MASK
    return "".join(chars), spans


def mask_transcript(texts: Iterable[str]) -> list[tuple[str, list[PiiSpan]]]:
    """Mask segments in order, each read with the one before it (a question and its answer)."""
    out = []
    previous = ""
    for text in texts:
        out.append(mask_pii(text, previous))
        previous = text
    return out


def mask_words(words: list[dict], text: str, masked: str) -> list[dict]:
    """Whisper's word timings (`[{"word": " 010-1234-5678", "start": …}, …]`) spell the text again:
    give their words the characters of `masked`, the masked `text`."""
    joined = "".join(str(w.get("word", "")) for w in words)
    offset = len(joined) - len(joined.lstrip()) - (len(text) - len(text.lstrip()))
    out = []
    if joined.strip() == text.strip():
        pos = -offset
        for word in words:
            piece = str(word.get("word", ""))
            chars = [
                masked[i] if 0 <= i < len(masked) else c
                for i, c in zip(range(pos, pos + len(piece)), piece, strict=True)
            ]
            out.append({**word, "word": "".join(chars)})
            pos += len(piece)
        return out
    # The words do not spell the text: mask every digit and numeral in them, to be safe.
    for word in words:
        piece = str(word.get("word", ""))
        out.append({**word, "word": "".join(MASK if c.isdigit() or c in KO_DIGITS else c for c in piece)})
    return out
