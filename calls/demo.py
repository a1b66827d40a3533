"""Scripted demo conversations, so a fresh demo shows transcripts, flags, checklists and metrics.

The demo has no real call audio: each demo recording is a quiet stereo Opus file of the call's
length (so the player and seeking work) and its transcript is one of the scripts below, stored
as the pipeline would store it and analysed by the real tone analysis.
"""

import hashlib
import io
import random
import uuid

import av
import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import ChannelLayout

from .analysis import call_analyse, call_notify
from .models import Call, Recording, RecordingStatus, Segment, Transcript

A, C = "agent", "customer"

SCRIPTS: list[list[tuple[str, str]]] = [
    [  # a good inbound call
        (A, "안녕하십니까 고객센터 상담원 {agent}입니다 무엇을 도와드릴까요"),
        (C, "주문한 물건이 아직 안 왔어요 벌써 일주일째예요"),
        (A, "많이 기다리셨겠어요 불편을 드려 정말 죄송합니다"),
        (A, "주문하신 상품 배송 조회해 보니 지역 물류센터에서 지연되고 있습니다"),
        (C, "그럼 언제 받을 수 있는 거예요"),
        (A, "내일 오전까지 도착하도록 택배사에 바로 요청해 드리고 문자로 안내해 드리겠습니다"),
        (C, "네 알겠습니다"),
        (A, "더 궁금하신 점은 없으신가요 오늘도 좋은 하루 보내십시오 감사합니다"),
    ],
    [  # the brush-off
        (A, "네 고객센터입니다"),
        (C, "카드 한도 상향 신청하려고 하는데요"),
        (A, "그건 제 담당이 아닌데요"),
        (C, "그럼 어디로 연락해야 하나요"),
        (A, "홈페이지에 다 나와 있으니까 거기서 보세요"),
        (C, "아니 그걸 모르니까 전화했죠"),
        (A, "팩스로 서류 보내세요 이만 끊겠습니다"),
    ],
    [  # blame and sarcasm
        (A, "안녕하세요 상담원 {agent}입니다"),
        (C, "요금이 두 번 결제됐어요 확인 좀 해 주세요"),
        (A, "고객님이 잘못 입력하신 거예요"),
        (C, "제가 한 번만 눌렀는데요"),
        (A, "아까 말씀드렸잖아요 몇 번을 말씀드려야 돼요"),
        (C, "너무하시네요 환불은 되는 거예요"),
        (A, "규정상 어쩔 수 없습니다"),
    ],
    [  # customer abuse, handled well
        (A, "안녕하십니까 상담원 {agent}입니다 무엇을 도와드릴까요"),
        (C, "야 너 이름 뭐야 너 잘리고 싶어"),
        (A, "고객님 계속 폭언을 하시면 상담을 종료할 수밖에 없습니다"),
        (C, "씨발 니가 뭔데 끊어"),
        (A, "폭언으로 상담을 종료하겠습니다 다음에 다시 연락 주십시오"),
    ],
    [  # a polite outbound call
        (A, "안녕하세요 고객님 {company} 상담원 {agent}입니다 잠시 통화 괜찮으세요"),
        (C, "네 무슨 일이시죠"),
        (A, "지금 쓰시는 인터넷 요금을 줄여 드릴 수 있는 결합 상품이 있어 연락드렸습니다"),
        (C, "얼마나 싸지는데요"),
        (A, "한 달에 만 이천 원 정도 절약되십니다 원하시면 자세한 내용을 문자로 보내 드리겠습니다"),
        (C, "네 문자로 보내 주세요"),
        (A, "네 바로 보내 드리겠습니다 소중한 시간 내 주셔서 감사합니다"),
    ],
    [  # banmal slips
        (A, "네 말씀하세요"),
        (C, "주소 변경을 하고 싶은데요"),
        (A, "주소 다시 불러 봐"),
        (C, "서울시 강남구 테헤란로 이십"),
        (A, "알았어 잠깐만 기다려"),
        (A, "변경 다 됐어요"),
    ],
    [  # a complaint handled with empathy and a next step
        (A, "안녕하세요 고객센터 {agent}입니다"),
        (C, "기사님이 약속 시간에 안 오셨어요 너무 화가 나요"),
        (A, "약속을 지키지 못해 정말 죄송합니다 많이 답답하셨겠어요"),
        (A, "제가 바로 기사님과 통화해서 오늘 오후 세 시까지 방문하시도록 조치하겠습니다"),
        (C, "네 꼭 좀 부탁드려요"),
        (A, "처리 결과는 한 시간 안에 다시 연락드리겠습니다 감사합니다"),
    ],
    [  # a friendly older caller in banmal: casual, not abuse
        (A, "안녕하십니까 {company} 상담원 {agent}입니다 무엇을 도와드릴까요"),
        (C, "아이고 아가씨 내가 핸드폰을 잘 몰라서 그래 문자가 안 와"),
        (A, "네 어르신 천천히 말씀하셔도 괜찮습니다 제가 같이 확인해 드릴게요"),
        (C, "응 그래 고마워 내 번호는 그대로야"),
        (A, "확인해 보니 스팸 차단이 켜져 있으셔서요 지금 바로 풀어 드리겠습니다"),
        (C, "아이고 설레네 손주 사진 이제 볼 수 있겠네 고마워 복 받을 거야"),
        (A, "네 어르신 문자 잘 받으시길 바랍니다 좋은 하루 보내십시오"),
    ],
    [  # impatience
        (A, "네 {company}입니다"),
        (C, "비밀번호를 잊어버렸는데 어떻게 해야 돼요"),
        (A, "그것도 모르세요 앱에서 하시면 되잖아요"),
        (C, "앱이 안 열려서요"),
        (A, "제가 그걸 어떻게 알아요"),
    ],
]
COMPANIES = ["MOT카드", "한빛통신", "누리쇼핑"]
SYLLABLES_PER_SECOND = 6.0


def _timeline(script: list[tuple[str, str]], rng: random.Random, **names) -> list[tuple[str, float, float, str]]:
    at, rows = 0.8, []
    for speaker, line in script:
        text = line.format(**names)
        length = max(1.2, len(text.replace(" ", "")) / SYLLABLES_PER_SECOND)
        rows.append((speaker, round(at, 2), round(at + length, 2), text))
        at += length + rng.uniform(0.4, 1.6)
    return rows


def _quiet_opus(seconds: float, seed: int) -> bytes:
    """A near-silent stereo Opus file: small, unique (its own noise), the call's length."""
    rate = 16000
    samples = (np.random.default_rng(seed).standard_normal((int(seconds * rate), 2)) * 30).astype(np.int16)
    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=rate, layout="stereo")
        stream.bit_rate = 12000
        for start in range(0, len(samples), rate):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples[start : start + rate]).reshape(1, -1), format="s16", layout="stereo"
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def demo_transcribe(call: Call, script_index: int, rng: random.Random) -> Recording:
    """Give `call` a demo recording and the transcript of script `script_index`, then analyse it."""
    rows = _timeline(
        SCRIPTS[script_index % len(SCRIPTS)],
        rng,
        agent=call.agent.display_name or call.agent.username,
        company=rng.choice(COMPANIES),
    )
    duration = rows[-1][2] + 1.0
    data = _quiet_opus(duration, seed=call.pk)
    key = uuid.uuid4().hex
    name = f"recordings/demo/{key}.ogg"
    name = Recording._meta.get_field("file").storage.save(name, ContentFile(data))  # local disk or S3
    recording = Recording.objects.create(
        call=call,
        uploaded_by=call.agent,
        file=name,
        storage_key=key,
        storage_suffix=".ogg",
        original_filename="demo-recording.ogg",
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        format_name="ogg",
        codec="opus",
        duration_seconds=duration,
        sample_rate=16000,
        channels=2,
        channel_layout=ChannelLayout.AGENT_LEFT,
        status=RecordingStatus.DONE,
        progress=100,
        created_at=call.started_at,
        finished_at=timezone.now(),
    )
    transcript = Transcript.objects.create(recording=recording, language="ko", model_name="demo-script")
    Segment.objects.bulk_create(
        Segment(transcript=transcript, call=call, index=i, speaker=speaker, start=start, end=end, text=text)
        for i, (speaker, start, end, text) in enumerate(rows)
    )
    call.duration_seconds = round(duration)
    call.save(update_fields=["duration_seconds"])
    call_analyse(call.pk)
    call_notify(call.pk)
    return recording
