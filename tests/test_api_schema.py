"""The OpenAPI schema tells the truth: schemathesis drives every API operation, in-process over
WSGI, as an agent and as a supervisor of a small seeded world, and checks each answer.

Checked: no 5xx, the status code is one the schema declares, the content type and the body match
the schema. Bounded (a few examples per operation and role, no shrinking, a fixed seed) so it runs
in a few minutes on two cores; every example runs in a savepoint that is rolled back, so a DELETE
in one example cannot change what the next one sees (no flaky cascades).
"""

import logging
import os
import time
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from calls.analysis import call_analyse
from calls.models import Notification
from calls.notifications import notification_create
from coaching.models import Assignment, CoachingSession, Module
from dashboards.models import MomentComment
from dashboards.services import call_index
from tests.factories import RUDE_CALL, CallFactory, CampaignFactory, transcript_for

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

ROLES = ("agent_a", "supervisor_a")
# Not API operations with a JSON contract: the schema document itself and its HTML viewer.
SKIPPED_PATHS = {"/api/schema/", "/api/docs/"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_MODE = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))


def _seed(world) -> dict[str, list[int]]:
    """Objects of every kind the API serves, in team A (the roles' own) and team B (out of scope).

    Returns the ids path parameters are drawn from, by the path's first segment after /api/.
    """
    campaign = CampaignFactory()
    world.call_a.campaign = campaign
    world.call_a.save(update_fields=["campaign"])
    recording_a = transcript_for(world.call_a, RUDE_CALL, status="done")
    recording_b = transcript_for(world.call_b, RUDE_CALL, status="done")
    for call in (world.call_a, world.call_b):
        call_analyse(call.pk)
        call_index(call.pk)
    CallFactory(agent=world.agent_a, started_at=timezone.now() - timedelta(days=3))
    module = Module.objects.filter(is_active=True).first()
    item = module.practice_items.first()
    assignment = Assignment.objects.create(
        module=module, agent=world.agent_a, assigned_by=world.trainer_a, due_date=timezone.localdate()
    )
    session = CoachingSession.objects.create(
        agent=world.agent_a, coach=world.supervisor_a, held_on=timezone.localdate(), notes="1:1"
    )
    segment = recording_a.transcript.segments.first()
    comment = MomentComment.objects.create(
        call=world.call_a, segment=segment, author=world.supervisor_a, text="여기 다시 들어 보세요"
    )
    note_a = notification_create(
        recipient=world.agent_a,
        kind="evaluation",
        params={"event": "submitted", "evaluator": str(world.supervisor_a), "score": 90.0},
        call=world.call_a,
    )
    note_s = notification_create(
        recipient=world.supervisor_a,
        kind="dispute",
        params={"agent": str(world.agent_a), "target": "flag", "call": world.call_a.pk, "reason": "인용"},
        call=world.call_a,
    )
    # a row from before notifications had params: shown as stored
    old_s = Notification.objects.create(recipient=world.supervisor_a, kind="abuse", message="폭언", call=world.call_a)
    from calls.models import Flag, Rule, ToneModelVersion

    return {
        "calls": [world.call_a.pk, world.call_a2.pk, world.call_b.pk],
        "recordings": [recording_a.pk, recording_b.pk],
        "analyses": [world.call_a.pk, world.call_b.pk],
        "flags": list(Flag.objects.values_list("pk", flat=True)[:4]),
        "rules": list(Rule.objects.values_list("pk", flat=True)[:2]),
        "tone-models": list(ToneModelVersion.objects.values_list("pk", flat=True)[:1]),
        "notifications": [note_a.pk, note_s.pk, old_s.pk],
        "teams": [world.team_a.pk, world.team_b.pk],
        "users": [world.agent_a.pk, world.agent_b.pk],
        "coaching/modules": [module.pk],
        "coaching/assignments": [assignment.pk],
        "coaching/practice": [],
        "coaching/sessions": [session.pk],
        "coaching/suggestions": [],
        "moment-comments": [comment.pk],
        "_items": [item.pk] if item else [],
    }


def _known_ids(ids: dict[str, list[int]], path: str) -> list[int]:
    rest = path.removeprefix("/api/")
    best = max((key for key in ids if rest.startswith(key + "/")), key=len, default=None)
    return ids.get(best, []) if best else []


@pytest.fixture
def quiet_logs():
    """Thousands of expected 4xx answers: keep Django's and Axes' per-request warnings out of the log
    (a 5xx is still logged, at ERROR)."""
    loggers = [logging.getLogger(name) for name in ("django.request", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def wsgi_app():
    """The real WSGI app, minus what Django's own test client also switches off: closing the
    database connection at the start and end of each request (it holds the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_api_answer_matches_the_schema(world, wsgi_app, quiet_logs):
    ids = _seed(world)
    tokens = {role: Token.objects.create(user=world.user(role)).key for role in ROLES}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", wsgi_app, headers={"Authorization": f"Token {tokens['supervisor_a']}"}
    )

    failures: list[str] = []
    counted = {"operations": 0, "requests": 0}
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIPPED_PATHS:
            continue
        counted["operations"] += 1
        known = _known_ids(ids, operation.path)
        for role in ROLES:
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                failure = _exercise(operation, mode, tokens[role], known, counted)
                if failure:
                    failures.append(f"{role} {operation.method.upper()} {operation.path} ({mode.value}):\n{failure}")
    elapsed = time.monotonic() - started
    print(f"schemathesis: {counted['operations']} operations, {counted['requests']} requests, {elapsed:.0f} s")
    assert not failures, "\n\n".join(failures)


def _exercise(operation, mode, token: str, known: list[int], counted: dict) -> str | None:
    headers = {"Authorization": f"Token {token}"}

    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data):
        if known and case.path_parameters:
            # Mostly real objects (in and out of the role's scope), sometimes whatever was generated.
            for name in case.path_parameters:
                if name in ("id", "pk", "call"):
                    case.path_parameters[name] = data.draw(st.sampled_from([*known, case.path_parameters[name]]))
        counted["requests"] += 1
        with transaction.atomic():
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            finally:
                transaction.set_rollback(True)

    try:
        run()
    except Unsatisfiable:
        return None  # negative mode on an operation without any input: nothing to break
    except (Exception, BaseExceptionGroup) as exc:  # collected: one report for every operation
        return str(exc)[:3000]
    return None
