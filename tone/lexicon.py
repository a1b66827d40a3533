"""Surface lexicons of Korean swearing, insults and slurs, with their usual obfuscations.

Swear words are matched on the surface text, not on morphemes: Kiwi splits obfuscated forms
(시1발 → 시/NNG 1/SN 발/NNB, ㅅㅂ/SW) unpredictably. Digits and symbols wedged inside a word
(시1발, 병.신, 존*나) are dropped before matching and every hit is mapped back to offsets in the
original text. Each entry is a regex with lookarounds for the ordinary words it could be mistaken
for (시발점, 새끼손가락, 꺼져 있다, 자지 마세요).
"""

from __future__ import annotations

import re
from functools import cache

from .morph import Sentence, Utterance

H = "가-힣ㄱ-ㅎㅏ-ㅣ"  # Hangul syllables and compatibility jamo
NOT_H_BEFORE = f"(?<![{H}])"

SWEAR = [
    # 씨발 and its spellings; 시발점/시발역 are ordinary words, 시바견 is a dog
    r"(?:씨|씌|쒸|쓰|ㅆ|c|C)(?:발|빨|벌|뻘|팔|펄|빠|ㅂ)(?![점역견])|씨바(?![가-힣])|ㅆ\s발",
    r"(?:시|쉬|슈|ㅅ)(?:발|빨|벌|뻘|팔|펄|바알|ㅂ)(?![점역견전])",
    r"(?:ㅅ|ㅆ)\s?ㅂ",
    # romanised / keyboard-slipped spellings: 시bal, ssibal, tlqkf (씨발 typed with the English layout)
    r"(?:씨|시|ㅆ|ㅅ)\s?(?:bal|BAL|Bal)(?![a-z])|(?<![a-zA-Z])(?:ss?i|c)bal(?![a-z])|(?<![a-zA-Z])[tT]lqkf",
    r"ㅆ(?:ㅃ|ㅍ)",
    r"시바(?![견이라])",
    r"씨이+발|시방새|십새",
    r"씨부[랄럴렁리]|씨불|니미럴|우라질|육시럴|빌어먹|제기랄|젠장|염병|옘병|썅|쌍(?:년|놈|것)",
    r"(?:^|(?<=[\s,.!?…]))(?:아|에이|에잇|으)\s?씨+(?=$|[\s,.!?…~])",
    # 병신
    r"[병븅빙븽벙]\s?[신싄딱]|ㅂㅅ|ㅄ|븅",
    # 좆 / 존나
    r"[좆좃졷]|젖\s?같|좇\s?(?:같|까|밥|나|도|만|이|냐|도\s?모)|ㅈ\s?(?:같|까|밥|ㄴ|나|ㄹ|도)",
    r"존[나니내늬냐]|존ㄴ|조낸|졸[라래](?![서도고대])|ㅈㄴ|졵|조+온나|조+올라",
    # 씹 (씹다 "chew" conjugates as 씹어/씹는/씹을...)
    r"씹(?![어었는을으기히혀])",
    r"지[랄럴롤]|ㅈㄹ|G랄",
    # 새끼 and relatives; 새끼손가락, 새끼 고양이 are ordinary
    r"(?:새|섀|쌔|세|쉐|쒜|색|샛)\s?(?:끼|퀴|킈)(?!\s?(?:손가락|발가락|고양이|강아지|오리|줄|를\s?낳|를\s?치|치기))",
    r"(?<=[이저그개씹니네미친])(?:새기|색기|시키|쉑)|색히|새[꺄캬]|개세이",
    r"ㅅㄲ|ㅆㄲ",
    r"개(?:새|색|쉐|쌔|섀|세끼|같|소리|수작|좆|씹|년|놈|돼지|빡|짜증|지랄|쓰레기|병신|호로|씨|잡|허접|뿔|념없|차반|망나니|독|저씨|한민국)",
    # 미친 (but 미친 듯이 "madly")
    r"미[친췬칀](?!\s?(?:듯|척|존재감|가성비))|ㅁㅊ|미쳤냐|미쳤니|미친놈|돌았냐|돌았니|또라이|돌아이|돌+아이",
    # threats / vulgar verbs (꺼져 있다 "is switched off", 뒤져 보다 "rummage")
    r"꺼[져지](?!\s?(?:있|서|도|요|버|봐|보|가|요|면|지|셨|ㅆ)|라도|고)|꺼지라|닥[쳐치](?!는\s?대로|기\s?전)|"
    r"뒈[지져질졌]|뒤진다|뒤졌|죽어라|죽여\s?버리|죽여\s?버려|뒤[질져](?:라|래|랜|버|봐라|!|$|\s)|디[질져](?:라|래|랜|!|$|\s)",
    r"(?:쳐|처)(?:먹|맞|자빠|발라|발리|발렸|싸지|웃|울|놀)|자빠[져지진]|아가리|주[둥뎅댕]이|주둥아리|닥쳐|마빡",
    # motherfucking insults (패드립)
    r"[니느]\s?[애에]미|[애에앰엠]미(?![가-힣])|[애에]비(?:충|없)|느금|엠창|앰창|니기미|느개비|니미(?![가-힣])|애미|호로(?:새|자식|놈)",
    # sexual vulgarity
    r"섹스|(?<![가-힣])보지(?!\s?(?:도|는|만|말|않|못|마|좋|가|그|것|거))|(?<!자)자지(?!\s?(?:마|말|않|못|도|를\s?않))|꼴리|따먹(?!기)|딸딸이|후장|창녀|걸레(?:년|같)|보빨|보슬",
    # ㅗ (middle finger) standing alone
    r"(?<![가-힣ㄱ-ㅎ])ㅗ+(?![가-힣ㅏ-ㅣ])|凸|🖕",
]

INSULT = [
    r"멍청|멍텅|등신|역겹|역겨[워운움]|꼬라지|꼴값|꼴\s?보기|노땅|틀니|ㅂㄷㅂㄷ|부들부들|부들대|지능\s?(?:수준|이\s?딸|떨어|낮)|뇌가\s?없|찐따|찌질|저능|무뇌|미개(?:한|하|인)|정신병|병자|빡대가리|돌대가리|대가리|대갈|골빈|뇌없|낯짝|면상",
    r"쓰레기\s?(?:같|새|들|놈|년|야|아|집단|인간|짓)|인간\s?쓰레기|버러지|벌레(?:들|같|만도|새끼|야)|ㅉㅉ+|ㅉ{2,}|극혐|무식(?:한|하|하게|하네|한놈|아)",
    r"바보(?:야|아|들아|같|새)|호구(?:새|들|야|냐)|한심(?:한\s?(?:놈|년|새|인간)|하다\s?진짜)",
    r"(?:(?:미친|썅|씹|개|잡|화냥|걸레|쌍|된장|김치|좌빨|빨갱|매국|쓰레기|병신|나쁜)\s?|(?:이|저|그|상|한))(?:년|놈)(?:아|들|이|은|아|의|같)?(?![가-힣])",
    r"(?<![0-9일이삼사오육칠팔구십몇천백만작내매금연학소청중신예후전])년(?:들|이|은|아)(?![가-힣])|놈",
    r"이\s?양반(?:이|아|아|들)?(?![가-힣])|자식(?:아|들아)(?![가-힣])|놈의\s?(?:새|자식)",
]

# Hate slurs (regional, ethnic, gender, political) that the curse data treats as profanity.
SLUR = [
    r"틀딱|급식충|맘충|한남(?:충|들|새|이)?|한녀|김치녀|된장녀|꼴페미|페미(?:년|충|들)|메갈|워마드|보슬아치|씹치",
    r"일베충|일게이|게이(?!트|밍|머|지|샤|츠)|스시[녀남]|조[센샌]징|기레기|매국노|똥꼬충|홍어|짱깨|짱개|쪽바리|쪽발|왜놈|조센|섬숭이|똥남아|깜둥이|니거",
    r"좌빨|좌좀|우좀|수꼴|빨갱|개독|먹사|문재앙|재앙이|닭근혜|쥐박|쥐새끼|달창|대깨|노무노무|노알라|운지",
    # 벌레 suffix -충 (보충, 곤충, 기생충... are ordinary words)
    r"(?<=[가-힣])(?<![보확해곤유방살완절성익구생저충대초])충(?:들|이들|아|새끼|ㅋ)?(?=[\s.,!?~ㅋ]|$)",
]

LEXICONS: dict[str, list[str]] = {
    "swear": SWEAR,
    "insult": INSULT,
    "slur": SLUR,
    "profane": SWEAR + INSULT + SLUR,
}

# characters dropped when wedged inside a word (시1발, 병.신, 존*나)
_WEDGE = re.compile(r"(?<=[가-힣ㄱ-ㅎㅏ-ㅣ])[0-9.,_*~\-+=^'\"`·ㆍ:;/\\|!@#$%&]{1,3}(?=[가-힣ㄱ-ㅎㅏ-ㅣ])")


@cache
def _compiled(name: str) -> re.Pattern[str]:
    union = "|".join(f"(?:{p})" for p in LEXICONS[name])
    # Python's re tries every alternative at every position; a lookahead for the characters a
    # hit can start with rejects almost every position at once (same hits, several times faster).
    starts = first_chars(union)
    if starts:
        union = f"(?=[{''.join(re.escape(c) for c in sorted(starts))}])(?:{union})"
    return re.compile(union)


def first_chars(pattern: str) -> set[str] | None:
    """The characters a match of `pattern` can start with, or None when that is not a small set
    (a match could start anywhere, or be empty). Read off the regex's own parse tree; lookarounds
    and anchors consume nothing, so they are stepped over."""
    from re import _constants as c
    from re import _parser

    def first(items) -> tuple[set[str] | None, bool]:  # (start characters, can match empty)
        out: set[str] = set()
        for op, av in items:
            if op is c.LITERAL:
                return out | {chr(av)}, False
            if op is c.IN:
                for sub_op, sub_av in av:
                    if sub_op is c.LITERAL:
                        out.add(chr(sub_av))
                    elif sub_op is c.RANGE and sub_av[1] - sub_av[0] < 20_000:
                        out.update(chr(k) for k in range(sub_av[0], sub_av[1] + 1))
                    else:
                        return None, False
                return out, False
            if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
                continue
            if op is c.SUBPATTERN or op is c.BRANCH or op in (c.MAX_REPEAT, c.MIN_REPEAT):
                if op is c.SUBPATTERN:
                    parts, required = [av[-1]], True
                elif op is c.BRANCH:
                    parts, required = av[1], True
                else:
                    parts, required = [av[2]], av[0] > 0
                empty = False
                for part in parts:
                    chars, part_empty = first(part)
                    if chars is None:
                        return None, False
                    out |= chars
                    empty |= part_empty
                if required and not empty:
                    return out, False
                continue
            return None, False
        return out, True

    chars, empty = first(_parser.parse(pattern))
    return None if chars is None or empty else chars


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Text with wedged symbols removed, and for each kept char its index in `text`."""
    if not _WEDGE.search(text):
        return text, list(range(len(text) + 1))
    keep: list[int] = []
    out: list[str] = []
    drop = set()
    for m in _WEDGE.finditer(text):
        drop.update(range(m.start(), m.end()))
    for i, ch in enumerate(text):
        if i not in drop:
            out.append(ch)
            keep.append(i)
    keep.append(len(text))
    return "".join(out), keep


def find_spans(
    text: str, name: str = "profane", normalized: tuple[str, list[int]] | None = None
) -> list[tuple[int, int]]:
    """Character spans (into the original text) of lexicon hits."""
    norm, idx = normalized or normalize_with_map(text)
    spans = []
    for m in _compiled(name).finditer(norm):
        if m.end() > m.start():
            spans.append((idx[m.start()], idx[m.end() - 1] + 1))
    return spans


def utterance_spans(utt: Utterance, name: str) -> list[tuple[int, int]]:
    key = "lex:" + name
    spans = utt.cache.get(key)
    if spans is None:
        normalized = utt.cache.get("lex:normalized")
        if normalized is None:
            normalized = utt.cache["lex:normalized"] = normalize_with_map(utt.text)
        # one pass of the union first: most lines hit nothing, and then no sub-lexicon can
        if name != "profane" and not utterance_spans(utt, "profane"):
            spans = []
        else:
            spans = [s for s in find_spans(utt.text, name, normalized) if not _inside(s, utt.quoted)]
        utt.cache[key] = spans
    return spans


def _inside(span: tuple[int, int], ranges: list[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in ranges)


def token_spans(sent: Sentence, name: str) -> list[tuple[int, int]]:
    """Lexicon hits in this sentence as (first token, end token) index pairs."""
    key = "lex:" + name
    cached = sent.cache.get(key)
    if cached is not None:
        return cached
    out: list[tuple[int, int]] = []
    toks = sent.toks
    if toks:
        lo, hi = toks[0].start, toks[-1].end
        for a, b in utterance_spans(sent.utt, name):
            if b <= lo or a >= hi:
                continue
            first = next((k for k, t in enumerate(toks) if t.end > a), None)
            if first is None:
                continue
            last = first
            while last + 1 < len(toks) and toks[last + 1].start < b:
                last += 1
            out.append((first, last + 1))
    sent.cache[key] = out
    return out
