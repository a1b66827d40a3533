"""Modules: the starter library, Markdown rendering, and who may write them."""

import pytest
from django.core.exceptions import PermissionDenied

from coaching.models import Module
from coaching.rendering import render_markdown
from coaching.services import module_save


def test_markdown_is_rendered_and_script_is_removed():
    html = render_markdown("## 제목\n\n**굵게** <script>alert('x')</script>\n\n[링크](javascript:alert(1))")
    assert "<h2>제목</h2>" in html and "<strong>굵게</strong>" in html
    assert "<script" not in html and "alert('x')" not in html
    assert "javascript:" not in html


def test_event_handler_attributes_are_stripped():
    html = render_markdown('<img src="x" onerror="alert(1)"> <a href="https://example.com" onclick="x()">ok</a>')
    assert "onerror" not in html and "onclick" not in html and "<img" not in html
    assert 'href="https://example.com"' in html


def test_the_starter_library_ships_six_korean_modules_with_practice(db):
    modules = {m.title: m for m in Module.objects.all()}
    assert {
        "존댓말 기본",
        "거절의 기술",
        "책임 전가 대신 책임 있는 표현",
        "빈정거림 없이 반복 안내하기",
        "MOT 첫 10초와 마무리",
        "폭언 고객 응대 절차",
    } <= set(modules)
    for module in modules.values():
        assert module.title_en and module.content and module.good_examples and module.bad_examples
        assert 2 <= module.practice_items.count() <= 4
    assert modules["거절의 기술"].categories == ["dismissive"]
    assert set(modules["MOT 첫 10초와 마무리"].checklist_items) == {"greeting", "closing"}
    assert "오해" in modules["책임 전가 대신 책임 있는 표현"].content


def test_module_save_replaces_practice_items_and_keeps_unchanged_ones(world):
    module = module_save(
        actor=world.trainer_a,
        changes={"title": "테스트", "categories": ["banmal"]},
        practice_items=[{"prompt": "알았어"}, {"prompt": "잠깐만"}],
    )
    kept = module.practice_items.get(prompt="잠깐만")
    module_save(
        actor=world.trainer_a, module=module, changes={}, practice_items=[{"prompt": "잠깐만"}, {"prompt": "뭐?"}]
    )
    assert [i.prompt for i in module.practice_items.all()] == ["잠깐만", "뭐?"]
    assert module.practice_items.get(prompt="잠깐만").pk == kept.pk


@pytest.mark.parametrize("role", ["agent_a", "supervisor_a"])
def test_only_trainers_and_admins_write_modules(world, role):
    with pytest.raises(PermissionDenied):
        module_save(actor=world.user(role), changes={"title": "x"})
