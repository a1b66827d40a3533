from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Team, User
from calls.models import Call, Campaign


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
