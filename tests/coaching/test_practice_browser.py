"""In Chromium: checking a practice reply happens without a reload (the page keeps its scroll
position) and the verdict names the category in Korean. Regression: the script posted item: null,
got a 400 and fell back to a full reload that jumped to the top."""

import pytest

from coaching.models import PracticeAttempt
from tests.browser import ARTIFACTS, chromium, login

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_practice_check_posts_without_a_reload_and_shows_korean_labels(live_server, world):
    from coaching.models import Module

    module = Module.objects.get(title="거절의 기술")
    item = module.practice_items.order_by("order", "id").last()
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="ko-KR")
        login(page, live_server.url, "agent_a")
        page.goto(f"{live_server.url}/coaching/modules/{module.pk}/")
        posts = []
        page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
        page.evaluate("window.__sameDocument = true")
        page.fill(f"#reply-{item.pk}", "그건 제 담당이 아닌데요")
        page.locator(f"#practice-{item.pk}").scroll_into_view_if_needed()
        scrolled = page.evaluate("window.scrollY")
        page.locator(f"#practice-{item.pk} button").click()
        page.wait_for_selector(f"#practice-{item.pk} .coaching-result .coaching-fail")
        assert page.evaluate("window.__sameDocument") is True  # no reload happened
        assert page.evaluate("window.scrollY") == scrolled
        [post] = posts
        assert "/api/coaching/modules/" in post.url and post.post_data_json["item"] == item.pk
        result = page.locator(f"#practice-{item.pk} .coaching-result").inner_text()
        assert "무성의한 응대" in result and "dismissive" not in result
        page.screenshot(path=str(ARTIFACTS / "coaching-free-practice.png"))
    attempt = PracticeAttempt.objects.get()
    assert attempt.assignment is None and not attempt.passed
