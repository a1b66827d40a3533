from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import transcript_for

PII_CALL = [
    ("agent", 0.0, 3.0, "본인 확인을 위해 주민등록번호 말씀해 주시겠어요?"),
    ("customer", 3.0, 7.0, "900101-1234567 이요"),
    ("agent", 7.0, 10.0, "그건 제 담당이 아닌데요 다른 데 알아보세요 연락처 010-1234-5678 맞으시죠?"),
    ("customer", 10.0, 14.0, "네 카드는 4111 1111 1111 1111 이고 32,000원 결제했어요"),
    ("agent", 14.0, 16.0, "휴대폰 뒷자리가 어떻게 되세요?"),
    ("customer", 16.0, 18.0, "오육칠팔이요"),
]


@pytest.fixture
def pii_call(world):
    """call_a with a transcript full of personal numbers and an audio file on disk."""
    recording = transcript_for(world.call_a, PII_CALL)
    path = Path(settings.MEDIA_ROOT) / recording.file.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + bytes(4000))
    return recording
