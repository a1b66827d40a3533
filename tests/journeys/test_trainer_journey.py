"""The trainer's loop in Korean, end to end in Chromium: edit a rule with the live test (a
pattern that does not compile is refused in Korean, the fixed one passes its examples and finds
the team's recent lines), save it as a new version, re-analyse the stored calls, and read the
coaching effect before and after; then quality evaluation: the scorecard, a calibration on the
flagged call with the team's supervisor (whose score comes through the services), blind until the
trainer has scored, then the spread per criterion. Fails on console errors and on HTTP errors the
journey did not ask for (the refused pattern's 400 is the one it asks for)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls import outbox
from calls.models import Flag, Rule
from qa.models import Calibration, Evaluation
from tests.browser import ARTIFACTS
from tests.journeys.conftest import HANGUL, heading, ko, messages, qa_evaluate, qa_scorecard

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

RULE = "dismissive-not-my-job"
EXPLANATION = "담당이 아니라고만 하고 연결이나 안내를 하지 않았습니다. (교육팀 수정)"


@pytest.fixture
def worker(monkeypatch):
    """The re-analysis a worker would run, run at once where the outbox sends it."""
    from calls.tasks import calls_reanalyse

    batches = []

    def send(payload):
        batches.append(payload["call_ids"])
        calls_reanalyse.apply(args=[payload["call_ids"]], throw=True)

    monkeypatch.setitem(outbox.SENDERS, "calls_reanalyse", send)
    return batches


def test_trainer_edits_a_rule_with_the_live_test_reanalyses_and_reads_the_effect(journey, journey_world, worker):
    rule = Rule.objects.get(code=RULE)
    call = journey_world.brush_off_call
    assert Flag.objects.filter(call=call, rule_code=RULE).exclude(explanation=EXPLANATION).exists()
    page, guard = journey.page("trainer_a")

    # The rulebook, then the rule that flags "그건 제 담당이 아닌데요".
    journey.go(page, "/rules/")
    assert heading(page) == ko("Rulebook")
    assert ko("Re-analyse stored calls") in page.locator("#reanalyse-title").inner_text()
    page.locator(f"a.rb-code[href='/rules/{rule.pk}/']").click()
    page.wait_for_load_state()
    assert RULE in heading(page) and ko("Active") in heading(page)
    page.get_by_role("link", name=ko("Edit"), exact=True).click()
    page.wait_for_load_state()
    assert heading(page) == ko("Edit %(code)s (v%(version)s)", code=RULE, version=1)
    assert ko("Live test") in page.locator("#live-test h2").inner_text()

    # Live test: a pattern that does not compile is refused (400) with a Korean reason beside it.
    pattern = page.locator("#id_pattern").input_value()
    with guard.allow(400, "/rules/test/"):
        page.fill("#id_pattern", pattern + " ( 담당/NNG")
        page.locator("#live-pattern-error").wait_for(state="visible")
    assert HANGUL.search(page.locator("#live-pattern-error").inner_text())
    # The fixed pattern, with one more example, behaves as declared and finds this team's lines.
    page.fill("#id_pattern", pattern)
    page.fill("#id_must_match", page.locator("#id_must_match").input_value() + "\n그건 저희 담당이 아니에요")
    page.fill("#id_explanation", EXPLANATION)
    status = page.locator("#live-test .rb-live-status")
    page.wait_for_function(
        "s => document.querySelector('#live-test .rb-live-status').textContent === s",
        arg=ko("Every example behaves as declared: the rule can be saved."),
    )
    assert page.locator("#live-pattern-error").is_hidden()
    assert "rb-ok" in status.get_attribute("class")
    assert page.locator(".rb-live-examples li.rb-bad").count() == 0
    assert page.locator(".rb-live-samples li", has_text="그건 제 담당이 아닌데요").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "journey-trainer-live-test.png"), full_page=True)
    page.get_by_role("button", name=ko("Save as a new version")).click()
    page.wait_for_load_state()
    assert ko("Rule %(code)s saved as version %(version)s.", code=RULE, version=2) in messages(page)
    rule.refresh_from_db()
    assert rule.version == 2 and rule.explanation == EXPLANATION

    # Re-analyse the last month's calls with the new version: the call shows the new explanation.
    journey.go(page, "/rules/")
    today = timezone.localdate()
    page.fill("#id_date_from", (today - timedelta(days=30)).isoformat())
    page.fill("#id_date_to", today.isoformat())
    page.get_by_role("button", name=ko("Re-analyse"), exact=True).click()
    page.wait_for_load_state()
    analysed = sum(len(batch) for batch in worker)
    assert analysed == 10  # every transcribed call of the team in the range
    assert f"{analysed}" in messages(page) and (today - timedelta(days=30)).isoformat() in messages(page)
    journey.go(page, f"/calls/{call.pk}/")
    assert EXPLANATION in page.locator("#flags").inner_text()

    # The effect: fewer brush-offs after "거절의 기술" than before, on the assignment and the dashboard.
    done = journey_world.done_assignment
    journey.go(page, "/coaching/trainer/")
    assert heading(page) == ko("Coaching dashboard")
    by_module = page.locator("section", has=page.locator("h2", has_text=ko("By module")))
    row = by_module.locator("tr", has_text=done.module.title)
    cells = row.locator("td").all_inner_texts()
    assert "n=4" in cells[4] and "n=" in cells[5] and cells[6].strip() not in ("", "—")
    journey.go(page, f"/coaching/assignments/{done.pk}/")
    effect = page.locator(
        "section.card", has=page.locator("h2", has_text=ko("Effect (%(days)s days before and after)", days=30))
    )
    before_line, after_line = effect.locator("p").nth(0).inner_text(), effect.locator("p").nth(1).inner_text()
    assert before_line.startswith(ko("Before")) and after_line.startswith(ko("After"))
    assert "n=4" in before_line and "n=6" in after_line
    before, after = (float(line.split(":", 1)[1].split()[0]) for line in (before_line, after_line))
    assert before > after
    assert ko("Flags of the module's categories per 100 calls.") in effect.inner_text()
    page.screenshot(path=str(ARTIFACTS / "journey-trainer-effect.png"), full_page=True)

    # QA: the scorecard, read from 평가 대기's tabs: its sections and the question that fails a call.
    world = journey_world.world
    scorecard = qa_scorecard(world)
    page.locator("nav").get_by_role("link", name=ko("Evaluate"), exact=True).click()
    page.wait_for_load_state()
    assert heading(page) == ko("Waiting for evaluation")
    page.locator(".page-head").get_by_role("link", name=ko("Scorecards"), exact=True).click()
    page.wait_for_load_state()
    assert heading(page) == ko("Scorecards")
    page.get_by_role("link", name=scorecard.name).click()
    page.wait_for_load_state()
    assert heading(page).startswith(scorecard.name)
    assert page.locator("section.card h2").all_inner_texts() == [s.title for s in scorecard.sections.all()]
    assert ko("fails the call") in page.locator("tr.criterion-fail").inner_text()

    # A calibration on the flagged call, started from the call page with the team's supervisor.
    journey.go(page, f"/calls/{call.pk}/")
    page.locator("#qa").get_by_role("link", name=ko("Calibrate on this call")).click()
    page.wait_for_load_state()
    assert heading(page) == ko("Calibration")
    assert page.locator("#id_call").input_value() == str(call.pk)
    page.fill("#id_title", "A팀 회피 응대 보정")
    page.select_option("#id_scorecard", str(scorecard.pk))
    for person in (world.trainer_a, world.supervisor_a):
        page.check(f"input[name=participants][value='{person.pk}']")
    page.get_by_role("button", name=ko("Start"), exact=True).click()
    page.wait_for_load_state()
    calibration = Calibration.objects.get(title="A팀 회피 응대 보정")
    assert page.url.endswith(f"/qa/calibrations/{calibration.pk}/") and heading(page) == calibration.title
    # The supervisor scores first; the trainer sees none of it before scoring too.
    identity, accuracy = "필요한 경우 본인 확인 절차를 지켰다", "안내 내용이 정확하고 이해하기 쉬웠다"
    qa_evaluate(world.supervisor_a, call, scorecard, calibration=calibration, accuracy="5", **{identity: "no"})
    page.reload()
    blind = ko("Blind until you submit: the others' scores appear here once yours is in.")
    assert blind in page.locator("main").inner_text() and page.locator("table.spread").count() == 0
    page.get_by_role("button", name=ko("Score this call")).click()
    page.wait_for_load_state()
    mine = Evaluation.objects.get(calibration=calibration, evaluator=world.trainer_a)
    assert (
        page.url.endswith(f"/qa/evaluations/{mine.pk}/") and calibration.title in page.locator("dl.facts").inner_text()
    )
    criteria = {c.text: c.pk for c in scorecard.criteria.all()}
    page.check(f"input[name=value_{criteria[identity]}][value=yes]")
    page.check(f"input[name=value_{criteria[accuracy]}][value='3']")
    page.get_by_role("button", name=ko("Submit"), exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/qa/calibrations/{calibration.pk}/") and ko("Evaluation submitted.") in messages(page)

    # The spread: both evaluators side by side, the questions they disagree on marked.
    spread = page.locator("section.card", has=page.locator("h2", has_text=ko("Spread per criterion")))
    head = spread.locator("thead").inner_text()
    assert str(world.supervisor_a) in head and str(world.trainer_a) in head
    disagree = spread.locator("tr.disagree")
    assert disagree.count() == 2
    row = spread.locator("tr", has_text=identity)
    assert "disagree" in row.get_attribute("class") and "50%" in row.inner_text()
    assert ko("Yes") in row.inner_text() and ko("No") in row.inner_text()
    cells = spread.locator("tr", has_text=accuracy).locator("td").all_inner_texts()
    assert ("5 / 5", "3 / 5") in {(cells[1], cells[2]), (cells[2], cells[1])}
    assert cells[3:5] == ["50", "100"]  # min and max on the 0–100 scale
    agreeing = spread.locator("tbody tr:not(.disagree):not(.total)").first.inner_text()
    assert "100%" in agreeing
    assert page.locator(".kpi", has_text=ko("Submitted")).locator(".big").inner_text() == "2"
    page.screenshot(path=str(ARTIFACTS / "journey-trainer-calibration.png"), full_page=True)
