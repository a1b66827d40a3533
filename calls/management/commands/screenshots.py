"""Screenshots of the main pages, per role, in Korean and English, as a user's browser shows them.

    bin/screenshots                 # a throwaway demo database, a server, then this command
    manage.py screenshots --base-url http://127.0.0.1:8000 [--out var/screenshots] [--lang ko]

Logs in as each demo user (password `motcoach-demo`), opens each page at 1366×768 in Debian's
headless Chromium and writes `<out>/<lang>/<role>-<page>.png` (the first screen, as a user
sees it without scrolling) and `…-full.png` (the whole page). Object pages (a flagged call, a
module, an assignment) are picked from the database the server uses, so run it against the same
DATABASE_URL. Prints each page's HTTP status and any console error or failed request, and exits
1 if a page answered an error or logged one: a screenshot run doubles as a smoke test.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import NoReverseMatch, reverse

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "motcoach-demo"
VIEWPORT = {"width": 1366, "height": 768}


def _pages_for(role: str) -> list[tuple[str, str]]:
    """(name, path) of the pages a user of `role` works with, most important first."""
    from django.db.models import Count

    from calls.models import Call, Flag, Rule
    from coaching.models import Assignment, Module
    from qa.models import Calibration, Dispute, Evaluation, EvaluationStatus, Scorecard

    flagged = Flag.objects.order_by("-severity", "call_id").values_list("call_id", flat=True).first()
    call = flagged or Call.objects.order_by("-started_at").values_list("pk", flat=True).first()
    pages: list[tuple[str, str]] = []
    # Submitted evaluations outside calibrations: the ones an agent and any evaluator may open.
    evaluations = (
        Evaluation.objects.filter(status=EvaluationStatus.SUBMITTED, calibration=None)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def add(name: str, urlname: str, *args) -> None:
        try:
            pages.append((name, reverse(urlname, args=args)))
        except NoReverseMatch:
            pass  # a page this build does not have

    add("home", "calls:home")
    if role == "agent":
        add("quick-log", "calls:quick_log")
        add("upload", "calls:upload")
        add("my-calls", "dashboards:agent")
        own = Call.objects.filter(agent__username="agent.kim", flags__isnull=False).values_list("pk", flat=True)
        if own.first():
            add("call", "calls:detail", own.first())
        add("coaching", "coaching:inbox")
        add("notifications", "calls:notifications")
        add("qa-evaluations", "qa:evaluations")
        evaluation = evaluations.filter(agent__username="agent.kim").first()
        if evaluation:
            add("qa-evaluation", "qa:evaluation", evaluation)
        add("qa-disputes", "qa:disputes")
    else:
        add("dashboard", "dashboards:team")
        add("review-queue", "dashboards:review_queue")
        add("notifications", "calls:notifications")
        add("calls", "calls:list")
        if call:
            add("call", "calls:detail", call)
        add("search", "dashboards:search")
        add("rules", "dashboards:rules")
        add("rulebook", "rulebook:list")
        # The rule that flags most, so its page shows hits, precision and versions.
        busiest = Flag.objects.values("rule_code").annotate(n=Count("id")).order_by("-n", "rule_code").first()
        rules = Rule.objects.order_by("pk").values_list("pk", flat=True)
        rule = (busiest and rules.filter(code=busiest["rule_code"]).first()) or rules.first()
        if rule:
            add("rule", "rulebook:detail", rule)
            if role in ("trainer", "admin"):
                add("rule-edit", "rulebook:edit", rule)
        add("coaching-dashboard", "coaching:trainer_dashboard")
        add("modules", "coaching:module_list")
        module = Module.objects.order_by("pk").values_list("pk", flat=True).first()
        if module:
            add("module", "coaching:module_detail", module)
        assignment = Assignment.objects.order_by("pk").values_list("pk", flat=True).first()
        if assignment:
            add("assignment", "coaching:assignment_detail", assignment)
        # QA: the queue (평가 대기), a submitted evaluation, the open disputes, the demo calibration.
        add("qa-queue", "qa:queue")
        evaluation = evaluations.first()
        if evaluation:
            add("qa-evaluation", "qa:evaluation", evaluation)
        add("qa-disputes", "qa:disputes")
        dispute = Dispute.objects.order_by("pk").values_list("pk", flat=True).first()
        if dispute:
            add("qa-dispute", "qa:dispute", dispute)
        add("qa-calibrations", "qa:calibrations")
        calibration = Calibration.objects.order_by("pk").values_list("pk", flat=True).first()
        if calibration:
            add("qa-calibration", "qa:calibration", calibration)
        add("qa-scorecards", "qa:scorecards")
        scorecard = Scorecard.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True).first()
        if scorecard:
            add("qa-scorecard", "qa:scorecard", scorecard)
        add("qa-sampling", "qa:sampling")
    return pages


class Command(BaseCommand):
    help = "Screenshots of the main pages per role in Korean and English (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "var" / "screenshots"))
        parser.add_argument("--lang", action="append", choices=["ko", "en"], help="default: both")
        parser.add_argument(
            "--user",
            action="append",
            help="demo users to log in as (default: agent.kim, supervisor, trainer)",
        )

    def handle(self, *args, **options):
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as e:  # a dev dependency
            raise CommandError("playwright is not installed: run bin/setup") from e
        if not Path(CHROMIUM).exists():
            raise CommandError(f"{CHROMIUM} not found: apt-get install chromium")
        from accounts.models import User

        base = options["base_url"].rstrip("/")
        out = Path(options["out"])
        langs = options["lang"] or ["ko", "en"]
        usernames = options["user"] or ["agent.kim", "supervisor", "trainer"]
        # Everything the database says is read first: playwright's sync API runs an event loop,
        # inside which Django refuses to query.
        plan = []
        for username in usernames:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no user {username!r}: load the demo (manage.py seed_demo)")
            plan.append((username, user.role, _pages_for(user.role)))
        urls = {"login": reverse("login")}
        problems: list[str] = []
        written = 0
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for username, role, pages in plan:
                for lang in langs:
                    context = browser.new_context(viewport=VIEWPORT, locale="ko-KR" if lang == "ko" else "en-US")
                    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}])
                    page = context.new_page()
                    seen: list[str] = []
                    page.on("console", lambda m, seen=seen: m.type == "error" and seen.append(f"console: {m.text}"))
                    page.on(
                        "response",
                        lambda r, seen=seen: r.status >= 400 and seen.append(f"HTTP {r.status} {r.url}"),
                    )
                    page.goto(f"{base}{urls['login']}")
                    page.fill("input[name=username]", username)
                    page.fill("input[name=password]", DEMO_PASSWORD)
                    page.click("button[type=submit], input[type=submit]")
                    page.wait_for_load_state("networkidle")
                    folder = out / lang
                    folder.mkdir(parents=True, exist_ok=True)
                    for name, path in pages:
                        seen.clear()
                        response = page.goto(f"{base}{path}", wait_until="networkidle")
                        status = response.status if response else 0
                        stem = folder / f"{role}-{name}"
                        page.screenshot(path=f"{stem}.png")
                        page.screenshot(path=f"{stem}-full.png", full_page=True)
                        written += 2
                        line = f"{lang} {username:<12} {status} {path}"
                        if status >= 400 or seen:
                            problems.append(line + "".join(f"\n    {s}" for s in seen))
                        self.stdout.write(line + ("" if not seen else f"  ({len(seen)} problem(s))"))
                    context.close()
            browser.close()
        self.stdout.write(f"{written} screenshots in {out}")
        if problems:
            self.stderr.write("Pages with errors:\n" + "\n".join(problems))
            raise SystemExit(1)
