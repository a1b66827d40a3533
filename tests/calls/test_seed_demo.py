from datetime import UTC, datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command

from accounts.models import Role, Team, User
from calls.models import Call


def test_seed_demo_creates_a_believable_month_once(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert Team.objects.count() == 2
    assert User.objects.filter(role=Role.AGENT).count() == 6
    assert 150 <= Call.objects.count() <= 800
    assert "supervisor" in out.getvalue() and "motcoach-demo" in out.getvalue()
    count = Call.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Call.objects.count() == count
    assert User.objects.get(username="agent.kim").check_password("motcoach-demo")


@pytest.mark.parametrize(
    "made_at",
    [
        None,  # now
        datetime(2026, 11, 28, 14, 50, tzinfo=UTC),  # a Saturday, 23:50 in Seoul
        datetime(2026, 11, 29, 15, 20, tzinfo=UTC),  # a Monday, 00:20 in Seoul
        datetime(2026, 11, 25, 3, 55, tzinfo=UTC),  # a Wednesday, 12:55 in Seoul (once left abuse out)
    ],
)
def test_the_demo_flags_only_real_abuse_and_never_charges_an_agent_with_a_customers_words(db, made_at):
    from calls.models import Flag, Notification
    from calls.selectors import AGENT_FLAGS

    if made_at is None:
        call_command("seed_demo", stdout=StringIO())
    else:
        with mock.patch("django.utils.timezone.now", return_value=made_at):
            call_command("seed_demo", stdout=StringIO())
    abuse = Flag.objects.filter(category="abuse").select_related("segment")
    assert abuse.exists()
    assert all(("잘리고" in f.segment.text or "씨발" in f.segment.text) for f in abuse), [f.excerpt for f in abuse]
    friendly = Flag.objects.filter(speaker="customer", segment__text__contains="손주")
    assert not friendly.exists() and not Flag.objects.filter(segment__text__contains="아가씨").exists()
    assert not Flag.objects.filter(AGENT_FLAGS).exclude(speaker="agent").exists()
    assert all("잘리고" in n.message or "씨발" in n.message for n in Notification.objects.filter(kind="abuse"))
