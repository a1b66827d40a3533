"""Demo coaching that shows the before/after effect (called by `manage.py seed_demo`).

Without it the demo has no completed assignment with analysed calls on both sides, so the
effect view (assignment page, trainer dashboard) has nothing to show. One agent brushed customers
off in the weeks before "거절의 기술" was assigned, passed its practice, and answered politely after.
Seeded on its own, so the rest of the demo stays the same.
"""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from calls.demo import demo_transcribe
from calls.models import Call, Flag, Outcome

from .models import Assignment, Module
from .services import practice_submit

AGENT = "agent.kim"
MODULE = "거절의 기술"  # dismissive replies
BRUSH_OFF, POLITE = [1], [0, 4, 6]  # calls.demo.SCRIPTS
ASSIGNED_DAYS_AGO, COMPLETED_DAYS_AGO = 18, 15


def demo_coaching_effect(*, seed: int) -> Assignment | None:
    rng = random.Random(seed)
    agent = User.objects.filter(username=AGENT).first()
    trainer = User.objects.filter(username="trainer").first()
    module = Module.objects.filter(title=MODULE, is_active=True).first()
    if agent is None or module is None:
        return None
    now = timezone.now()
    assigned_at = now - timedelta(days=ASSIGNED_DAYS_AGO, hours=3)
    completed_at = now - timedelta(days=COMPLETED_DAYS_AGO, hours=5)

    def untranscribed(start, end):
        calls = (
            Call.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end, recordings__isnull=True)
            .exclude(outcome__in=[Outcome.NO_ANSWER, Outcome.VOICEMAIL])
            .order_by("started_at", "id")
        )
        return list(calls)

    before = untranscribed(now - timedelta(days=30), assigned_at)
    after = untranscribed(completed_at, now - timedelta(hours=1))
    for call in rng.sample(before, min(4, len(before))):
        demo_transcribe(call, rng.choice(BRUSH_OFF), rng)
    for call in rng.sample(after, min(6, len(after))):
        demo_transcribe(call, rng.choice(POLITE), rng)

    assignment = Assignment.objects.create(
        module=module,
        agent=agent,
        assigned_by=trainer,
        assigned_at=assigned_at,
        due_date=timezone.localdate(assigned_at) + timedelta(days=7),
        note="응대 거절 표현이 반복되어 배정합니다. 대안을 함께 안내하는 연습을 해 보세요.",
    )
    moments = Flag.objects.filter(agent=agent, category="dismissive", call_started_at__lt=assigned_at)
    assignment.flags.set(moments.order_by("call_started_at", "id")[:3])
    for item in module.practice_items.all():
        practice_submit(actor=agent, assignment=assignment, item=item, reply=item.model_answer)
    assignment.completed_at = completed_at
    assignment.save(update_fields=["completed_at"])
    return assignment
