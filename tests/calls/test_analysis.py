"""The analysis stage over stored transcripts: flags, checklist, metrics, re-analysis, alerts."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from calls.analysis import call_analyse, call_notify
from calls.models import CallAnalysis, Flag, Notification, Rule
from calls.rulebook import rule_save
from tests.factories import RUDE_CALL, transcript_for


def test_analysis_flags_the_rude_moments_with_spans_and_suggestions(world):
    transcript_for(world.call_a, RUDE_CALL)
    analysis = call_analyse(world.call_a.pk)
    flags = {f.category: f for f in Flag.objects.filter(call=world.call_a).order_by("-segment__start")}
    assert {"dismissive", "sarcasm", "abuse"} <= set(flags)
    dismissive = flags["dismissive"]  # the first one: "그건 제 담당이 아닌데요"
    assert dismissive.segment.text[dismissive.start : dismissive.end] == dismissive.excerpt
    assert "담당" in dismissive.excerpt and dismissive.suggestion and dismissive.agent == world.agent_a
    assert flags["abuse"].speaker == "customer"
    assert analysis.abuse_count >= 1 and analysis.agent_flag_count >= 2
    greeting = next(item for item in analysis.checklist if item["item"] == "greeting")
    assert greeting["status"] == "found" and greeting["segment_index"] == 0
    empathy = next(item for item in analysis.checklist if item["item"] == "empathy")
    assert empathy["status"] == "missing"  # the customer complained and nobody apologised
    assert analysis.metrics["dead_air"] == [[13.0, 20.0]]
    assert analysis.metrics["overtalk"] is not None


def test_a_polite_call_has_no_flags(world):
    transcript_for(
        world.call_a,
        [
            ("agent", 0.0, 3.0, "안녕하십니까 고객님 무엇을 도와드릴까요"),
            ("customer", 3.0, 5.0, "요금이 이상하게 나왔어요"),
            ("agent", 5.0, 9.0, "불편을 드려 죄송합니다 바로 확인해 드리겠습니다"),
        ],
    )
    analysis = call_analyse(world.call_a.pk)
    assert analysis.flag_count == 0 and not Flag.objects.exists()


def test_reanalysis_replaces_flags_once_and_keeps_reviewers_verdicts(world):
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    flag = Flag.objects.filter(call=world.call_a, category="dismissive").order_by("segment__start").first()
    Flag.objects.filter(pk=flag.pk).update(review_status="dismissed", review_reason="transferred right after")
    count = Flag.objects.count()
    call_analyse(world.call_a.pk)
    call_analyse(world.call_a.pk)
    assert Flag.objects.count() == count
    again = Flag.objects.get(call=world.call_a, category="dismissive", segment=flag.segment)
    assert again.review_status == "dismissed" and again.review_reason == "transferred right after"
    assert CallAnalysis.objects.filter(call=world.call_a).count() == 1


def test_a_rulebook_change_shows_in_the_next_analysis(world):
    transcript_for(world.call_a, [("agent", 0.0, 2.0, "그건 제 담당이 아닌데요")])
    call_analyse(world.call_a.pk)
    before = set(Flag.objects.values_list("rule_code", flat=True))
    for rule in Rule.objects.filter(code__in=before):
        rule_save(actor=world.admin, rule=rule, changes={"is_active": False})
    call_analyse(world.call_a.pk)
    assert not Flag.objects.filter(rule_code__in=before).exists()


def test_abuse_tells_each_supervisor_once_and_only_their_own(world):
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    assert call_notify(world.call_a.pk) == 1
    assert call_notify(world.call_a.pk) == 0
    note = Notification.objects.get()
    assert note.recipient == world.supervisor_a and note.call == world.call_a and "#" in note.message


def test_mono_calls_flag_only_profanity_and_report_no_overtalk(world):
    transcript_for(world.call_a, [("unknown", 0.0, 2.0, "그건 제 담당이 아닌데요 씨발")], layout="mono")
    analysis = call_analyse(world.call_a.pk)
    assert set(Flag.objects.values_list("category", flat=True)) == {"profanity"}
    assert analysis.metrics["overtalk"] is None


def test_flag_text_reads_json_lines_and_prints_flags(db, monkeypatch):
    lines = [
        {"id": "a", "speaker": "agent", "text": "그건 제 담당이 아닌데요"},
        {"id": "b", "speaker": "agent", "text": "바로 담당 부서로 연결해 드리겠습니다"},
        {"id": "c", "speaker": "customer", "text": "너 잘리고 싶어?"},
    ]
    monkeypatch.setattr("sys.stdin", StringIO("\n".join(json.dumps(x, ensure_ascii=False) for x in lines)))
    out = StringIO()
    call_command("flag_text", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["id"] for row in rows] == ["a", "b", "c"]
    assert {f["category"] for f in rows[0]["flags"]} == {"dismissive"}
    assert rows[1]["flags"] == []
    assert rows[2]["flags"][0]["category"] == "abuse"
    assert set(rows[0]["flags"][0]) == {
        "category",
        "severity",
        "start",
        "end",
        "rule",
        "explanation",
        "suggestion",
        "score",
    }


def test_flag_text_plain_lines_with_speaker(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("아까 말씀드렸잖아요\n감사합니다\n"))
    out = StringIO()
    call_command("flag_text", "--speaker", "agent", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0]["id"] == 1 and rows[0]["flags"][0]["category"] == "sarcasm" and rows[1]["flags"] == []


def test_flag_text_refuses_a_malformed_line(db, monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setattr("sys.stdin", StringIO("{not json\n"))
    with pytest.raises(CommandError, match="line 1"):
        call_command("flag_text", stdout=StringIO())
