"""QA demo data: the default Korean scorecard, sampling rules and a filled queue, submitted
evaluations, a calibration with spread, and an open dispute with a thread.

Called once from `manage.py seed_demo` after the demo calls are analysed. Deterministic: calls
are picked in id order and every answer follows from the call's own analysis.
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Role, Team, User
from calls.models import Call, Flag
from calls.selectors import AGENT_FLAGS

from . import services
from .models import AutoSource, Evaluation, SamplingRule, Scorecard

DEFAULT_SCORECARD = "기본 통화 품질 평가표"

SECTIONS = [
    {
        "title": "인사",
        "criteria": [
            {
                "text": "회사명과 상담원 이름으로 인사했다",
                "weight": 2,
                "auto_source": AutoSource.CHECKLIST,
                "auto_key": "greeting",
            },
        ],
    },
    {
        "title": "본인확인",
        "criteria": [
            {"text": "필요한 경우 본인 확인 절차를 지켰다", "weight": 2, "guidance": "개인정보 변경·결제 문의일 때"},
            {
                "text": "고객의 요청을 되물어 확인했다",
                "weight": 1,
                "auto_source": AutoSource.CHECKLIST,
                "auto_key": "need_confirmed",
            },
        ],
    },
    {
        "title": "공감",
        "criteria": [
            {
                "text": "불만에 공감하거나 사과했다",
                "weight": 2,
                "auto_source": AutoSource.CHECKLIST,
                "auto_key": "empathy",
            },
            {
                "text": "무시하거나 회피하는 응대가 없었다",
                "weight": 2,
                "allow_na": False,
                "auto_source": AutoSource.NO_FLAG,
                "auto_key": "dismissive",
            },
        ],
    },
    {
        "title": "정확한 안내",
        "criteria": [
            {"text": "안내 내용이 정확하고 이해하기 쉬웠다", "weight": 3, "answer_type": "scale", "allow_na": False},
        ],
    },
    {
        "title": "대안 제시",
        "criteria": [
            {
                "text": "다음 단계나 대안을 분명히 제시했다",
                "weight": 2,
                "auto_source": AutoSource.CHECKLIST,
                "auto_key": "next_step",
            },
        ],
    },
    {
        "title": "마무리",
        "criteria": [
            {
                "text": "정중하게 마무리했다",
                "weight": 1,
                "auto_source": AutoSource.CHECKLIST,
                "auto_key": "closing",
            },
        ],
    },
    {
        "title": "필수 항목",
        "criteria": [
            {
                "text": "고객 비하·욕설이 없었다",
                "weight": 0,
                "is_fail": True,
                "allow_na": False,
                "auto_source": AutoSource.NO_FLAG,
                "auto_key": "profanity",
                "guidance": "“아니오”이면 통화 전체가 0점입니다.",
            },
        ],
    },
]


def _fill(evaluation: Evaluation, *, evaluator: User, accuracy: str, comment: str, **overrides: str) -> None:
    """Answer what the analysis left open, then submit."""
    answers = {}
    for answer in evaluation.answers.select_related("criterion"):
        value = overrides.get(answer.criterion.text, answer.value)
        if not value:
            value = accuracy if answer.criterion.answer_type == "scale" else "yes"
        answers[answer.criterion_id] = {"value": value}
    services.evaluation_save(actor=evaluator, evaluation=evaluation, answers=answers, comment=comment)
    services.evaluation_submit(actor=evaluator, evaluation=evaluation)


def qa_demo_seed() -> None:
    supervisor = User.objects.get(username="supervisor")
    trainer = User.objects.get(username="trainer")
    admin = User.objects.get(username="admin")
    scorecard = services.scorecard_create(
        actor=trainer,
        name=DEFAULT_SCORECARD,
        description="MOT 체크리스트와 말투 분석으로 일부 항목이 자동으로 채워집니다. 평가자가 고칠 수 있습니다.",
        sections=SECTIONS,
    )
    inbound, outbound = Team.objects.order_by("id")[:2]
    SamplingRule.objects.create(
        team=inbound, kind=SamplingRule.Kind.RANDOM_PER_AGENT, count=2, scorecard=scorecard, evaluator=supervisor
    )
    SamplingRule.objects.create(team=outbound, kind=SamplingRule.Kind.HIGH_SEVERITY, scorecard=scorecard)
    SamplingRule.objects.create(
        team=outbound, kind=SamplingRule.Kind.RANDOM_PER_AGENT, count=1, scorecard=scorecard, evaluator=trainer
    )

    # Evaluations: the older analysed calls of every agent, so the newest stay for the queue.
    flagged = set(Flag.objects.filter(AGENT_FLAGS).values_list("call_id", flat=True))
    evaluations = []
    for index, agent in enumerate(User.objects.filter(role=Role.AGENT).order_by("id")):
        calls = list(Call.objects.filter(agent=agent, analysis__isnull=False).order_by("started_at", "id")[:4])
        for n, call in enumerate(calls[:3]):
            evaluator = supervisor if (index + n) % 2 == 0 else trainer
            evaluation = services.evaluation_start(actor=evaluator, call=call, scorecard=scorecard)
            rude = call.pk in flagged
            _fill(
                evaluation,
                evaluator=evaluator,
                accuracy="2" if rude else ("5" if (call.pk + n) % 3 else "4"),
                comment=(
                    "말투 때문에 안내 내용이 잘 전달되지 않았습니다. 코칭 모듈을 함께 보면 좋겠습니다."
                    if rude
                    else "차분하고 정확한 응대였습니다. 마무리 인사까지 좋았습니다."
                ),
            )
            evaluations.append(evaluation)
    for evaluation in evaluations[::3]:
        services.acknowledgement_create(actor=evaluation.agent, evaluation=evaluation)

    # A calibration: three evaluators on one call of the inbound team, each a little apart.
    call = Call.objects.filter(team=inbound, analysis__isnull=False).order_by("-started_at", "-id").first()
    calibration = services.calibration_create(
        actor=supervisor,
        call=call,
        scorecard=scorecard,
        participants=[supervisor, trainer, admin],
        title="1팀 11월 보정 세션",
    )
    spread = [
        (supervisor, "4", {"필요한 경우 본인 확인 절차를 지켰다": "yes"}),
        (trainer, "3", {"필요한 경우 본인 확인 절차를 지켰다": "na", "고객의 요청을 되물어 확인했다": "no"}),
        (admin, "5", {"필요한 경우 본인 확인 절차를 지켰다": "no"}),
    ]
    for evaluator, accuracy, overrides in spread:
        evaluation = services.evaluation_start(actor=evaluator, call=call, scorecard=scorecard, calibration=calibration)
        _fill(evaluation, evaluator=evaluator, accuracy=accuracy, comment="", **overrides)

    # An open dispute with a thread: the agent with the lowest score disputes it.
    lowest = min(evaluations, key=lambda e: (e.score if e.score is not None else 101, e.pk))
    dispute = services.dispute_create(
        actor=lowest.agent,
        evaluation=lowest,
        reason="고객이 같은 질문을 반복해서 짧게 답했을 뿐입니다. 녹취 뒷부분에서 대안도 안내했습니다.",
    )
    services.dispute_reply(
        actor=supervisor,
        dispute=dispute,
        text="녹취를 다시 들어 보겠습니다. 대안을 안내한 시점을 알려 주시겠어요?",
    )
    services.dispute_reply(
        actor=lowest.agent, dispute=dispute, text="통화 끝나기 1분 전쯤입니다. 문자 안내도 보냈습니다."
    )

    # A flag dispute already decided (upheld), so the counts show more than one state.
    flag = (
        Flag.objects.filter(AGENT_FLAGS, call_started_at__lt=timezone.now() - timedelta(days=3))
        .exclude(agent=lowest.agent)
        .order_by("call_started_at", "id")
        .first()
    )
    if flag is not None:
        flag_dispute = services.dispute_create(
            actor=flag.agent, flag=flag, reason="고객이 먼저 반말을 해서 맞춰 드린 것입니다."
        )
        services.dispute_decide(
            actor=supervisor,
            dispute=flag_dispute,
            outcome="upheld",
            note="고객이 반말을 해도 상담원은 존댓말을 유지해야 합니다. 코칭 모듈을 참고해 주세요.",
        )

    # Fill this week's and last week's queues from the rules.
    today = timezone.localdate()
    services.sampling_run(week=today - timedelta(days=7))
    services.sampling_run(week=today)


def scorecard_default() -> Scorecard | None:
    return Scorecard.objects.filter(name=DEFAULT_SCORECARD, is_active=True).first()
