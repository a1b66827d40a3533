"""Shared pieces of the per-role journey tests (issue 11): a small analysed world, a Korean
browser page that is already logged in, and a guard that fails the test on console errors and on
HTTP errors the journey did not ask for.

The world is seeded with the real services: calls transcribed by the demo's scripts
(`calls.demo.demo_transcribe`, which runs the real tone analysis and the abuse notification)
and a completed coaching assignment with calls before and after it, as `coaching/demo.py` does.
"""

from __future__ import annotations

import random
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation

from tests.browser import chromium

HANGUL = re.compile(r"[가-힣]")
VIEWPORT = {"width": 1366, "height": 768}

# calls.demo.SCRIPTS
GOOD, BRUSH_OFF, BLAME, ABUSE, POLITE_OUTBOUND, EMPATHY = 0, 1, 2, 3, 4, 6


def ko(msgid: str, **values) -> str:
    """The Korean the page must show for `msgid` (and proof that there is a Korean translation)."""
    with translation.override("ko"):
        text = translation.gettext(msgid)
    assert HANGUL.search(text), f"no Korean translation for {msgid!r}"
    return text % values if values else text


@dataclass
class Guard:
    """Records console errors, page errors and responses ≥ 400 on one page.

    `allow(status, url_part)` lets a step that is meant to be refused produce that one answer
    (and Chromium's "Failed to load resource" console line for it); `check()` fails the test on
    anything else. Allowed answers must actually happen: a refusal that never came is a failure too.
    """

    problems: list[str] = field(default_factory=list)
    allowed: list[tuple[int, str]] = field(default_factory=list)
    seen_allowed: list[tuple[int, str]] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        if any(f"status of {status}" in text for status, _ in self.allowed):
            return  # Chromium's own line for an allowed refusal (it does not name the URL)
        self.problems.append(f"console error: {text} ({message.location.get('url', '')})")

    def _response(self, response) -> None:
        if response.status < 400:
            return
        for status, part in self.allowed:
            if response.status == status and part in response.url:
                self.seen_allowed.append((status, part))
                return
        self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    @contextmanager
    def allow(self, status: int, url_part: str):
        entry = (status, url_part)
        self.allowed.append(entry)
        try:
            yield
        finally:
            self.allowed.remove(entry)
        assert entry in self.seen_allowed, f"expected HTTP {status} from {url_part}, none came"

    def check(self) -> None:
        assert not self.problems, "the journey produced errors:\n" + "\n".join(self.problems)


class Journey:
    """One browser (Debian chromium) and the live server; `page(username)` opens a Korean page logged in."""

    def __init__(self, browser, base: str):
        self.browser = browser
        self.base = base
        self.guards: list[Guard] = []

    def page(self, username: str, password: str = "pw-for-tests"):
        context = self.browser.new_context(viewport=VIEWPORT, locale="ko-KR", accept_downloads=True)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ko", "url": self.base}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        guard = Guard()
        guard.attach(page)
        self.guards.append(guard)
        page.goto(self.base + "/login/")
        assert page.locator("h1").first.inner_text().strip() == ko("Log in to MOT Coach")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("form [type=submit]")
        page.wait_for_load_state()
        assert "/login/" not in page.url, f"{username} could not log in"
        return page, guard

    def go(self, page, path: str):
        response = page.goto(self.base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        return response


def heading(page) -> str:
    return page.locator("main h1, h1").first.inner_text()


def messages(page) -> str:
    box = page.locator("ul.messages")
    return box.inner_text() if box.count() else ""


@pytest.fixture
def journey(live_server):
    with chromium() as browser:
        run = Journey(browser, live_server.url)
        yield run
        for guard in run.guards:
            guard.check()


@dataclass
class JourneyWorld:
    world: object
    brush_off_call: object  # today, analysed, flagged "dismissive"
    abuse_call: object  # today, customer abuse: the supervisors were notified
    open_assignment: object  # the agent still has to practise
    done_assignment: object  # completed, with calls before and after


@pytest.fixture
def journey_world(world, monkeypatch):
    """Team A of `world` with analysed calls of agent_a: brushed-off customers before a completed
    "거절의 기술" assignment and polite calls after it, a flagged call and an abuse call today, and
    an open assignment to practise. No worker runs: the recording pipeline is not enqueued."""
    from calls import recordings
    from calls.demo import demo_transcribe
    from calls.models import Flag
    from coaching.models import Assignment, Module
    from coaching.services import practice_submit
    from dashboards.services import call_index
    from tests.factories import CallFactory

    monkeypatch.setattr(recordings, "pipeline_enqueue", lambda recording_id: None)
    rng = random.Random(11)
    agent, now = world.agent_a, timezone.now()

    def transcribed(script: int, started_at) -> object:
        call = CallFactory(agent=agent, started_at=started_at, customer_name="이영희")
        demo_transcribe(call, script, rng)
        call_index(call.pk)
        return call

    assigned_at = now - timedelta(days=18, hours=3)
    completed_at = now - timedelta(days=15, hours=5)
    for days in (25, 23, 21, 19):
        transcribed(BRUSH_OFF, now - timedelta(days=days, hours=2))
    for days, script in ((12, GOOD), (9, POLITE_OUTBOUND), (6, EMPATHY), (3, GOOD)):
        transcribed(script, now - timedelta(days=days, hours=2))
    brush_off = transcribed(BRUSH_OFF, now - timedelta(hours=3))
    abuse = transcribed(ABUSE, now - timedelta(hours=2))

    refusing = Module.objects.get(title="거절의 기술")
    done = Assignment.objects.create(
        module=refusing,
        agent=agent,
        assigned_by=world.trainer_a,
        assigned_at=assigned_at,
        due_date=timezone.localdate(assigned_at) + timedelta(days=7),
        note="응대 거절 표현이 반복되어 배정합니다.",
    )
    done.flags.set(Flag.objects.filter(agent=agent, category="dismissive", call_started_at__lt=assigned_at)[:3])
    for item in refusing.practice_items.all():
        practice_submit(actor=agent, assignment=done, item=item, reply=item.model_answer)
    done.completed_at = completed_at
    done.save(update_fields=["completed_at"])

    blame = Module.objects.get(title="책임 전가 대신 책임 있는 표현")
    open_assignment = Assignment.objects.create(
        module=blame,
        agent=agent,
        assigned_by=world.trainer_a,
        due_date=timezone.localdate() + timedelta(days=7),
        note="책임 있는 표현을 연습해 보세요.",
    )
    return JourneyWorld(world, brush_off, abuse, open_assignment, done)


def qa_scorecard(world):
    """The demo's default Korean scorecard (qa.demo.SECTIONS), defined by the team's trainer."""
    from qa.demo import DEFAULT_SCORECARD, SECTIONS
    from qa.services import scorecard_create

    return scorecard_create(actor=world.trainer_a, name=DEFAULT_SCORECARD, sections=SECTIONS)


def qa_evaluate(evaluator, call, scorecard, *, calibration=None, accuracy: str = "4", comment: str = "", **answers):
    """A submitted evaluation through the services: the analysis' answers kept, the rest "yes" (the
    1–5 question `accuracy`), `answers` ({criterion text: value}) overriding either."""
    from qa.services import evaluation_save, evaluation_start, evaluation_submit

    evaluation = evaluation_start(actor=evaluator, call=call, scorecard=scorecard, calibration=calibration)
    values = {}
    for answer in evaluation.answers.select_related("criterion"):
        criterion = answer.criterion
        value = answers.get(criterion.text) or answer.value
        values[criterion.pk] = {"value": value or (accuracy if criterion.answer_type == "scale" else "yes")}
    evaluation_save(actor=evaluator, evaluation=evaluation, answers=values, comment=comment)
    return evaluation_submit(actor=evaluator, evaluation=evaluation)
