"""The demo shows the coaching effect: a completed assignment whose agent has analysed calls
before and after it (regression: the before/after view had nothing to show with the demo)."""

from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from coaching.models import Assignment
from coaching.selectors import assignment_effect, practice_done


def test_the_demo_has_a_completed_assignment_with_figures_before_and_after(client, db):
    call_command("seed_demo", stdout=StringIO())
    [assignment] = Assignment.objects.filter(completed_at__isnull=False)
    assert practice_done(assignment) and assignment.flags.exists()
    effect = assignment_effect(assignment)
    assert effect.before.calls >= 3 and effect.after.calls >= 3
    assert effect.before.value > effect.after.value  # brushed off before, polite after

    from accounts.models import User

    client.force_login(User.objects.get(username="trainer"))
    page = client.get(reverse("coaching:assignment_detail", args=[assignment.pk]))
    assert f"n={effect.before.calls}" in page.content.decode() and f"n={effect.after.calls}" in page.content.decode()
    dashboard = client.get(reverse("coaching:trainer_dashboard")).context
    [row] = [r for r in dashboard["by_module"] if r.key == assignment.module_id]
    assert row.completed == 1 and row.after.calls >= 3 and row.change is not None
