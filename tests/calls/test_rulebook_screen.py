"""The rulebook screen: trainers read and edit the rules with their figures, try a pattern live,
compare versions, switch rules on and off and re-analyse stored calls; supervisors only read."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from calls.models import OutboxMessage, Rule, RuleVersion, Segment
from calls.rulebook import rule_save
from tests.factories import RUDE_CALL, CallFactory, flag_for, transcript_for

FAX = {
    "code": "fax-brushoff",
    "category": "dismissive",
    "severity": "medium",
    "speaker": "agent",
    "pattern": "팩스/NNG .. 보내/VV",
    "explanation": "팩스로 떠넘김",
    "suggestion": "제가 서류 접수를 도와드리겠습니다",
    "must_match": "팩스로 보내세요",
    "must_not_match": "서류는 제가 대신 접수해 드리겠습니다",
    "is_active": "on",
}


def _fax_rule(actor, **overrides):
    values = {k: v for k, v in FAX.items() if k != "is_active"}
    values["must_match"] = [values["must_match"]]
    values["must_not_match"] = [values["must_not_match"]]
    values.update(overrides)
    return rule_save(actor=actor, rule=Rule(**values))


def _flag(call, rule_code, status="unreviewed", days_ago=0):
    segment = Segment.objects.filter(call=call).first()
    if segment is None:
        segment = transcript_for(call, [("agent", 0.0, 2.0, "그건 제 담당이 아닌데요")]).transcript.segments.get()
    started = timezone.now() - timedelta(days=days_ago, hours=1)
    return flag_for(
        call,
        segment,
        call_started_at=started,
        excerpt="그건",
        rule_code=rule_code,
        explanation="x",
        review_status=status,
    )


def _row(response, code):
    return next(row for row in response.context["rows"] if row.rule.code == code)


# --- the list ------------------------------------------------------------------------------


def test_list_shows_precision_and_hits_among_the_flags_the_user_may_see(client, world):
    rule = _fax_rule(world.admin)
    for status in ("confirmed", "confirmed", "confirmed", "dismissed", "unreviewed"):
        _flag(world.call_a, rule.code, status)
    _flag(world.call_a2, rule.code, "dismissed", days_ago=60)  # in the 90 days, not the 30
    _flag(world.call_a2, rule.code, "confirmed", days_ago=200)  # counts for precision, not hits
    _flag(world.call_b, rule.code, "dismissed")  # team B: trainer_a does not see it

    client.force_login(world.trainer_a)
    response = client.get("/rules/")

    assert response.status_code == 200
    row = _row(response, rule.code)
    assert (row.confirmed, row.dismissed, row.unreviewed) == (4, 2, 1)
    assert row.precision_percent == 67  # 4 / (4 + 2)
    assert (row.hits_30, row.hits_90) == (5, 6)
    page = response.content.decode()
    assert f'href="/rules/{rule.pk}/"' in page and "67%" in page
    assert "규칙집" in page and "무성의한 응대" in page  # Korean: the nav link and the category label

    client.force_login(world.trainer_all)
    row = _row(client.get("/rules/"), rule.code)
    assert (row.confirmed, row.dismissed) == (4, 3) and row.hits_30 == 6


def test_the_list_costs_the_same_queries_for_one_rule_or_all(client, world):
    rule = _fax_rule(world.admin)
    _flag(world.call_a, rule.code, "confirmed")
    _flag(world.call_a, "banmal-ending", "dismissed")
    client.force_login(world.trainer_a)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/rules/", {"q": "fax-brushoff"}).context["rows"]) == 1
    total = Rule.objects.count()
    with CaptureQueriesContext(connection) as every:
        assert len(client.get("/rules/").context["rows"]) == total > 100
    assert len(every) == len(one)


def test_the_list_filters_by_category_and_status_and_searches_code_and_explanation(client, world):
    off = _fax_rule(world.admin, code="fax-off", is_active=False, explanation="팩스 전송으로 미루는 시험용 규칙")
    client.force_login(world.trainer_a)

    blame = client.get("/rules/", {"category": "blame"}).context["rows"]
    assert blame and {row.rule.category for row in blame} == {"blame"}
    assert [row.rule.code for row in client.get("/rules/", {"active": "0"}).context["rows"]] == [off.code]
    assert off.code not in [row.rule.code for row in client.get("/rules/", {"active": "1"}).context["rows"]]
    by_explanation = client.get("/rules/", {"q": "시험용 규칙"}).context["rows"]
    assert [row.rule.code for row in by_explanation] == ["fax-off"]
    assert [row.rule.code for row in client.get("/rules/", {"q": "FAX-O"}).context["rows"]] == ["fax-off"]


def test_the_precision_page_links_each_code_to_its_rule_page(client, world):
    rule = _fax_rule(world.admin)
    _flag(world.call_a, rule.code, "confirmed")
    client.force_login(world.trainer_a)
    page = client.get("/dashboards/rules/").content.decode()
    assert f'<a href="/rules/{rule.pk}/">fax-brushoff</a>' in page


# --- edit and create -----------------------------------------------------------------------


def _form(rule=None, **changes):
    data = dict(FAX)
    if rule is not None:
        data["version"] = rule.version
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_creating_a_rule_saves_version_one(client, world):
    client.force_login(world.trainer_a)
    response = client.post("/rules/new/", _form(must_match="팩스로 보내세요\n\n팩스로 보내 주세요"))
    rule = Rule.objects.get(code="fax-brushoff")
    assert response.status_code == 302 and response["Location"] == f"/rules/{rule.pk}/"
    assert rule.version == 1 and rule.updated_by == world.trainer_a
    assert rule.must_match == ["팩스로 보내세요", "팩스로 보내 주세요"]
    assert list(rule.versions.values_list("version", "changed_by")) == [(1, world.trainer_a.pk)]


def test_a_valid_edit_makes_a_new_version_and_keeps_the_old_one(client, world):
    rule = _fax_rule(world.admin)
    client.force_login(world.trainer_a)
    response = client.post(f"/rules/{rule.pk}/edit/", _form(rule, severity="high", code="renamed"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.code, rule.severity, rule.version, rule.updated_by) == ("fax-brushoff", "high", 2, world.trainer_a)
    versions = RuleVersion.objects.filter(rule=rule).order_by("version")
    assert [(v.version, v.snapshot["severity"], v.changed_by_id) for v in versions] == [
        (1, "medium", world.admin.pk),
        (2, "high", world.trainer_a.pk),
    ]


def test_an_invalid_pattern_is_refused_in_korean_beside_the_field_and_nothing_is_saved(client, world):
    rule = _fax_rule(world.admin)
    client.force_login(world.trainer_a)
    response = client.post(f"/rules/{rule.pk}/edit/", _form(rule, pattern="( 팩스/NNG", severity="high"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["pattern"] == ["패턴을 해석할 수 없습니다: ')'가 빠졌습니다"]
    assert "패턴을 해석할 수 없습니다" in response.content.decode()
    rule.refresh_from_db()
    assert (rule.version, rule.severity, rule.versions.count()) == (1, "medium", 1)


def test_an_example_that_misbehaves_is_named_beside_the_examples_in_korean(client, world):
    client.force_login(world.trainer_a)
    response = client.post("/rules/new/", _form(must_not_match="팩스로 보내 드릴게요"))
    assert response.status_code == 400
    assert response.context["form"].errors["must_not_match"] == [
        "잡으면 안 되는 예문이 '팩스로 보내'에서 잡힙니다: '팩스로 보내 드릴게요'"
    ]
    assert not Rule.objects.filter(code="fax-brushoff").exists()


def test_the_services_errors_follow_the_language(world):
    from django.core.exceptions import ValidationError

    for language, expected in (
        ("ko", "잡아야 할 예문이 잡히지 않습니다: '이메일로 보내세요'"),
        ("en", "must_match example does not match"),
    ):
        with translation.override(language), pytest.raises(ValidationError) as error:
            _fax_rule(world.trainer_a, must_match=["이메일로 보내세요"])
        assert expected in error.value.message_dict["must_match"][0]


def test_an_edit_from_a_stale_version_is_refused(client, world):
    rule = _fax_rule(world.admin)
    stale = _form(rule, severity="high")
    rule_save(actor=world.admin, rule=rule, changes={"severity": "low"})
    client.force_login(world.trainer_a)
    response = client.post(f"/rules/{rule.pk}/edit/", stale)
    assert response.status_code == 400 and "다른 사람이" in response.content.decode()
    rule.refresh_from_db()
    assert (rule.version, rule.severity) == (2, "low")


# --- live test -----------------------------------------------------------------------------


def _try(client, **data):
    body = {"speaker": "agent", "must_match": "", "must_not_match": "", "days": "30"} | data
    return client.post("/rules/test/", body)


def test_live_test_shows_each_example_with_its_span(client, world):
    client.force_login(world.trainer_a)
    response = _try(
        client,
        pattern="담당/NNG .. 아니/VCN",
        must_match="그건 제 담당이 아닌데요\n알겠습니다",
        must_not_match="담당 부서로 바로 연결해 드릴게요",
    )
    assert response.status_code == 200
    examples = response.json()["examples"]
    assert [(e["text"], e["matched"], e["ok"]) for e in examples] == [
        ("그건 제 담당이 아닌데요", True, True),
        ("알겠습니다", False, False),
        ("담당 부서로 바로 연결해 드릴게요", False, True),
    ]
    assert [p["text"] for p in examples[0]["parts"] if p["hit"]] == ["담당이 아닌데요"]
    assert response.json()["examples_ok"] is False
    assert not Rule.objects.filter(pattern="담당/NNG .. 아니/VCN").exists()


def test_live_test_counts_hits_in_recent_segments_the_user_may_see_of_the_right_speaker(client, world):
    transcript_for(world.call_a, RUDE_CALL)  # team A
    transcript_for(world.call_b, RUDE_CALL)  # team B
    old = CallFactory(agent=world.agent_a, started_at=timezone.now() - timedelta(days=40))
    transcript_for(old, RUDE_CALL)

    client.force_login(world.trainer_a)
    recent = _try(client, pattern="담당/NNG").json()["recent"]
    assert (recent["hits"], recent["segments"]) == (1, 3)  # the agent lines of call_a only
    (sample,) = recent["samples"]
    assert sample["call"] == world.call_a.pk and sample["speaker"] == "agent"
    assert [p["text"] for p in sample["parts"] if p["hit"]] == ["담당이"]
    assert Segment.objects.get(pk=sample["segment"]).call_id == world.call_a.pk

    assert _try(client, pattern="이름/NNG").json()["recent"]["hits"] == 0  # a customer's words
    assert _try(client, pattern="이름/NNG", speaker="customer").json()["recent"]["hits"] == 1
    assert _try(client, pattern="담당/NNG", days="90").json()["recent"]["hits"] == 2

    client.force_login(world.trainer_all)
    assert _try(client, pattern="담당/NNG").json()["recent"]["hits"] == 2


def test_live_test_reads_masked_text(client, world):
    transcript_for(world.call_a, [("customer", 0.0, 3.0, "제 번호는 010-1234-5678 이에요")])
    client.force_login(world.trainer_a)
    (sample,) = _try(client, pattern="번호/NNG", speaker="customer").json()["recent"]["samples"]
    text = "".join(part["text"] for part in sample["parts"])
    assert "1234" not in text and "****" in text


def test_live_test_of_a_bad_pattern_answers_400_in_korean_and_saves_nothing(client, world):
    before = (Rule.objects.count(), RuleVersion.objects.count())
    client.force_login(world.trainer_a)
    response = _try(client, pattern="모르/vv")
    assert response.status_code == 400
    assert response.json()["error"].startswith("패턴을 해석할 수 없습니다: ")
    assert "품사" in response.json()["errors"]["pattern"][0]
    assert (Rule.objects.count(), RuleVersion.objects.count()) == before


# --- versions and diff ---------------------------------------------------------------------


def test_the_rule_page_lists_versions_and_diffs_any_one_against_the_current(client, world):
    rule = _fax_rule(world.admin)
    rule = rule_save(actor=world.trainer_a, rule=rule, changes={"severity": "high"})
    rule = rule_save(
        actor=world.trainer_a,
        rule=rule,
        changes={
            "pattern": "팩스/NNG .. 보내/VV ; unless after @offer",
            "must_match": ["팩스로 보내세요", "팩스로 보내"],
        },
    )
    client.force_login(world.supervisor_a)  # supervisors read
    response = client.get(f"/rules/{rule.pk}/", {"compare": "1"})
    assert response.status_code == 200
    assert [(v.version, v.changed_by) for v in response.context["versions"]] == [
        (3, world.trainer_a),
        (2, world.trainer_a),
        (1, world.admin),
    ]
    diff = {change.name: change for change in response.context["diff"]}
    assert set(diff) == {"severity", "pattern", "must_match"}
    assert (diff["severity"].old, diff["severity"].new) == ("보통", "높음")
    assert "".join(text for op, text in diff["pattern"].chunks if op == "insert") == " ; unless after @offer"
    assert "".join(text for op, text in diff["pattern"].chunks if op != "insert") == "팩스/NNG .. 보내/VV"
    assert diff["must_match"].chunks == [("equal", "팩스로 보내세요"), ("insert", "팩스로 보내")]
    page = response.content.decode()
    assert "<ins>보통</ins>" not in page and "<del>보통</del> → <ins>높음</ins>" in page

    default = client.get(f"/rules/{rule.pk}/").context
    assert default["compare"].version == 2 and {c.name for c in default["diff"]} == {"pattern", "must_match"}
    assert client.get(f"/rules/{rule.pk}/", {"compare": "99"}).context["diff"] is not None  # falls back, says so


# --- on and off ----------------------------------------------------------------------------


def test_switching_a_rule_off_and_on_makes_versions(client, world):
    rule = _fax_rule(world.admin)
    client.force_login(world.trainer_a)
    assert client.post(f"/rules/{rule.pk}/active/", {"is_active": "0"}).status_code == 302
    rule.refresh_from_db()
    assert (rule.is_active, rule.version, rule.updated_by) == (False, 2, world.trainer_a)
    assert client.post(f"/rules/{rule.pk}/active/", {"is_active": "1"}).status_code == 302
    rule.refresh_from_db()
    assert (rule.is_active, rule.version) == (True, 3)
    assert [v.snapshot["is_active"] for v in rule.versions.order_by("version")] == [True, False, True]


def test_a_rule_whose_examples_no_longer_pass_can_still_be_switched_off(client, world):
    rule = _fax_rule(world.admin)
    Rule.objects.filter(pk=rule.pk).update(must_match=["이메일로 보내세요"])  # e.g. after a Kiwi upgrade
    client.force_login(world.trainer_a)
    client.post(f"/rules/{rule.pk}/active/", {"is_active": "0"})
    rule.refresh_from_db()
    assert (rule.is_active, rule.version) == (False, 2)
    response = client.post(f"/rules/{rule.pk}/active/", {"is_active": "1"}, follow=True)
    rule.refresh_from_db()
    assert rule.is_active is False and "잡아야 할 예문이 잡히지 않습니다" in response.content.decode()


# --- re-analysis ---------------------------------------------------------------------------


def _seoul(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_the_reanalyse_form_queues_the_calls_of_the_korean_dates(client, world):
    day = timezone.localdate() - timedelta(days=3)
    # 08:30 in Seoul is 23:30 UTC the day before: only the Seoul date may decide.
    early = CallFactory(agent=world.agent_a, started_at=_seoul(day, 8, 30))
    transcript_for(early, RUDE_CALL)
    late = CallFactory(agent=world.agent_a, started_at=_seoul(day, 23, 50))
    transcript_for(late, RUDE_CALL)
    other_team = CallFactory(agent=world.agent_b, started_at=_seoul(day, 12))
    transcript_for(other_team, RUDE_CALL)
    CallFactory(agent=world.agent_a, started_at=_seoul(day, 12))  # no transcript: nothing to analyse
    transcript_for(CallFactory(agent=world.agent_a, started_at=_seoul(day - timedelta(days=1), 23, 59)), RUDE_CALL)

    client.force_login(world.trainer_all)
    response = client.post("/rules/reanalyse/", {"date_from": day, "date_to": day}, follow=True)
    queued = sorted(i for m in OutboxMessage.objects.filter(kind="calls_reanalyse") for i in m.payload["call_ids"])
    assert queued == sorted([early.pk, late.pk, other_team.pk])
    assert "통화 3건을 현재 규칙집으로 다시 분석하도록" in response.content.decode()

    OutboxMessage.objects.all().delete()
    client.post("/rules/reanalyse/", {"date_from": day, "date_to": day, "team": world.team_a.pk})
    queued = sorted(i for m in OutboxMessage.objects.all() for i in m.payload["call_ids"])
    assert queued == sorted([early.pk, late.pk])


def test_the_reanalyse_form_refuses_bad_input_in_korean_and_queues_nothing(client, world):
    transcript_for(world.call_b, RUDE_CALL)
    day = timezone.localdate()
    client.force_login(world.trainer_a)  # coaches team A only
    response = client.post(
        "/rules/reanalyse/", {"date_from": day, "date_to": day, "team": world.team_b.pk}, follow=True
    )
    assert "올바르게 선택해 주세요" in response.content.decode()
    response = client.post("/rules/reanalyse/", {"date_from": day, "date_to": day - timedelta(days=1)}, follow=True)
    assert "종료일이 시작일보다 앞섭니다" in response.content.decode()
    response = client.post("/rules/reanalyse/", {"date_from": day, "date_to": day}, follow=True)
    assert "다시 분석할 전사된 통화가 없습니다" in response.content.decode()  # team B's call is not hers
    assert not OutboxMessage.objects.exists()


# --- who may do what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,read,edit",
    [
        ("agent_a", 403, 403),
        ("supervisor_a", 200, 403),
        ("trainer_a", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_permissions_per_role(client, world, role, read, edit):
    rule = Rule.objects.get(code="banmal-ending")
    client.force_login(world.user(role))
    assert client.get("/rules/").status_code == read
    assert client.get(f"/rules/{rule.pk}/").status_code == read
    assert client.get("/rules/new/").status_code == edit
    assert client.get(f"/rules/{rule.pk}/edit/").status_code == edit
    writes = 302 if edit == 200 else 403
    assert _try(client, pattern="모르/VV").status_code == (200 if edit == 200 else 403)
    day = timezone.localdate()
    assert client.post("/rules/reanalyse/", {"date_from": day, "date_to": day}).status_code == writes
    assert client.post(f"/rules/{rule.pk}/active/", {"is_active": "0"}).status_code == writes
    rule.refresh_from_db()
    assert rule.is_active is (edit != 200)
    nav = client.get("/calls/").content.decode()
    assert ('href="/rules/"' in nav) is (read == 200)
    if read == 200:
        page = client.get("/rules/").content.decode()
        assert ('href="/rules/new/"' in page) is (edit == 200)
        assert ('action="/rules/reanalyse/"' in page) is (edit == 200)


def test_anonymous_users_are_sent_to_log_in(client, world):
    assert client.get("/rules/").status_code == 302
    assert client.post("/rules/test/", {"pattern": "모르/VV", "speaker": "agent"}).status_code == 302
