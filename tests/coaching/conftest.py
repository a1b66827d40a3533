from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import CallAnalysis, Flag, Segment
from coaching.models import Module
from tests.factories import CallFactory, flag_for, transcript_for


def segment_for(call, text: str = "그건 제 담당이 아닌데요", speaker: str = "agent") -> Segment:
    """A one-line transcript for `call` (enough for a flag to point at)."""
    transcript_for(call, [(speaker, 0.0, 3.0, text)], status="done")
    return Segment.objects.get(call=call, index=0)


def flag_on(call, category: str = "dismissive", speaker: str = "agent", review_status: str = "unreviewed") -> Flag:
    segment = Segment.objects.filter(call=call).first() or segment_for(call)
    return flag_for(
        call,
        segment,
        speaker=speaker,
        category=category,
        suggestion="담당 부서로 연결해 드리겠습니다",
        review_status=review_status,
    )


def calls_for(agent, count: int, days_ago: float, analysed: bool = True):
    """`count` calls of `agent`, all started `days_ago` days before now (analysed, unless told not)."""
    started = timezone.now() - timedelta(days=days_ago)
    calls = [CallFactory(agent=agent, started_at=started) for _ in range(count)]
    if analysed:
        CallAnalysis.objects.bulk_create(CallAnalysis(call=call, analysed_at=started) for call in calls)
    return calls


@pytest.fixture
def refusing(db) -> Module:
    """The starter module for dismissive replies (shipped by the data migration)."""
    return Module.objects.get(title="거절의 기술")
