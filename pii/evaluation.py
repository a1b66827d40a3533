"""A synthetic Korean transcript set for the masker, and the measurement on it.

Lines are marked up: ⟦…⟧ around a personal number that must be masked, ⟪…⟫ around an ordinary
number (or a word spelt with numeral syllables) that must not be touched. `generate(n, seed)`
writes lines from templates with a fixed seed; `handwritten.txt` holds lines written by hand,
closer to what Whisper produces. `evaluate(lines)` masks each line (read after the line before
it, as the pipeline does) and counts:

- recall: personal numbers whose every digit/numeral character was masked, over all of them;
- false positives: ordinary numbers with any character masked;
- stray: lines with a character masked outside every personal number (a particle, a word).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from .mask import KO_DIGITS, MASK, _luhn, mask_transcript

HANDWRITTEN = Path(__file__).with_name("handwritten.txt")
_MARK = re.compile(r"⟦(.*?)⟧|⟪(.*?)⟫")
_SPOKEN = "공일이삼사오육칠팔구"


@dataclass
class Line:
    text: str
    personal: list[tuple[int, int]]
    ordinary: list[tuple[int, int]]


def parse(marked: str) -> Line:
    text, personal, ordinary, pos = [], [], [], 0
    for match in _MARK.finditer(marked):
        text.append(marked[pos : match.start()])
        start = sum(len(t) for t in text)
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        text.append(inner)
        (personal if match.group(1) is not None else ordinary).append((start, start + len(inner)))
        pos = match.end()
    text.append(marked[pos:])
    return Line("".join(text), personal, ordinary)


def handwritten() -> list[str]:
    lines = HANDWRITTEN.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


# --- generation ---------------------------------------------------------------------------------


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _spoken(digits: str, rng: random.Random) -> str:
    zero = rng.choice(["공", "공", "공", "영"])
    return "".join(zero if d == "0" else _SPOKEN[int(d)] for d in digits)


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        if _luhn(body + check):
            return body + check
    raise AssertionError("unreachable")


def _render(groups: list[str], rng: random.Random, spoken_share: float = 0.4) -> str:
    """Digits as Whisper might write them: digits, numerals, or a mix, with a separator."""
    style = rng.random()
    if style < 0.06:  # every digit on its own, as a slow reader says them
        spelled = [_spoken(d, rng) if style < 0.03 else d for d in "".join(groups)]
        return " ".join(spelled)
    if style < spoken_share:
        parts = [_spoken(g, rng) for g in groups]
        sep = rng.choice([" ", " ", " ", "에 ", " 다시 "])
    elif style < spoken_share + 0.15:
        parts = [g if i == 0 else _spoken(g, rng) for i, g in enumerate(groups)]
        sep = " "
    else:
        parts = groups
        sep = rng.choice(["-", "-", " ", "", ".", "ㅡ", " - "])
    return sep.join(parts)


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.75:
        groups = [rng.choice(["010", "010", "011", "016"]), _digits(rng, 4), _digits(rng, 4)]
    else:
        area = rng.choice(["02", "031", "051", "062"])
        groups = [area, _digits(rng, rng.choice([3, 4])), _digits(rng, 4)]
    return _render(groups, rng)


def _rrn(rng: random.Random) -> str:
    front = f"{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    back = str(rng.choice([1, 2, 5, 6])) + _digits(rng, 6)
    if rng.random() < 0.4:
        return _spoken(front, rng) + rng.choice([" 다시 ", " ", "에 ", " 다시"]) + _spoken(back, rng)
    return front + rng.choice(["-", "-", " ", ""]) + back


def _card(rng: random.Random) -> str:
    number = _luhn_complete(rng.choice(["4", "5", "9"]) + _digits(rng, 14))
    return _render([number[i : i + 4] for i in range(0, 16, 4)], rng)


def _account(rng: random.Random) -> str:
    shape = rng.choice([(3, 3, 6), (6, 2, 6), (4, 3, 6), (4, 2, 7), (3, 6, 2, 3)])
    return _render([_digits(rng, n) for n in shape], rng)


_SINO_DIGITS = "영일이삼사오육칠팔구"


def _sino(n: int) -> str:
    """1990 → 천구백구십, 12 → 십이, 1 → 일 (Sino-Korean place-value numerals, as said aloud)."""
    words = []
    for value, unit in ((1000, "천"), (100, "백"), (10, "십")):
        digit, n = divmod(n, value)
        if digit:
            words.append(("" if digit == 1 else _SINO_DIGITS[digit]) + unit)
    if n:
        words.append(_SINO_DIGITS[n])
    return "".join(words)


def _birthdate(rng: random.Random) -> str:
    """A date of birth, marked up number by number (the 년/월/일 between them stay readable)."""
    y, m, d = rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)
    yy = f"{y % 100:02d}"
    style = rng.random()
    if style < 0.3:
        year = rng.choice([str(y), yy])
        month, day = rng.choice([(str(m), str(d)), (f"{m:02d}", f"{d:02d}")])
        return f"⟦{year}⟧년 ⟦{month}⟧월 ⟦{day}⟧일"
    if style < 0.4:
        return f"⟦{_sino(y)}⟧년 ⟦{_sino(m)}⟧월 ⟦{_sino(d)}⟧일"
    if style < 0.6:
        sep = rng.choice(["-", ".", "/"])
        return f"⟦{rng.choice([str(y), yy])}{sep}{m:02d}{sep}{d:02d}⟧"
    if style < 0.8:
        return f"⟦{rng.choice([yy, str(y)])}{m:02d}{d:02d}⟧"
    return f"⟦{_spoken(f'{rng.choice([yy, str(y)])}{m:02d}{d:02d}', rng)}⟧"


def _partial(rng: random.Random) -> str:
    last4 = _digits(rng, 4)
    shown = _spoken(last4, rng) if rng.random() < 0.5 else last4
    if rng.random() < 0.15:
        return (
            rng.choice(["카드 뒷면 CVC ", "CVC 번호는 ", "비밀번호 앞 두 자리 "])
            + f"⟦{_digits(rng, rng.choice([2, 3]))}⟧"
        )
    return rng.choice(["휴대폰 뒷자리 ", "카드 끝자리가 ", "전화번호 끝번호는 ", "계좌 뒷자리 "]) + f"⟦{shown}⟧"


def _price(rng: random.Random) -> str:
    won = rng.choice([9900, 15000, 32000, 45500, 120000, 1250000, 3300])
    return rng.choice([f"⟪{won:,}⟫원", f"⟪{won}⟫원", rng.choice(["⟪삼만 이천⟫ 원", "⟪만 오천⟫원", "⟪십이만⟫ 원"])])


def _date(rng: random.Random) -> str:
    y, m, d = rng.randint(2019, 2027), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        [f"⟪{y}-{m:02d}-{d:02d}⟫", f"⟪{y}.{m:02d}.{d:02d}⟫", f"⟪{y}⟫년 ⟪{m}⟫월 ⟪{d}⟫일", f"⟪{m}⟫월 ⟪{d}⟫일"]
    )


def _ordinary(rng: random.Random) -> str:
    return rng.choice(
        [
            _price(rng),
            _date(rng),
            f"오후 ⟪{rng.randint(1, 6)}⟫시 ⟪{rng.choice([10, 30, 45])}⟫분",
            f"⟪{rng.randint(9, 18)}:{rng.choice(['00', '30'])}⟫",
            f"⟪{rng.randint(2, 5)}~{rng.randint(6, 7)}⟫영업일",
            f"⟪{rng.randint(2, 12)}⟫개월 할부",
            f"⟪{rng.randint(1, 20)}⟫개",
            f"⟪{rng.choice([5, 10, 15])}⟫%",
            "⟪1588-1234⟫",
            "⟪2023-2024⟫년",
            "⟪일이⟫ 좀 많아서",
            "⟪이사⟫ 가셨다고",
            "⟪사이⟫에",
            f"⟪{rng.randint(3, 30)}⟫분 정도",
        ]
    )


_TEMPLATES = [
    ("phone", "네 고객님 연락처 {pii} 맞으시죠? {ord} 안내드릴게요"),
    ("phone", "{pii}으로 문자 보내드렸습니다 {ord}"),
    ("phone", "휴대폰 번호가 {pii} 이고요 {ord} 까지 처리됩니다"),
    ("phone", "제 번호는 {pii}입니다 {ord}"),
    ("rrn", "본인 확인을 위해 주민번호 {pii} 확인되셨고요 {ord}"),
    ("rrn", "{pii} 맞으세요? 네 확인됐습니다 {ord}"),
    ("rrn", "생년월일하고 뒷자리까지 {pii}요"),
    ("card", "카드번호 {pii} 로 결제하시겠어요? {ord}"),
    ("card", "네 {pii} 카드로 {ord} 결제되었습니다"),
    ("account", "환불 계좌는 {pii} 국민은행이요 {ord}"),
    ("account", "입금하실 계좌번호 {pii} 예금주 홍길동입니다"),
    ("account", "{pii} 이 계좌로 {ord} 이내 환불됩니다"),
    ("birthdate", "생년월일 {pii} 맞으시죠? {ord}"),
    ("birthdate", "고객님 생일이 {pii}로 되어 있어서요 {ord} 안내드려요"),
    ("birthdate", "{pii}생이시고 본인 확인됐습니다 {ord}"),
    ("birthdate", "{pii}에 태어나셨다고요 {ord} 확인했습니다"),
    ("birthdate", "태어나신 날짜가 {pii}이요 네 {ord}"),
]


def generate(n: int = 320, seed: int = 20261124) -> list[str]:
    """`n` marked-up lines from the templates, the same every time for the same seed."""
    rng = random.Random(seed)
    makers = {"phone": _phone, "rrn": _rrn, "card": _card, "account": _account}
    lines = []
    for i in range(n):
        if i % 8 == 7:
            lines.append(f"{_partial(rng)} 맞으세요? {_ordinary(rng)}")
            continue
        kind, template = rng.choice(_TEMPLATES)
        pii = _birthdate(rng) if kind == "birthdate" else f"⟦{makers[kind](rng)}⟧"
        lines.append(template.format(pii=pii, ord=_ordinary(rng)))
    return lines


def generate_birthdates(n: int = 320, seed: int = 20261124) -> list[str]:
    """Only dates of birth (in every form), each line with an ordinary number or date beside it."""
    rng = random.Random(seed)
    templates = [t for kind, t in _TEMPLATES if kind == "birthdate"]
    return [rng.choice(templates).format(pii=_birthdate(rng), ord=_ordinary(rng)) for _ in range(n)]


# --- measurement --------------------------------------------------------------------------------


@dataclass
class Result:
    personal: int = 0
    masked: int = 0
    ordinary: int = 0
    ordinary_masked: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)  # lines with a character masked outside any ⟦…⟧

    @property
    def recall(self) -> float:
        return self.masked / self.personal if self.personal else 1.0


def evaluate(marked_lines: list[str]) -> Result:
    result = Result()
    lines = [parse(m) for m in marked_lines]
    masked = mask_transcript(line.text for line in lines)
    for line, (out, _spans) in zip(lines, masked, strict=True):
        for start, end in line.personal:
            result.personal += 1
            wanted = [i for i in range(start, end) if line.text[i].isdigit() or line.text[i] in KO_DIGITS]
            if all(out[i] == MASK for i in wanted):
                result.masked += 1
            else:
                result.misses.append(f"{line.text}  →  {out}")
        inside = {i for start, end in line.personal for i in range(start, end)}
        if any(out[i] == MASK and line.text[i] != MASK and i not in inside for i in range(len(out))):
            result.stray.append(f"{line.text}  →  {out}")
        for start, end in line.ordinary:
            result.ordinary += 1
            if any(out[i] == MASK for i in range(start, end)):
                result.ordinary_masked += 1
                result.false_positives.append(f"{line.text}  →  {out}")
    return result
