from datetime import datetime

import pytest
from django.utils import timezone

from calls.models import CallAnalysis, Segment
from qa import services
from tests.factories import flag_for, transcript_for

SECTIONS = [
    {
        "title": "인사",
        "criteria": [
            {"text": "인사", "weight": 2, "auto_source": "checklist", "auto_key": "greeting"},
            {"text": "공감", "weight": 1, "auto_source": "checklist", "auto_key": "empathy"},
        ],
    },
    {
        "title": "안내",
        "criteria": [
            {"text": "정확한 안내", "weight": 3, "answer_type": "scale", "allow_na": False},
            {
                "text": "무시하는 말 없음",
                "weight": 2,
                "allow_na": False,
                "auto_source": "no_flag",
                "auto_key": "dismissive",
            },
        ],
    },
    {
        "title": "필수",
        "criteria": [
            {
                "text": "고객 비하·욕설 없음",
                "weight": 0,
                "is_fail": True,
                "auto_source": "no_flag",
                "auto_key": "profanity",
            },
        ],
    },
]


@pytest.fixture
def scorecard(world):
    return services.scorecard_create(actor=world.trainer_all, name="기본 평가표", sections=SECTIONS)


def analyse(call, *, checklist: dict[str, str], flags: list[tuple[str, str, str]] = ()):
    """Give `call` an analysis with the checklist {item: status} and flags [(speaker, category, severity)]."""
    if not Segment.objects.filter(call=call).exists():
        transcript_for(call, [("agent", 0.0, 2.0, "안녕하세요"), ("customer", 2.5, 4.0, "네")])
    segment = Segment.objects.filter(call=call).first()
    CallAnalysis.objects.update_or_create(
        call=call,
        defaults={
            "checklist": [{"item": item, "status": status} for item, status in checklist.items()],
            "analysed_at": timezone.now(),
        },
    )
    return [
        flag_for(
            call, segment, speaker=speaker, category=category, severity=severity, excerpt="안녕", explanation="test"
        )
        for speaker, category, severity in flags
    ]


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())


def answer_all(evaluation, actor, **by_text):
    """Answer every criterion still empty ("yes", or "4" on a scale), with overrides by question text."""
    answers = {}
    for answer in evaluation.answers.select_related("criterion"):
        value = by_text.get(answer.criterion.text) or answer.value
        if not value:
            value = "4" if answer.criterion.answer_type == "scale" else "yes"
        answers[answer.criterion_id] = {"value": value}
    return services.evaluation_save(actor=actor, evaluation=evaluation, answers=answers)
