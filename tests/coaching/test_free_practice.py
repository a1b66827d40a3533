"""Agents practise any published module without an assignment; the no-reload check posts what
static/js/coaching.js sends. Free practice never completes an assignment."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from coaching.models import Assignment, Module, PracticeAttempt
from coaching.selectors import practice_done
from tests.roles import ROLES, client_for

GOOD_REPLY = "그 부분은 담당 부서로 바로 연결해 드리겠습니다"
RUDE_REPLY = "그건 제 담당이 아닌데요"


def _js_body(item_id: int, reply: str) -> dict:
    # Exactly what coaching.js builds: {item: Number(form.elements.namedItem("item").value), reply}
    return {"item": item_id, "reply": reply}


def test_the_practice_post_the_script_sends_is_accepted_not_400(api, world, refusing):
    """Regression: the script read form.elements.item (the collection's item() method) and posted
    item: null, which the API refused with 400 every time."""
    assignment = Assignment.objects.create(module=refusing, agent=world.agent_a, due_date=timezone.localdate())
    item = refusing.practice_items.first()
    api.force_authenticate(world.agent_a)
    url = reverse("coaching-assignment-practice", args=[assignment.pk])
    assert api.post(url, {"item": None, "reply": GOOD_REPLY}, format="json").status_code == 400
    response = api.post(url, _js_body(item.pk, GOOD_REPLY), format="json")
    assert response.status_code == 201 and response.json()["passed"] is True


def test_the_script_reads_the_item_field_by_name_not_the_collection_method():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "static/js/coaching.js").read_text()
    assert "form.elements.item.value" not in script
    assert 'namedItem("item")' in script


def test_practice_feedback_carries_the_korean_category_label(api, world, refusing):
    item = refusing.practice_items.first()
    api.force_authenticate(world.agent_a)
    response = api.post(
        reverse("coaching-module-practice", args=[refusing.pk]),
        _js_body(item.pk, RUDE_REPLY),
        format="json",
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert response.status_code == 201
    [hit] = [h for h in response.json()["hits"] if h["category"] == "dismissive"]
    with override("ko"):
        from calls.models import Category

        assert hit["category_label"] == str(Category.DISMISSIVE.label)
    assert re.search("[가-힣]", hit["category_label"])


def test_the_practice_page_shows_category_labels_not_codes(client, world, refusing):
    item = refusing.practice_items.first()
    client.force_login(world.agent_a)
    url = reverse("coaching:module_detail", args=[refusing.pk])
    page = client.post(url, {"item": item.pk, "reply": RUDE_REPLY}).content.decode()
    assert '<span class="tag">dismissive</span>' not in page
    with override("ko"):
        from calls.models import Category

        assert f'<span class="tag">{Category.DISMISSIVE.label}</span>' in page


def test_an_agent_practises_a_module_without_an_assignment(api, world, refusing):
    item = refusing.practice_items.first()
    api.force_authenticate(world.agent_a)
    response = api.post(
        reverse("coaching-module-practice", args=[refusing.pk]), _js_body(item.pk, GOOD_REPLY), format="json"
    )
    assert response.status_code == 201
    attempt = PracticeAttempt.objects.get()
    assert attempt.assignment is None and attempt.agent == world.agent_a and attempt.passed


def test_free_practice_does_not_complete_an_assignment_of_the_same_module(api, world, refusing):
    api.force_authenticate(world.agent_a)
    for item in refusing.practice_items.all():
        api.post(reverse("coaching-module-practice", args=[refusing.pk]), _js_body(item.pk, GOOD_REPLY), format="json")
    assert PracticeAttempt.objects.filter(passed=True).count() == refusing.practice_items.count()
    assignment = Assignment.objects.create(module=refusing, agent=world.agent_a, due_date=timezone.localdate())
    assert not practice_done(assignment)
    response = api.post(reverse("coaching-assignment-complete", args=[assignment.pk]))
    assert response.status_code == 400
    assignment.refresh_from_db()
    assert assignment.completed_at is None


def test_the_module_page_lets_an_agent_practise_without_javascript(client, world, refusing):
    item = refusing.practice_items.first()
    client.force_login(world.agent_a)
    url = reverse("coaching:module_detail", args=[refusing.pk])
    page = client.get(url).content.decode()
    assert 'class="coaching-practice-form"' in page and reverse("coaching-module-practice", args=[refusing.pk]) in page
    response = client.post(url, {"item": item.pk, "reply": GOOD_REPLY})
    assert response.status_code == 200
    assert PracticeAttempt.objects.get().assignment is None
    assert "coaching-pass" in response.content.decode()


def test_an_unpublished_module_cannot_be_practised(api, world, refusing):
    Module.objects.filter(pk=refusing.pk).update(is_active=False)
    item = refusing.practice_items.first()
    api.force_authenticate(world.agent_a)
    response = api.post(
        reverse("coaching-module-practice", args=[refusing.pk]), _js_body(item.pk, GOOD_REPLY), format="json"
    )
    assert response.status_code == 404 and not PracticeAttempt.objects.exists()


FREE_PRACTICE_POST = {
    "anonymous": 401,
    "agent_a": 201,
    "agent_a2": 201,
    "agent_b": 201,
    "supervisor_a": 403,
    "supervisor_b": 403,
    "trainer_a": 403,
    "trainer_all": 403,
    "admin": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_only_agents_practise_freely(api, world, role, refusing):
    item = refusing.practice_items.first()
    response = client_for(api, world, role).post(
        reverse("coaching-module-practice", args=[refusing.pk]), _js_body(item.pk, GOOD_REPLY), format="json"
    )
    assert response.status_code == FREE_PRACTICE_POST[role]


def test_free_practice_is_private_to_the_agent_and_their_coaches(api, world, refusing):
    item = refusing.practice_items.first()
    api.force_authenticate(world.agent_a)
    attempt_id = api.post(
        reverse("coaching-module-practice", args=[refusing.pk]), _js_body(item.pk, GOOD_REPLY), format="json"
    ).json()["id"]
    for name, expected in (("agent_a", 200), ("agent_a2", 404), ("supervisor_a", 200), ("supervisor_b", 404)):
        assert client_for(api, world, name).get(f"/api/coaching/practice/{attempt_id}/").status_code == expected
