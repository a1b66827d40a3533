"""Flag review on the call page: who may review, dismissal reasons, comments, rule precision."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from calls.models import ChecklistItem, Flag
from calls.review import flag_review, rule_precision
from dashboards.models import MomentComment


def _agent_flag(call):
    return Flag.objects.filter(call=call, category="dismissive").first()


def test_supervisor_confirms_a_flag(world, flagged_call):
    flag = _agent_flag(flagged_call)
    flag = flag_review(actor=world.supervisor_a, flag=flag, status="confirmed", reason="")
    assert flag.review_status == "confirmed" and flag.reviewed_by == world.supervisor_a and flag.reviewed_at


def test_dismissal_needs_a_reason(world, flagged_call):
    with pytest.raises(ValidationError):
        flag_review(actor=world.trainer_a, flag=_agent_flag(flagged_call), status="dismissed", reason="  ")


@pytest.mark.parametrize("name", ["agent_a", "agent_a2", "supervisor_b"])
def test_agents_and_other_teams_cannot_review(world, flagged_call, name):
    with pytest.raises(PermissionDenied):
        flag_review(actor=world.user(name), flag=_agent_flag(flagged_call), status="confirmed")


@pytest.mark.parametrize("name", ["supervisor_a", "trainer_a", "trainer_all", "admin"])
def test_reviewers_of_the_team_can_review(world, flagged_call, name):
    flag = flag_review(actor=world.user(name), flag=_agent_flag(flagged_call), status="dismissed", reason="ok here")
    assert flag.review_status == "dismissed"


def test_review_view_out_of_scope_flag_is_404_and_agent_is_403(client, world, flagged_call):
    flag = _agent_flag(flagged_call)
    client.force_login(world.supervisor_b)
    assert client.post(reverse("dashboards:flag_review", args=[flag.pk]), {"status": "confirmed"}).status_code == 404
    client.force_login(world.agent_a)
    assert client.post(reverse("dashboards:flag_review", args=[flag.pk]), {"status": "confirmed"}).status_code == 403
    flag.refresh_from_db()
    assert flag.review_status == "unreviewed"


def test_dismiss_through_the_page_redirects_back_to_the_flag(client, world, flagged_call):
    flag = _agent_flag(flagged_call)
    client.force_login(world.supervisor_a)
    response = client.post(
        reverse("dashboards:flag_review", args=[flag.pk]), {"status": "dismissed", "reason": "고객이 먼저 요청함"}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#flag-{flag.pk}")
    flag.refresh_from_db()
    assert flag.review_status == "dismissed" and flag.review_reason == "고객이 먼저 요청함"


def test_api_review_rejects_agents_and_hides_other_teams(api, world, flagged_call):
    flag = _agent_flag(flagged_call)
    api.force_authenticate(world.agent_a)
    assert api.post("/api/flag-reviews/", {"flag": flag.pk, "status": "confirmed"}).status_code == 403
    api.force_authenticate(world.supervisor_b)
    assert api.post("/api/flag-reviews/", {"flag": flag.pk, "status": "confirmed"}).status_code == 404
    api.force_authenticate(world.supervisor_a)
    response = api.post("/api/flag-reviews/", {"flag": flag.pk, "status": "dismissed"})
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post("/api/flag-reviews/", {"flag": flag.pk, "status": "dismissed", "reason": "fine"})
    assert response.status_code == 200 and response.json()["review_status"] == "dismissed"


def test_rule_precision_counts_confirmed_and_dismissed(world, flagged_call):
    flags = list(Flag.objects.filter(call=flagged_call, speaker="agent"))
    assert len(flags) >= 2
    flag_review(actor=world.supervisor_a, flag=flags[0], status="confirmed")
    flag_review(actor=world.supervisor_a, flag=flags[1], status="dismissed", reason="wrong")
    by_code = {r.rule_code: r for r in rule_precision()}
    first, second = by_code[flags[0].rule_code], by_code[flags[1].rule_code]
    if first is second:
        assert (first.confirmed, first.dismissed, first.precision) == (1, 1, 0.5)
    else:
        assert first.precision == 1.0 and second.precision == 0.0 and second.dismiss_reasons == ["wrong"]


def test_rules_page_lists_precision_for_trainers_not_agents(client, world, flagged_call):
    flag = _agent_flag(flagged_call)
    flag_review(actor=world.trainer_a, flag=flag, status="dismissed", reason="context")
    client.force_login(world.trainer_a)
    page = client.get(reverse("dashboards:rules"))
    assert page.status_code == 200 and flag.rule_code in page.content.decode()
    client.force_login(world.agent_a)
    assert client.get(reverse("dashboards:rules")).status_code == 403


def test_comment_on_a_moment(client, world, flagged_call):
    segment = flagged_call.segments.order_by("start")[2]
    client.force_login(world.trainer_a)
    response = client.post(
        reverse("dashboards:comment_create", args=[flagged_call.pk]),
        {"segment": segment.pk, "text": "여기서 공감 표현"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#segment-{segment.pk}")
    assert MomentComment.objects.get().author == world.trainer_a
    client.force_login(world.agent_a)
    response = client.post(
        reverse("dashboards:comment_create", args=[flagged_call.pk]), {"segment": segment.pk, "text": "x"}
    )
    assert response.status_code == 403
    page = client.get(reverse("calls:detail", args=[flagged_call.pk])).content.decode()
    assert "여기서 공감 표현" in page


def test_call_page_shows_flags_inline_checklist_metrics_and_review_controls(client, world, flagged_call):
    flag = _agent_flag(flagged_call)
    client.force_login(world.supervisor_a)
    page = client.get(reverse("calls:detail", args=[flagged_call.pk])).content.decode()
    assert f'id="segment-{flag.segment_id}"' in page
    assert f'data-flag-ref="flag-{flag.pk}"' in page and f">{escape(flag.excerpt)}</mark>" in page
    greeting = str(ChecklistItem.GREETING.label)
    assert escape(flag.suggestion) in page and escape(greeting) in page and "13.0" in page  # dead air starts at 13 s
    assert reverse("dashboards:flag_review", args=[flag.pk]) in page
    assert f"/coaching/assign/?flag={flag.pk}" in page
    assert "Keyboard shortcuts" in page or "단축키" in page


def test_agent_sees_flags_but_no_review_controls(client, world, flagged_call):
    flag = _agent_flag(flagged_call)
    client.force_login(world.agent_a)
    page = client.get(reverse("calls:detail", args=[flagged_call.pk])).content.decode()
    assert escape(flag.explanation) in page
    assert reverse("dashboards:flag_review", args=[flag.pk]) not in page and "/coaching/assign/" not in page
