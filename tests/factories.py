from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Team, User
from calls.models import Call, Campaign, Flag, Recording, Segment, Transcript


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"팀 {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"상담원 {n}")
    role = "agent"
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"캠페인 {n}")


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    agent = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda call: call.agent.team)
    created_by = factory.SelfAttribute("agent")
    direction = "inbound"
    customer_name = "홍길동"
    customer_phone = "01012345678"
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    duration_seconds = 180
    outcome = "resolved"


RUDE_CALL = [
    ("agent", 0.0, 3.0, "안녕하세요 MOT카드 상담원 김민지입니다 무엇을 도와드릴까요"),
    ("customer", 3.5, 7.0, "카드가 왜 아직도 안 왔어요 벌써 두 번째 전화예요"),
    ("agent", 7.5, 10.0, "그건 제 담당이 아닌데요"),
    ("customer", 10.5, 13.0, "야 너 이름 뭐야 너 잘리고 싶어?"),
    ("agent", 20.0, 22.0, "몇 번을 말씀드려야 돼요?"),
]


def transcript_for(call, lines, layout="agent_left", status="analysing"):
    """Store a transcript for `call` as the pipeline would: [(speaker, start, end, text), ...]."""
    recording = Recording.objects.create(
        call=call,
        file=f"recordings/test/{call.pk}.wav",
        storage_key=f"k{call.pk}-{len(lines)}",
        storage_suffix=".wav",
        sha256=f"{call.pk:064d}",
        size_bytes=1,
        format_name="wav",
        codec="pcm_s16le",
        duration_seconds=lines[-1][2],
        sample_rate=16000,
        channels=2,
        channel_layout=layout,
        status=status,
        created_at=call.started_at,
    )
    transcript = Transcript.objects.create(recording=recording, model_name="test")
    Segment.objects.bulk_create(
        Segment(transcript=transcript, call=call, index=i, speaker=speaker, start=start, end=end, text=text)
        for i, (speaker, start, end, text) in enumerate(lines)
    )
    return recording


def flag_for(call, segment, *, speaker="agent", category="dismissive", severity="medium", **fields):
    """A flag on `segment` of `call` as analysis stores one (the call's agent, team and start
    copied onto it); `fields` override any column."""
    values = {
        "call": call,
        "segment": segment,
        "agent": call.agent,
        "team": call.team,
        "call_started_at": call.started_at,
        "speaker": speaker,
        "category": category,
        "severity": severity,
        "start": 0,
        "end": 2,
        "excerpt": segment.text[:2],
        "rule_code": "test",
        "explanation": "테스트",
        **fields,
    }
    return Flag.objects.create(**values)
