"""The rulebook in the database: shipped with the app, checked on save, versioned, edited by trainers."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from calls.models import Rule, RuleVersion
from calls.rulebook import get_analyzer, rule_save


def test_the_starter_rulebook_ships_with_every_category(db):
    categories = set(Rule.objects.values_list("category", flat=True))
    assert categories == {"banmal", "dismissive", "blame", "sarcasm", "profanity", "abuse"}
    assert RuleVersion.objects.count() == Rule.objects.count()


def test_every_starter_rule_passes_its_own_examples(db):
    from calls.rulebook import rule_errors

    assert {rule.code: rule_errors(rule) for rule in Rule.objects.all() if rule_errors(rule)} == {}


def _new_rule(**overrides):
    values = {
        "code": "fax-brushoff",
        "category": "dismissive",
        "severity": "medium",
        "speaker": "agent",
        "pattern": "팩스/NNG .. 보내/VV",
        "explanation": "팩스로 떠넘김",
        "suggestion": "제가 서류 접수를 도와드리겠습니다",
        "must_match": ["팩스로 보내세요"],
        "must_not_match": ["서류는 제가 대신 접수해 드리겠습니다"],
    }
    values.update(overrides)
    return Rule(**values)


def test_saving_a_rule_checks_its_examples(world):
    with pytest.raises(ValidationError) as error:
        rule_save(actor=world.trainer_a, rule=_new_rule(must_match=["팩스로 보내세요", "이메일로 보내세요"]))
    assert "이메일로 보내세요" in str(error.value)
    assert not Rule.objects.filter(code="fax-brushoff").exists()


def test_saving_a_rule_refuses_a_broken_pattern(world):
    with pytest.raises(ValidationError):
        rule_save(actor=world.trainer_a, rule=_new_rule(pattern="( 팩스/NNG"))


def test_an_edit_makes_a_new_version_and_keeps_the_old_text(world):
    rule = rule_save(actor=world.trainer_a, rule=_new_rule())
    assert rule.version == 1
    rule = rule_save(actor=world.trainer_a, rule=rule, changes={"severity": "high"})
    assert rule.version == 2
    assert [v.snapshot["severity"] for v in rule.versions.order_by("version")] == ["medium", "high"]
    unchanged = rule_save(actor=world.trainer_a, rule=rule, changes={"severity": "high"})
    assert unchanged.version == 2


def test_the_analyser_is_rebuilt_only_when_the_rulebook_changes(world):
    key, analyzer = get_analyzer()
    assert get_analyzer()[1] is analyzer
    rule_save(actor=world.admin, rule=_new_rule(category="blame", severity="high"))
    new_key, new_analyzer = get_analyzer()
    assert new_key != key and new_analyzer is not analyzer
    assert any(hit.rule == "fax-brushoff" for hit in new_analyzer.analyze("팩스로 보내세요", "agent"))


@pytest.mark.parametrize(
    "role,read,write",
    [
        ("agent_a", 200, 403),
        ("supervisor_a", 200, 403),
        ("trainer_a", 200, 201),
        ("admin", 200, 201),
        ("anonymous", 401, 401),
    ],
)
def test_rule_api_trainers_and_admins_edit_everyone_reads(api, world, role, read, write):
    if role != "anonymous":
        api.force_authenticate(world.user(role))
    assert api.get("/api/rules/").status_code == read
    body = {
        "code": f"fax-{role}",
        "category": "dismissive",
        "severity": "low",
        "speaker": "agent",
        "pattern": "팩스/NNG .. 보내/VV",
        "explanation": "팩스로 떠넘김",
        "must_match": ["팩스로 보내세요"],
    }
    assert api.post("/api/rules/", body, format="json").status_code == write


def test_rule_api_explains_a_failing_example(api, world):
    api.force_authenticate(world.trainer_a)
    body = {
        "code": "fax",
        "category": "dismissive",
        "severity": "low",
        "speaker": "agent",
        "pattern": "팩스/NNG .. 보내/VV",
        "explanation": "x",
        "must_not_match": ["팩스로 보내 드릴게요"],
    }
    response = api.post("/api/rules/", body, format="json")
    assert response.status_code == 400 and "팩스로 보내 드릴게요" in str(response.json())


def test_deleting_a_rule_through_the_api_switches_it_off(api, world):
    api.force_authenticate(world.trainer_a)
    rule = Rule.objects.first()
    assert api.delete(f"/api/rules/{rule.pk}/").status_code == 204
    rule.refresh_from_db()
    assert rule.is_active is False and rule.version == 2


def test_reanalyse_queues_only_calls_with_transcripts_in_range(api, world, django_capture_on_commit_callbacks):
    from tests.factories import RUDE_CALL, transcript_for

    transcript_for(world.call_a, RUDE_CALL)
    api.force_authenticate(world.trainer_a)
    # The API reads dates in Asia/Seoul: the call's local date, not its UTC date (which differs
    # from 15:00 to 24:00 UTC).
    day = timezone.localdate(world.call_a.started_at).isoformat()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post("/api/rules/reanalyse/", {"date_from": day, "date_to": day}, format="json")
    assert response.status_code == 202 and response.json() == {"queued_calls": 1} and len(callbacks) == 1
    bad = api.post("/api/rules/reanalyse/", {"date_from": day, "date_to": "2000-01-01"}, format="json")
    assert bad.status_code == 400
