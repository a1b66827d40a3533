"""Latency and query counts of the dashboards at scale, each beside its target.

Reproduce (PostgreSQL; a database of its own, seeding takes ~5 minutes and ~2 GB):

    createdb mot_coach_bench
    export DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/mot_coach_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_scale --calls 100000 --months 12 --segments 33 --seed 7
    .venv/bin/python bench/dashboard.py --runs 30

seed_scale's defaults are those arguments: 100,000 calls over 12 months by 50 agents in 5 teams
(~90% recorded and analysed, ~33 segments and ~3 flags per recorded call, 15% of flags reviewed,
~4% of analysed calls evaluated on a QA scorecard and 5% of those disputed; on a database seeded
before QA existed, `seed_scale --evaluations-only` adds just those).
The supervisor leads one team (~5,000 calls in the 90 days shown); the trainer coaches all five.

Measures, with Django's test client against the seeded database, p50/p95 latency and the number
of SQL queries of: the supervisor dashboard (90 days, every figure the page shows: totals,
categories, weekly trend, agent table with checklist coverage, rankings, review queue, abuse,
and the QA figures: average evaluation score per week and per agent, disputes by outcome), the same for a trainer of all five teams, the agent page, the call list, a
call page and transcript searches. Targets: supervisor dashboard p95 <= 150 ms, every other page
p95 <= 300 ms. The machine's load average is printed: on a shared box timings are noisy, so use
enough runs (30) and compare figures taken under similar load. Always exits 0: it reports.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mot_coach.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from calls.models import Flag  # noqa: E402

# p95 targets in ms (issue 11): the supervisor dashboard has its own, every other page 300.
TARGETS = {"supervisor dashboard (90 d)": 150}
DEFAULT_TARGET = 300


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int, int]:
    client.get(url)  # warm up: templates, Kiwi, connection
    times = []
    queries = 0
    status = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - started) * 1000)
        queries, status = len(ctx), response.status_code
    return statistics.median(times), percentile(times, 0.95), queries, status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; figures mean little", file=sys.stderr)
    supervisor = User.objects.filter(username__startswith="scale_sup_").order_by("id").first()
    trainer = User.objects.filter(username__startswith="scale_trainer_").order_by("id").first()
    agent = User.objects.filter(username__startswith="scale_agent_").order_by("id").first()
    if supervisor is None or trainer is None or agent is None:
        sys.exit("no scale users: run `manage.py seed_scale` first")
    team = supervisor.led_teams.first()
    flag = Flag.objects.filter(team=team).order_by("-call_started_at").first()
    with connection.cursor() as cursor:
        counts = []
        for table in ("calls_call", "calls_segment", "calls_flag", "dashboards_segmentindex"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts.append(f"{table}={cursor.fetchone()[0]}")
    print(" ".join(counts))

    sup = Client()
    sup.force_login(supervisor)
    tr = Client()
    tr.force_login(trainer)
    ag = Client()
    ag.force_login(agent)
    pages = [
        ("supervisor dashboard (90 d)", sup, "/dashboards/"),
        ("trainer dashboard, 5 teams (90 d)", tr, "/dashboards/"),
        ("agent page", ag, "/dashboards/me/"),
        ("call list", sup, "/calls/"),
        ("call page", sup, f"/calls/{flag.call_id}/"),
        ("search '담당'", sup, "/dashboards/search/?q=%EB%8B%B4%EB%8B%B9"),
        ("search '담당' + category", sup, "/dashboards/search/?q=%EB%8B%B4%EB%8B%B9&category=dismissive"),
        ("search flags by category", sup, "/dashboards/search/?category=abuse"),
    ]
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.runs} runs per page; load average {load} on {os.cpu_count()} cores")
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'target':>8} {'queries':>8} status")
    for name, client, url in pages:
        p50, p95, queries, status = measure(client, url, args.runs)
        target = TARGETS.get(name, DEFAULT_TARGET)
        verdict = "ok" if p95 <= target else "OVER TARGET"
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {'<= ' + str(target):>8} {queries:8d} {status} {verdict}")


if __name__ == "__main__":
    main()
