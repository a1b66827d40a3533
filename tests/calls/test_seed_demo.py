from io import StringIO

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
