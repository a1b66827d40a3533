"""Seed a large synthetic dataset for measuring the dashboards (PostgreSQL, via COPY).

    DATABASE_URL=postgres://... manage.py seed_scale [--calls 100000] [--months 12]

Default: 100,000 calls over 12 months by 50 agents in 5 teams, ~30 segments per recorded call
(~3M segments, each with its search-index row), ~3 flags per call (~300k), an analysis per
recorded call. Sentences come from a small pool analysed once with Kiwi, so seeding does not run
Kiwi 3M times. Rows get explicit ids and go in with COPY; sequences are moved past them at the end.
Refuses to run twice (the scale teams exist) unless --force.
"""

from __future__ import annotations

import io
import json
import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Team, User
from calls.models import Call, CallAnalysis, Flag, Recording, Segment, Transcript, checklist_bits
from dashboards.models import SegmentIndex
from dashboards.services import text_terms

AGENT_LINES = [
    "안녕하세요 MOT카드 상담원 {name}입니다 무엇을 도와드릴까요",
    "네 고객님 카드 배송 문의 말씀이시죠",
    "불편을 드려 죄송합니다 바로 확인해 드리겠습니다",
    "주문하신 상품은 내일 발송될 예정입니다",
    "그건 제 담당이 아닌데요",
    "몇 번을 말씀드려야 돼요?",
    "잠시만 기다려 주시면 확인해 드릴게요",
    "요금제 변경은 다음 달부터 적용됩니다",
    "담당자는 지금 자리에 없습니다 다시 연락드리겠습니다",
    "고객님 본인 확인을 위해 생년월일 말씀 부탁드립니다",
    "그러니까 아까 말했잖아",
    "인터넷 요금 할인 혜택 안내해 드리겠습니다",
    "문자로 안내 발송해 드렸습니다",
    "감사합니다 좋은 하루 되세요",
    "그건 고객님이 잘못하신 거예요",
    "해지하시면 위약금이 발생합니다",
]
CUSTOMER_LINES = [
    "카드가 왜 아직도 안 왔어요",
    "네 맞아요",
    "요금이 이상하게 나왔어요",
    "벌써 두 번째 전화예요",
    "알겠습니다 감사합니다",
    "야 너 이름 뭐야",
    "해지하고 싶은데요",
    "언제쯤 받을 수 있나요",
    "네 그렇게 해 주세요",
    "담당자 바꿔 주세요",
]
FLAG_KINDS = [
    (
        "dismissive",
        "medium",
        "agent",
        "dismissive-not-my-job",
        "담당이 아닌데요",
        "대안을 주지 않았습니다.",
        "제가 담당 부서로 연결해 드리겠습니다.",
    ),
    (
        "sarcasm",
        "high",
        "agent",
        "sarcasm-how-many-times",
        "몇 번을 말씀드려야",
        "답답함을 고객에게 드러냈습니다.",
        "다시 한번 차근차근 안내해 드리겠습니다.",
    ),
    ("banmal", "high", "agent", "banmal-ending", "말했잖아", "반말로 끝났습니다.", "말씀드렸습니다."),
    (
        "blame",
        "medium",
        "agent",
        "blame-customer-fault",
        "잘못하신 거예요",
        "고객 탓을 했습니다.",
        "확인해 보니 이런 부분이 있었습니다.",
    ),
    ("profanity", "high", "agent", "profanity-basic", "젠장", "욕설입니다.", ""),
    ("abuse", "high", "customer", "abuse-threat", "야 너 이름 뭐야", "고객의 폭언입니다.", ""),
]
CHECK_ITEMS = ["greeting", "need_confirmed", "empathy", "next_step", "closing"]
OUTCOMES = ["resolved", "callback", "not_interested", "no_answer", "sale", "complaint", "transferred"]


def _tsv(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


class Copier:
    """Buffers rows for one model and writes them with COPY in big chunks."""

    def __init__(self, model, columns: list[str], chunk: int = 200_000):
        self.table = model._meta.db_table
        self.columns = columns
        self.buffer = io.StringIO()
        self.count = 0
        self.total = 0
        self.chunk = chunk

    def add(self, *values) -> None:
        self.buffer.write("\t".join(_tsv(v) for v in values))
        self.buffer.write("\n")
        self.count += 1
        if self.count >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.count:
            return
        cols = ", ".join(f'"{c}"' for c in self.columns)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
                copy.write(self.buffer.getvalue())
        self.total += self.count
        self.buffer = io.StringIO()
        self.count = 0


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return cursor.fetchone()[0] + 1


def _reset_sequence(model, pk: str = "id") -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), (SELECT COALESCE(MAX({pk}), 1) FROM {table}))"
        )


class Command(BaseCommand):
    help = "Seed a large synthetic dataset (PostgreSQL) to measure the dashboards."

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=100_000)
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--segments", type=int, default=33, help="segments per recorded call")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--force", action="store_true")
        parser.add_argument(
            "--evaluations-only",
            action="store_true",
            help="only add the QA evaluations and disputes to an already seeded database",
        )

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL (it loads with COPY). Set DATABASE_URL.")
        if Team.objects.filter(name__startswith="Scale ").exists() and not (opts["force"] or opts["evaluations_only"]):
            raise CommandError("The scale teams exist already; pass --force to add another batch.")
        started = time.monotonic()
        rng = random.Random(opts["seed"])
        if opts["evaluations_only"]:
            with transaction.atomic():
                counts = self._evaluations(rng)
            self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in counts.items())))
            return
        with transaction.atomic():
            agents, teams = self._people(rng)
        self.stdout.write(f"people: {len(agents)} agents in {len(teams)} teams")
        with transaction.atomic():
            counts = self._load(rng, agents, opts)
            counts.update(self._evaluations(rng))
        for model in (Call, Recording, Transcript, Segment, Flag, CallAnalysis):
            _reset_sequence(model)
        with connection.cursor() as cursor:
            for model in (Call, Recording, Segment, Flag, CallAnalysis, SegmentIndex):
                # VACUUM too: it marks the pages all-visible, as autovacuum would in production,
                # so the dashboards' index-only scans are measured as they run there.
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        self.stdout.write(
            self.style.SUCCESS(
                ", ".join(f"{k}: {v}" for k, v in counts.items()) + f" in {time.monotonic() - started:.0f} s"
            )
        )

    def _evaluations(self, rng) -> dict:
        """QA at the rate a floor runs it: about 4 % of analysed calls evaluated on one scorecard
        (3 % of those failed), and one evaluation in twenty disputed, so the dashboards' score
        figures are measured at scale too."""
        from qa.models import Dispute, DisputeStatus, Evaluation, EvaluationStatus, Scorecard

        teams = list(Team.objects.filter(name__startswith="Scale ").prefetch_related("supervisors"))
        evaluator = {t.pk: t.supervisors.first() for t in teams}
        scorecard = Scorecard.objects.create(name="규모 측정 평가표", created_by=next(iter(evaluator.values())))
        calls = list(
            Call.objects.filter(team__in=teams, analysis__isnull=False)
            .exclude(evaluations__isnull=False)
            .values_list("pk", "agent_id", "team_id", "started_at")
        )
        picked = [c for c in calls if rng.random() < 0.04]
        now = timezone.now()
        evaluations = Evaluation.objects.bulk_create(
            Evaluation(
                call_id=pk,
                scorecard=scorecard,
                evaluator=evaluator[team_id],
                agent_id=agent_id,
                team_id=team_id,
                call_started_at=started_at,
                status=EvaluationStatus.SUBMITTED,
                score=0.0 if (failed := rng.random() < 0.03) else round(rng.uniform(55, 100), 1),
                failed=failed,
                submitted_at=now,
            )
            for pk, agent_id, team_id, started_at in picked
        )
        statuses = list(DisputeStatus.values)
        disputes = Dispute.objects.bulk_create(
            Dispute(
                raised_by_id=e.agent_id,
                call_id=e.call_id,
                team_id=e.team_id,
                evaluation=e,
                reason="점수가 통화 내용과 맞지 않습니다.",
                status=rng.choice(statuses),
            )
            for e in evaluations
            if rng.random() < 0.05
        )
        with connection.cursor() as cursor:
            for model in (Evaluation, Dispute):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        return {"evaluations": len(evaluations), "disputes": len(disputes)}

    def _people(self, rng):
        batch = _next_id(Team)
        teams, agents = [], []
        password = User(username="x")
        password.set_password("scale-pass")
        for t in range(5):
            team = Team.objects.create(name=f"Scale 팀 {batch}-{t + 1}")
            supervisor = User.objects.create(
                username=f"scale_sup_{batch}_{t + 1}",
                role="supervisor",
                display_name=f"감독 {t + 1}",
                password=password.password,
            )
            team.supervisors.add(supervisor)
            teams.append(team)
            for a in range(10):
                agent = User.objects.create(
                    username=f"scale_agent_{batch}_{t + 1}_{a + 1}",
                    role="agent",
                    team=team,
                    display_name=f"상담원 {t + 1}-{a + 1}",
                    password=password.password,
                )
                # Each agent gets a rudeness level and a trend (some improve, some slip).
                agent.rude = rng.uniform(0.05, 0.39)
                agent.trend = rng.uniform(-0.6, 0.4)
                agents.append(agent)
        trainer = User.objects.create(
            username=f"scale_trainer_{batch}", role="trainer", display_name="트레이너", password=password.password
        )
        for team in teams:
            team.trainers.add(trainer)
        return agents, teams

    def _load(self, rng, agents, opts) -> dict:
        n_calls, per_call = opts["calls"], opts["segments"]
        now = timezone.now()
        span = timedelta(days=30 * opts["months"])
        agent_lines = [line.format(name="김민지") for line in AGENT_LINES]
        terms = dict(zip(agent_lines + CUSTOMER_LINES, text_terms(agent_lines + CUSTOMER_LINES), strict=True))
        flag_line = {kind[3]: kind for kind in FLAG_KINDS}
        line_flag = {
            "그건 제 담당이 아닌데요": "dismissive-not-my-job",
            "몇 번을 말씀드려야 돼요?": "sarcasm-how-many-times",
            "그러니까 아까 말했잖아": "banmal-ending",
            "그건 고객님이 잘못하신 거예요": "blame-customer-fault",
            "야 너 이름 뭐야": "abuse-threat",
        }
        polite = [line for line in agent_lines if line not in line_flag]
        rude = [line for line in agent_lines if line in line_flag]
        calm = [line for line in CUSTOMER_LINES if line not in line_flag]

        call_id, rec_id, tr_id = _next_id(Call), _next_id(Recording), _next_id(Transcript)
        seg_id, flag_id, an_id = _next_id(Segment), _next_id(Flag), _next_id(CallAnalysis)
        calls = Copier(
            Call,
            [
                "id",
                "agent_id",
                "team_id",
                "direction",
                "customer_name",
                "customer_phone",
                "purpose",
                "started_at",
                "duration_seconds",
                "outcome",
                "notes",
                "created_by_id",
                "created_at",
                "updated_at",
                "legal_hold",
            ],
        )
        recs = Copier(
            Recording,
            [
                "id",
                "call_id",
                "uploaded_by_id",
                "file",
                "storage_key",
                "storage_suffix",
                "original_filename",
                "sha256",
                "size_bytes",
                "format_name",
                "codec",
                "duration_seconds",
                "sample_rate",
                "channels",
                "channel_layout",
                "language",
                "status",
                "progress",
                "attempts",
                "failure_reason",
                "created_at",
                "status_changed_at",
                "finished_at",
                "sweeps",
            ],
        )
        trs = Copier(
            Transcript,
            ["id", "recording_id", "language", "model_name", "settings_used", "processing_seconds", "created_at"],
        )
        segs = Copier(
            Segment,
            ["id", "transcript_id", "call_id", "index", "speaker", "start", "end", "text", "text_unmasked", "words"],
        )
        idx = Copier(SegmentIndex, ["segment_id", "call_id", "agent_id", "team_id", "call_started_at", "terms"])
        flags = Copier(
            Flag,
            [
                "id",
                "call_id",
                "segment_id",
                "agent_id",
                "team_id",
                "call_started_at",
                "speaker",
                "category",
                "severity",
                "start",
                "end",
                "excerpt",
                "rule_code",
                "rule_version",
                "explanation",
                "suggestion",
                "review_status",
                "review_reason",
                "reviewed_at",
                "created_at",
            ],
        )
        analyses = Copier(
            CallAnalysis,
            [
                "id",
                "call_id",
                "checklist",
                "metrics",
                "flag_count",
                "agent_flag_count",
                "abuse_count",
                "rulebook_key",
                "analysed_at",
                "checklist_found",
                "checklist_due",
                "agent_id",
                "team_id",
                "call_started_at",
            ],
        )
        for i in range(n_calls):
            agent = agents[i % len(agents)]
            age = rng.random()
            started = now - span * age - timedelta(minutes=rng.randint(0, 600))
            rude_p = max(0.0, agent.rude * (1 + agent.trend * (0.5 - age) * 2))
            duration = rng.randint(60, 600)
            calls.add(
                call_id,
                agent.pk,
                agent.team_id,
                rng.choice(["inbound", "outbound"]),
                "홍길동",
                "01012345678",
                "",
                started.isoformat(),
                duration,
                rng.choice(OUTCOMES),
                "",
                agent.pk,
                started.isoformat(),
                started.isoformat(),
                False,
            )
            if rng.random() < 0.9:
                recs.add(
                    rec_id,
                    call_id,
                    agent.pk,
                    f"recordings/scale/{rec_id}.wav",
                    f"scale{rec_id:024d}",
                    ".wav",
                    "",
                    f"{rec_id:064x}",
                    1000,
                    "wav",
                    "pcm_s16le",
                    duration,
                    16000,
                    2,
                    "agent_left",
                    "ko",
                    "done",
                    100,
                    1,
                    "",
                    started.isoformat(),
                    started.isoformat(),
                    started.isoformat(),
                    0,
                )
                trs.add(tr_id, rec_id, "ko", "seed", "{}", 1.0, started.isoformat())
                t = 0.0
                n_flags = n_abuse = 0
                for s in range(per_call):
                    speaker = "agent" if s % 2 == 0 else "customer"
                    if speaker == "agent":
                        text = rng.choice(rude) if rng.random() < rude_p else rng.choice(polite)
                    else:
                        text = "야 너 이름 뭐야" if rng.random() < 0.004 else rng.choice(calm)
                    if s == 0:
                        text = agent_lines[0]
                    end = t + rng.uniform(1.5, 6.0)
                    segs.add(seg_id, tr_id, call_id, s, speaker, round(t, 2), round(end, 2), text, "", "[]")
                    idx.add(seg_id, call_id, agent.pk, agent.team_id, started.isoformat(), terms[text])
                    code = line_flag.get(text)
                    if code:
                        cat, sev, spk, code, excerpt, explanation, suggestion = flag_line[code]
                        pos = max(text.find(excerpt), 0)
                        review = "unreviewed"
                        if rng.random() < 0.15:
                            review = "confirmed" if rng.random() < 0.8 else "dismissed"
                        flags.add(
                            flag_id,
                            call_id,
                            seg_id,
                            agent.pk,
                            agent.team_id,
                            started.isoformat(),
                            speaker,
                            cat,
                            sev,
                            pos,
                            pos + len(excerpt),
                            excerpt,
                            code,
                            1,
                            explanation,
                            suggestion,
                            review,
                            "오탐" if review == "dismissed" else "",
                            None if review == "unreviewed" else (started + timedelta(days=1)).isoformat(),
                            started.isoformat(),
                        )
                        flag_id += 1
                        n_flags += 1
                        n_abuse += cat == "abuse"
                    seg_id += 1
                    t = end + rng.uniform(0.1, 1.0)
                checklist = [
                    {
                        "item": item,
                        "status": "found" if rng.random() < 0.75 else "missing",
                        "segment_index": 0,
                        "at": 0.0,
                        "evidence": agent_lines[0],
                    }
                    for item in CHECK_ITEMS
                ]
                metrics = {
                    "talk_listen_ratio": round(rng.uniform(0.6, 2.0), 2),
                    "agent_talk_share": round(rng.uniform(0.4, 0.7), 2),
                    "dead_air": [],
                    "dead_air_total_seconds": round(rng.uniform(0, 20), 1),
                    "overtalk": {"seconds": round(rng.uniform(0, 8), 1), "count": rng.randint(0, 5), "spans": []},
                    "longest_agent_monologue_seconds": round(rng.uniform(5, 60), 1),
                }
                analyses.add(
                    an_id,
                    call_id,
                    json.dumps(checklist, ensure_ascii=False),
                    json.dumps(metrics),
                    n_flags,
                    n_flags - n_abuse,
                    n_abuse,
                    "seed",
                    started.isoformat(),
                    *checklist_bits(checklist),
                    agent.pk,
                    agent.team_id,
                    started.isoformat(),
                )
                an_id += 1
                rec_id += 1
                tr_id += 1
            call_id += 1
            if i and i % 20000 == 0:
                self.stdout.write(f"  {i} calls…")
        # Parents before children (foreign keys are checked per row).
        for copier in (calls, recs, trs, segs, idx, flags, analyses):
            copier.flush()
        return {
            "calls": calls.total,
            "recordings": recs.total,
            "segments": segs.total,
            "flags": flags.total,
            "analyses": analyses.total,
        }
