"""The dashboards at scale (issue 11): a fixed number of queries, figures that match the one
definition of agent flags and the stored checklists, and copies of the call that follow it."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.analysis import call_analyse
from calls.models import CallAnalysis, Flag, checklist_bits
from calls.selectors import AGENT_FLAGS, per_100_calls
from calls.services import call_update
from tests.factories import RUDE_CALL, CallFactory, UserFactory, transcript_for

POLITE_CALL = [
    ("agent", 0.0, 3.0, "안녕하세요 MOT카드 상담원 김민지입니다 무엇을 도와드릴까요"),
    ("customer", 3.5, 6.0, "카드 배송 문의드려요"),
    ("agent", 6.5, 9.0, "네 고객님 카드 배송 문의 말씀이시죠 바로 확인해 드리겠습니다"),
    ("agent", 9.5, 12.0, "감사합니다 좋은 하루 되세요"),
]


def _analysed_call(agent, lines, **fields):
    call = CallFactory(agent=agent, **fields)
    transcript_for(call, lines)
    call_analyse(call.pk)
    return call


def _dashboard(client, user, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboards:team"), params)
    assert response.status_code == 200
    return response.context, len(queries)


def test_dashboard_queries_do_not_grow_with_agents_or_calls(client, world):
    _analysed_call(world.agent_a, RUDE_CALL)
    _, few = _dashboard(client, world.trainer_all)
    for n in range(6):
        agent = UserFactory(role="agent", team=world.team_a if n % 2 else world.team_b, username=f"extra_{n}")
        for lines in (RUDE_CALL, POLITE_CALL):
            _analysed_call(agent, lines, started_at=timezone.now() - timedelta(days=10 * n, hours=1))
    context, many = _dashboard(client, world.trainer_all)
    assert len(context["agents"]) == 9  # 3 world agents + 6 new
    assert many <= few


def test_dashboard_figures_match_the_flags_and_checklists_they_count(client, world):
    """Every figure recomputed the slow way, row by row, from the flags and the stored checklists."""
    _analysed_call(world.agent_a, RUDE_CALL)
    _analysed_call(world.agent_a, POLITE_CALL, started_at=timezone.now() - timedelta(days=60))
    _analysed_call(world.agent_a2, RUDE_CALL, started_at=timezone.now() - timedelta(days=30))
    dismissed = Flag.objects.filter(call__agent=world.agent_a2, speaker="agent").first()
    Flag.objects.filter(pk=dismissed.pk).update(review_status="dismissed")

    context, _ = _dashboard(client, world.supervisor_a)

    team_flags = Flag.objects.filter(team=world.team_a)
    analyses = CallAnalysis.objects.filter(call__team=world.team_a)
    assert context["totals"]["analysed"] == analyses.count() == 3
    assert context["totals"]["calls"] == 5  # two calls of the world without a recording
    assert context["totals"]["recorded"] == 3
    by_category = {row["category"]: row["count"] for row in context["categories"]}
    for category, count in by_category.items():
        expected = team_flags.filter(category=category)
        expected = expected if category == "abuse" else expected.filter(AGENT_FLAGS)
        assert count == expected.count(), category
    assert sum(w["flags"] for w in context["weeks"]) == team_flags.filter(AGENT_FLAGS).count()
    assert sum(w["abuse"] for w in context["weeks"]) == team_flags.filter(category="abuse").count()
    for row in context["agents"]:
        agent_analyses = analyses.filter(call__agent_id=row["agent_id"])
        flags = team_flags.filter(AGENT_FLAGS, agent_id=row["agent_id"]).count()
        assert row["flags"] == flags
        assert row["per100"] == per_100_calls(flags, agent_analyses.count())
        for item, coverage in row["coverage"].items():
            entries = [e for a in agent_analyses for e in a.checklist if e["item"] == item]
            due = [e for e in entries if e["status"] in ("found", "missing")]
            found = [e for e in due if e["status"] == "found"]
            assert coverage == (round(100 * len(found) / len(due)) if due else None), (row["agent_id"], item)


def test_a_new_call_flag_or_verdict_shows_at_once(client, world):
    context, _ = _dashboard(client, world.supervisor_a)
    assert context["totals"]["analysed"] == 0
    call = _analysed_call(world.agent_a, RUDE_CALL)
    context, _ = _dashboard(client, world.supervisor_a)
    row = next(r for r in context["agents"] if r["agent_id"] == world.agent_a.pk)
    assert context["totals"]["analysed"] == 1 and row["flags"] >= 2
    before = row["flags"]
    Flag.objects.filter(call=call, speaker="agent").first().delete()
    flag = Flag.objects.filter(call=call, speaker="agent").first()
    flag.review_status = "dismissed"
    flag.save()
    context, _ = _dashboard(client, world.supervisor_a)
    row = next(r for r in context["agents"] if r["agent_id"] == world.agent_a.pk)
    assert row["flags"] == before - 2


def test_moving_a_call_moves_its_analysis_on_the_dashboard(client, world):
    call = _analysed_call(world.agent_a, RUDE_CALL)
    call_update(actor=world.admin, call=call, changes={"started_at": timezone.now() - timedelta(days=200)})
    analysis = CallAnalysis.objects.get(call=call)
    assert analysis.call_started_at == call.started_at
    context, _ = _dashboard(client, world.supervisor_a)
    assert context["totals"]["analysed"] == 0
    assert sum(c["count"] for c in context["categories"]) == 0
    call_update(actor=world.admin, call=call, changes={"started_at": timezone.now() - timedelta(days=1)})
    call_update(actor=world.admin, call=call, changes={"agent": world.agent_a2})
    analysis.refresh_from_db()
    assert (analysis.agent_id, analysis.team_id) == (world.agent_a2.pk, world.team_a.pk)
    context, _ = _dashboard(client, world.supervisor_a)
    rows = {r["agent_id"]: r for r in context["agents"]}
    assert rows[world.agent_a2.pk]["analysed"] == 1 and rows[world.agent_a.pk]["analysed"] == 0


def test_checklist_bits_count_found_and_due_items_only():
    checklist = [
        {"item": "greeting", "status": "found"},
        {"item": "need_confirmed", "status": "missing"},
        {"item": "empathy", "status": "not_applicable"},
        {"item": "closing", "status": "found"},
        {"item": "unknown_item", "status": "found"},
        "not a dict",
    ]
    assert checklist_bits(checklist) == (0b10001, 0b10011)
    assert checklist_bits([]) == checklist_bits(None) == (0, 0)


def test_reanalysing_keeps_the_bits_and_copies_in_step(world):
    call = _analysed_call(world.agent_a, RUDE_CALL)
    analysis = CallAnalysis.objects.get(call=call)
    assert (analysis.checklist_found, analysis.checklist_due) == checklist_bits(analysis.checklist)
    assert analysis.checklist_due and (analysis.agent_id, analysis.team_id) == (world.agent_a.pk, world.team_a.pk)
    analysis.checklist = [{"item": "greeting", "status": "missing"}]
    analysis.save(update_fields=["checklist"])
    analysis.refresh_from_db()
    assert (analysis.checklist_found, analysis.checklist_due) == (0, 1)
