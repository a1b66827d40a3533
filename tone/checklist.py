"""MOT checklist for the agent side of a call.

Items: greeting (with company or own name), need_confirmed, empathy (only applicable when the
customer complained), next_step, closing. The items are fixed service phrases, so they are
matched as surface expressions on space-folded text (Whisper's spacing varies: 안녕 하십니까).
Mono recordings have speaker 'unknown' on every segment: those segments are then searched for
agent items and for customer complaints alike, since nothing better is known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GREETING = re.compile(r"안녕하(?:십니까|세요|세용|셨어요)|반갑습니다|전화주셔서감사|연락주셔서감사|전화주셨네요")
IDENTITY = re.compile(
    r"(?:상담원|상담사|매니저|팀장|주임|사원|담당자|고객센터|콜센터|센터|카드|은행|생명|화재|손해보험|보험|"
    r"통신|텔레콤|쇼핑|전자|가스|전력|공사|증권|캐피탈|저축|모바일|몰)[가-힣]{0,8}?"
    r"(?:입니다|이에요|예요|인데요|입니당)|제이름은|저는[가-힣]{2,4}(?:입니다|이에요|예요)"
)
NEED = re.compile(
    r"말씀이시죠|말씀이신가요|말씀이시고요|맞으시죠|맞으세요|맞으실까요|맞습니까|맞으신가요|"
    r"(?:신|는|ㄴ|다는|라는)거(?:죠|맞|말씀)|건가요|문의하신|요청하신|말씀하신|원하시는|"
    r"정리해(?:보|드리)면|라는말씀|다는말씀|거맞으|어떤(?:부분|점|게)|무엇을도와|뭘도와|어떤일로"
)
COMPLAINT = re.compile(
    r"왜(?:이렇게|자꾸|아직|안|또)|너무(?:하|늦|답답|화)|짜증|화가나|화나|답답|불편|실망|말이돼|말이됩니까|"
    r"몇번째|두번째|세번째|아직도|안왔|안와|안들어|안돼|안되잖|문제가|항의|불만|고장|엉뚱|잘못[왔된]|"
    r"늦어|지연|환불해|책임자|어떻게할거|장난하|미치겠|열받|못참"
)
EMPATHY = re.compile(
    r"죄송|송구|사과드|불편을?(?:드려|끼쳐)|속상하|답답하셨|답답하시|놀라셨|당황하셨|화가나셨|화나셨|"
    r"이해합니다|이해가됩니다|이해해요|그러셨군요|그러셨어요|힘드셨|기다리시게|번거롭게해|마음이상하"
)
NEXT_STEP = re.compile(
    r"드리겠습니다|드릴게요|드릴께요|드리도록|해드렸습니다|해드렸어요|접수(?:되었|됐|해|완료)|"
    r"예정입니다|예정이에요|예정이세요|다시(?:연락|전화)|문자로(?:보내|안내|발송)|연결해드|영업일|이내에|"
    r"안으로|처리(?:되었|됐|완료)|완료되었|발송(?:되었|됐|해)|방문하실|방문예정"
)
CLOSING = re.compile(
    r"감사합니다|감사드립니다|좋은하루|행복한하루|즐거운하루|좋은시간|수고하세요|들어가세요|"
    r"(?:상담원|상담사|매니저)[가-힣]{0,4}(?:였습니다|이었습니다)|이용해주셔서|안녕히(?:계세요|계십시오)"
)

AGENT_SIDE = ("agent", "unknown")
CUSTOMER_SIDE = ("customer", "unknown")


@dataclass
class _Seg:
    index: int
    speaker: str
    start: float
    text: str
    folded: str


def mot_checklist(segments: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    segs = [
        _Seg(
            i,
            str(s.get("speaker", "unknown")),
            float(s.get("start", 0.0)),
            str(s.get("text", "")),
            re.sub(r"\s+", "", str(s.get("text", ""))),
        )
        for i, s in enumerate(segments)
    ]
    agent = [s for s in segs if s.speaker in AGENT_SIDE]
    return [
        _greeting(agent[:3]),
        _search("need_confirmed", agent, NEED, "agent never restated or confirmed the customer's need"),
        _empathy(segs, agent),
        _search("next_step", agent, NEXT_STEP, "agent gave no concrete next step or commitment"),
        _search("closing", agent[-3:], CLOSING, "no polite closing in the agent's last turns", last=True),
    ]


def _item(item: str, status: str, seg: _Seg | None, evidence: str) -> dict[str, Any]:
    return {
        "item": item,
        "status": status,
        "segment_index": seg.index if seg else None,
        "at": seg.start if seg else None,
        "evidence": evidence,
    }


def _greeting(opening: list[_Seg]) -> dict[str, Any]:
    """Found only when the opening turns both greet and say who is calling (company or name)."""
    greet = next((s for s in opening if GREETING.search(s.folded)), None)
    ident = next((s for s in opening if IDENTITY.search(s.folded)), None)
    if greet and ident:
        seg = min(greet, ident, key=lambda s: s.index)
        return _item("greeting", "found", seg, seg.text)
    if greet:
        return _item("greeting", "missing", greet, f"greeted without company or name: {greet.text}")
    return _item("greeting", "missing", None, "no greeting in the agent's first turns")


def _search(item: str, segs: list[_Seg], pattern: re.Pattern[str], missing: str, last: bool = False) -> dict[str, Any]:
    order = reversed(segs) if last else segs
    seg = next((s for s in order if pattern.search(s.folded)), None)
    if seg:
        return _item(item, "found", seg, seg.text)
    return _item(item, "missing", None, missing)


def _empathy(segs: list[_Seg], agent: list[_Seg]) -> dict[str, Any]:
    complaint = next((s for s in segs if s.speaker in CUSTOMER_SIDE and COMPLAINT.search(s.folded)), None)
    if complaint is None:
        return _item("empathy", "not_applicable", None, "the customer did not complain")
    after = [s for s in agent if s.index > complaint.index]
    seg = next((s for s in after if EMPATHY.search(s.folded)), None)
    if seg:
        return _item("empathy", "found", seg, seg.text)
    return _item(
        "empathy",
        "missing",
        None,
        f"customer complained at segment {complaint.index} ({complaint.text}) "
        "and the agent did not acknowledge or apologise",
    )
