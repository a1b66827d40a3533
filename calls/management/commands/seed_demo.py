"""A believable demo: two teams, a supervisor, a trainer, six agents and a month of logged calls.

Run it as often as you like: it creates the demo once and afterwards only prints the logins.
"""

import random
from collections import Counter
from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import ChannelLayout, Role, Team, User
from calls.demo import demo_transcribe
from calls.models import Call, Campaign, Direction, Outcome
from qa.demo import qa_demo_seed

DEMO_PASSWORD = "motcoach-demo"

TEAMS = [
    {
        "name": "고객센터 1팀",
        "direction": Direction.INBOUND,
        "campaigns": {"배송 문의": "", "요금·결제 문의": "", "해지 방어": "안심케어플러스\n모바일 청구서"},
        "vocabulary": "쿠팡 로켓배송\n안심케어플러스",
    },
    {
        "name": "아웃바운드 영업팀",
        "direction": Direction.OUTBOUND,
        "campaigns": {
            "인터넷 요금 절감 안내": "기가 인터넷\nIPTV 결합",
            "카드 발급 권유": "더모아 카드",
            "보험 리모델링 안내": "",
        },
        "vocabulary": "기가 인터넷\n더모아 카드",
    },
]

PEOPLE = [
    # username, display name, role, team index (agents) or None
    ("admin", "관리자", Role.ADMIN, None),
    ("supervisor", "박서연 팀장", Role.SUPERVISOR, None),
    ("trainer", "이현우 강사", Role.TRAINER, None),
    ("agent.kim", "김민지", Role.AGENT, 0),
    ("agent.choi", "최준호", Role.AGENT, 0),
    ("agent.jung", "정다은", Role.AGENT, 0),
    ("agent.kang", "강도윤", Role.AGENT, 1),
    ("agent.yoon", "윤하은", Role.AGENT, 1),
    ("agent.jang", "장태민", Role.AGENT, 1),
]

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = [
    "영희",
    "철수",
    "지훈",
    "서윤",
    "민서",
    "하준",
    "수빈",
    "예준",
    "지아",
    "도현",
    "은지",
    "성민",
    "유진",
    "현우",
    "미경",
    "정호",
]
INBOUND_OUTCOMES = [
    (Outcome.RESOLVED, 55),
    (Outcome.CALLBACK, 12),
    (Outcome.TRANSFERRED, 15),
    (Outcome.COMPLAINT, 8),
    (Outcome.OTHER, 3),
]
OUTBOUND_OUTCOMES = [
    (Outcome.NO_ANSWER, 28),
    (Outcome.NOT_INTERESTED, 24),
    (Outcome.CALLBACK, 16),
    (Outcome.SALE, 12),
    (Outcome.VOICEMAIL, 8),
    (Outcome.RESOLVED, 6),
    (Outcome.WRONG_NUMBER, 3),
    (Outcome.COMPLAINT, 3),
]
NOTES = [
    "",
    "",
    "",
    "고객 요청으로 문자 안내 발송",
    "오후 재통화 희망",
    "상급자 연결 요청",
    "주소 변경 처리",
    "환불 절차 안내",
]


class Command(BaseCommand):
    help = "Create the demo teams, people and a month of calls (once), then print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--seed", type=int, default=20261122)

    def handle(self, *args, days: int, seed: int, **options):
        if User.objects.filter(username="supervisor").exists():
            self.stdout.write("Demo data already present.")
        else:
            with transaction.atomic():
                self._create(days=days, rng=random.Random(seed))
        self._print_logins()

    def _create(self, *, days: int, rng: random.Random) -> None:
        teams = []
        for spec in TEAMS:
            team = Team.objects.create(
                name=spec["name"], vocabulary=spec["vocabulary"], channel_layout=ChannelLayout.AGENT_LEFT
            )
            for name, vocabulary in spec["campaigns"].items():
                Campaign.objects.create(name=name, team=team, vocabulary=vocabulary)
            teams.append(team)
        users = {}
        for username, display_name, role, team_index in PEOPLE:
            user = User(
                username=username,
                display_name=display_name,
                role=role,
                team=teams[team_index] if team_index is not None else None,
                is_superuser=role == Role.ADMIN,
                daily_call_target=8 if team_index == 0 else 12,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            users[username] = user
        for team in teams:
            team.supervisors.add(users["supervisor"])
            team.trainers.add(users["trainer"])
        calls = []
        for user in users.values():
            if user.role == Role.AGENT:
                calls.extend(self._agent_calls(user, teams, days=days, rng=rng))
        Call.objects.bulk_create(calls)
        transcribed = self._demo_transcripts(rng)
        # A completed assignment with analysed calls before and after it: the coaching effect view.
        from coaching.demo import demo_coaching_effect

        demo_coaching_effect(seed=rng.randrange(2**32))
        qa_demo_seed()  # scorecard, evaluations, calibration, disputes (qa/demo.py)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(teams)} teams, {len(users)} people, {len(calls)} calls "
                f"({transcribed} with a scripted demo transcript)."
            )
        )

    def _demo_transcripts(self, rng: random.Random, per_agent: int = 7) -> int:
        # The rude scripts go mostly to a few agents, so the dashboards have someone to coach.
        polite_scripts, other_scripts = [0, 4, 6], [1, 2, 3, 5, 7]
        picks: list[tuple[Call, int]] = []
        for agent_index, agent in enumerate(User.objects.filter(role=Role.AGENT).order_by("id")):
            answered = list(
                Call.objects.filter(agent=agent).exclude(outcome__in=[Outcome.NO_ANSWER, Outcome.VOICEMAIL])
            )
            for call in rng.sample(answered, min(per_agent, len(answered))):
                polite = rng.random() < (0.8 if agent_index % 3 else 0.4)
                picks.append((call, rng.choice(polite_scripts) if polite else rng.choice(other_scripts)))
        # Every scripted situation (the customer abuse among them) is in the demo whatever day it
        # is made: the draws above depend on the calendar (weekend shifts, the hour of today's
        # calls), so chance alone could leave one out. A missing one takes the place of the
        # latest pick of the most used script.
        for script in polite_scripts + other_scripts:
            if picks and script not in {s for _, s in picks}:
                counts = Counter(s for _, s in picks)
                most_used = max(counts, key=lambda s: (counts[s], -s))
                last = max(i for i, (_, s) in enumerate(picks) if s == most_used)
                picks[last] = (picks[last][0], script)
        for call, script in picks:
            demo_transcribe(call, script, rng)
        return len(picks)

    def _agent_calls(self, agent: User, teams: list[Team], *, days: int, rng: random.Random) -> list[Call]:
        spec = TEAMS[teams.index(agent.team)]
        campaigns = list(agent.team.campaigns.all())
        outcomes = INBOUND_OUTCOMES if spec["direction"] == Direction.INBOUND else OUTBOUND_OUTCOMES
        now = timezone.localtime()
        calls = []
        for day_offset in range(days, -1, -1):
            day = (now - timedelta(days=day_offset)).date()
            # The centre opens at weekends too, with a thinner shift.
            count = rng.randint(0, 2) if day.weekday() >= 5 else rng.randint(1, 4)
            if day_offset == 0:
                count = max(count, 2)
            for _ in range(count):
                start = datetime.combine(day, time(9, 0), tzinfo=now.tzinfo) + timedelta(minutes=rng.randint(0, 8 * 60))
                if start > now:  # today's calls happened in the hours before the demo was made
                    start = now - timedelta(minutes=rng.randint(5, 240))
                outcome = rng.choices([o for o, _ in outcomes], [w for _, w in outcomes])[0]
                direction = (
                    spec["direction"]
                    if rng.random() < 0.85
                    else (Direction.OUTBOUND if spec["direction"] == Direction.INBOUND else Direction.INBOUND)
                )
                answered = outcome not in (Outcome.NO_ANSWER, Outcome.VOICEMAIL)
                calls.append(
                    Call(
                        agent=agent,
                        team=agent.team,
                        created_by=agent,
                        direction=direction,
                        customer_name=rng.choice(SURNAMES) + rng.choice(GIVEN) if answered else "",
                        customer_phone=f"010{rng.randint(10000000, 99999999)}",
                        campaign=rng.choice(campaigns),
                        started_at=start,
                        duration_seconds=rng.randint(90, 900) if answered else rng.randint(0, 40),
                        outcome=outcome,
                        notes=rng.choice(NOTES),
                    )
                )
        return calls

    def _print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for username, display_name, role, team_index in PEOPLE:
            team = f" · {TEAMS[team_index]['name']}" if team_index is not None else ""
            self.stdout.write(f"  {username:<12} {role.label:<12} {display_name}{team}")
