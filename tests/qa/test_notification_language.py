"""Notifications read in the reader's language, whatever language their writer was working in.

Each kind is written through its real call site while one language is active, then read on
/notifications/ and /api/notifications/ by a request in Korean and one in English.
"""

import html
import re
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from calls.analysis import call_analyse, call_notify
from calls.models import Notification
from calls.notifications import notification_create, notification_text
from calls.review import flag_review, flags_review_bulk
from coaching.models import Module
from coaching.services import assignments_create
from qa import services
from tests.factories import RUDE_CALL, transcript_for
from tests.qa.conftest import analyse, answer_all

LIST = reverse("calls:notifications")
Kind = Notification.Kind


def _latest(user, kind) -> Notification:
    return Notification.objects.filter(recipient=user, kind=kind).latest("id")


def _flag_dispute(world):
    (flag,) = analyse(world.call_a, checklist={}, flags=[("agent", "blame", "high")])
    return services.dispute_create(actor=world.agent_a, flag=flag, reason="고객 말을 인용한 것입니다.")


def _submitted(world, scorecard):
    evaluation = services.evaluation_start(actor=world.trainer_a, call=world.call_a, scorecard=scorecard)
    answer_all(evaluation, world.trainer_a, **{"정확한 안내": "2"})
    return services.evaluation_submit(actor=world.trainer_a, evaluation=evaluation)


def _overturned(world, scorecard):
    evaluation = _submitted(world, scorecard)
    dispute = services.dispute_create(actor=world.agent_a, evaluation=evaluation, reason="안내는 정확했습니다.")
    services.dispute_decide(actor=world.supervisor_a, dispute=dispute, outcome="overturned", note="다시 평가하세요.")
    evaluation.refresh_from_db()
    return evaluation


def abuse(world, scorecard):
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    call_notify(world.call_a.pk)
    return _latest(world.supervisor_a, Kind.ABUSE)


def dispute(world, scorecard):
    _flag_dispute(world)
    return _latest(world.supervisor_a, Kind.DISPUTE)


def dispute_reply(world, scorecard):
    services.dispute_reply(actor=world.supervisor_a, dispute=_flag_dispute(world), text="어느 부분인지 알려 주세요.")
    return _latest(world.agent_a, Kind.DISPUTE_REPLY)


def dispute_decided(world, scorecard):
    services.dispute_decide(
        actor=world.supervisor_a, dispute=_flag_dispute(world), outcome="upheld", note="부적절합니다."
    )
    return _latest(world.agent_a, Kind.DISPUTE_REPLY)


def dispute_revise(world, scorecard):
    _overturned(world, scorecard)
    return _latest(world.trainer_a, Kind.DISPUTE_REPLY)


def evaluation(world, scorecard):
    _submitted(world, scorecard)
    return _latest(world.agent_a, Kind.EVALUATION)


def evaluation_revised(world, scorecard):
    evaluation = _overturned(world, scorecard)
    answer_all(evaluation, world.trainer_a, **{"정확한 안내": "5"})
    services.evaluation_submit(actor=world.trainer_a, evaluation=evaluation)
    return _latest(world.agent_a, Kind.EVALUATION)


def calibration(world, scorecard):
    services.calibration_create(
        actor=world.supervisor_a,
        call=world.call_a,
        scorecard=scorecard,
        participants=[world.supervisor_a, world.trainer_a],
    )
    return _latest(world.trainer_a, Kind.EVALUATION)


def _assign(world, actor):
    module, _created = Module.objects.get_or_create(title="공감 표현")
    assignments_create(actor=actor, module=module, agents=[world.agent_a], due_date=date(2026, 3, 5))
    return _latest(world.agent_a, Kind.ASSIGNMENT)


def assignment(world, scorecard):
    return _assign(world, world.trainer_a)


def assignment_automatic(world, scorecard):
    return _assign(world, None)


def review(world, scorecard):
    (flag,) = analyse(world.call_a, checklist={}, flags=[("agent", "sarcasm", "medium")])
    flag_review(actor=world.supervisor_a, flag=flag, status="dismissed", reason="진심으로 한 말입니다.")
    return _latest(world.agent_a, Kind.REVIEW)


def review_bulk(world, scorecard):
    flags = analyse(world.call_a, checklist={}, flags=[("agent", "sarcasm", "medium"), ("agent", "blame", "high")])
    flags_review_bulk(actor=world.supervisor_a, flag_ids=[f.pk for f in flags], status="confirmed")
    return _latest(world.agent_a, Kind.REVIEW)


# (how it is written, words of the English text, words of the Korean text): neither's are in the
# other; what both show (quoted words, the time of a moment) is checked by comparing with `text`.
CASES = {
    "abuse": (abuse, ["Customer abuse toward", "Evidence:"], ["고객 폭언을 받았습니다", "근거:"]),
    "dispute": (dispute, ["disputes a flag on call #"], ["플래그에 이의를 제기했습니다"]),
    "dispute_reply": (dispute_reply, ["replied on the dispute about call #"], ["이의 제기에 답했습니다"]),
    "dispute_decided": (
        dispute_decided,
        ["was decided: Upheld. 부적절합니다."],
        ["이의 제기 결과: 유지. 부적절합니다."],
    ),
    "dispute_revise": (dispute_revise, ["was overturned: please revise it."], ["평가를 수정해 주세요"]),
    "evaluation": (evaluation, ["New evaluation of your call by", "score 71.9."], ["님이 통화를 평가했습니다: 71.9점"]),
    "evaluation_revised": (evaluation_revised, ["revised after your dispute: score"], ["이의 제기에 따라 평가가 수정"]),
    "calibration": (calibration, ["asked you to score call #"], ["보정 세션에서 통화 #"]),
    "assignment": (
        assignment,
        ["assigned you the coaching module “공감 표현”, due 2026-03-05."],
        ["코칭 모듈 “공감 표현”을(를) 배정했습니다. 마감일: 2026-03-05."],
    ),
    "assignment_automatic": (
        assignment_automatic,
        ["You were assigned the coaching module “공감 표현”, due 2026-03-05."],
        ["코칭 모듈 “공감 표현”이(가) 배정되었습니다. 마감일: 2026-03-05."],
    ),
    "review": (review, ["reviewed a moment of your call #", ": Dismissed."], ["순간을 검토했습니다: 기각됨."]),
    "review_bulk": (
        review_bulk,
        ["reviewed 2 moments of your call #", ": Confirmed."],
        ["순간 2개를 검토했습니다: 확인됨."],
    ),
}


def _on_the_page(client, note, language) -> str:
    client.force_login(note.recipient)
    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    item = re.search(rf'<li [^>]*id="note-{note.pk}">(.*?)</li>', page.content.decode(), re.S)
    return html.unescape(item.group(1))


def _in_the_api(api, note, language) -> str:
    api.force_authenticate(note.recipient)
    response = api.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    (row,) = [r for r in response.json()["results"] if r["id"] == note.pk]
    return row["message"]


@pytest.mark.parametrize("written_in", ["ko", "en"])
@pytest.mark.parametrize("case", list(CASES))
def test_each_kind_reads_in_the_readers_language(client, api, world, scorecard, case, written_in):
    write, english, korean = CASES[case]
    with translation.override(written_in):
        note = write(world, scorecard)
    assert note.params and note.kind in Kind.values
    if case == "abuse":
        assert "[00:10] “야 너 이름 뭐야 너 잘리고 싶어?”" in note.message  # when, and the customer's words
    with translation.override("ko"):
        assert note.message == notification_text(note)  # stored in the site's language, whoever wrote it
    for language, present, absent in (("en", english, korean), ("ko", korean, english)):
        with translation.override(language):
            expected = note.text
        for text in (_on_the_page(client, note, language), _in_the_api(api, note, language)):
            assert expected in text
            assert all(words in text for words in present), (language, text)
            assert not any(words in text for words in absent), (language, text)


def test_a_fresh_note_reads_as_one_read_back(world):
    note = assignment(world, None)
    again = Notification.objects.get(pk=note.pk)
    assert again.params == note.params == {"module": "공감 표현", "due": "2026-03-05", "actor": str(world.trainer_a)}
    for language in ("ko", "en"):
        with translation.override(language):
            assert note.text == again.text


def test_params_that_do_not_fit_the_kind_are_refused_when_written(world):
    with pytest.raises(KeyError):
        notification_create(recipient=world.agent_a, kind=Kind.DISPUTE, params={"agent": "김상담"})
    with pytest.raises(ValueError):
        notification_create(recipient=world.agent_a, kind=Kind.EVALUATION, params={"event": "nope"})
    with pytest.raises(TypeError):
        notification_create(recipient=world.agent_a, kind=Kind.REVIEW, params={"reviewer": world.supervisor_a})
    assert not Notification.objects.exists()


def test_old_rows_without_params_show_their_message(client, api, world):
    old = Notification.objects.create(
        recipient=world.agent_a, kind=Kind.EVALUATION, message="상담원 1 님이 통화를 평가했습니다: 90점.", link="/qa/"
    )
    assert old.params is None
    for language in ("en", "ko"):
        assert "상담원 1 님이 통화를 평가했습니다: 90점." in _on_the_page(client, old, language)
        assert _in_the_api(api, old, language) == "상담원 1 님이 통화를 평가했습니다: 90점."


def test_a_row_whose_params_no_longer_fit_shows_its_stored_message(client, world):
    broken = Notification.objects.create(
        recipient=world.agent_a, kind=Kind.DISPUTE_REPLY, message="저장된 문장", params={"event": "gone"}
    )
    assert "저장된 문장" in _on_the_page(client, broken, "en")


def _notification_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "calls_notification" in q["sql"]]


def _one_of_each(world):
    for write in (assignment, assignment_automatic, review):
        write(world, None)
    Notification.objects.create(recipient=world.agent_a, kind=Kind.EVALUATION, message="옛 알림")


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_bell_still_costs_one_query(client, world, language):
    _one_of_each(world)
    client.force_login(world.agent_a)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("calls:list"), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200 and 'data-role="unread-count">4<' in page.content.decode()
    assert len(_notification_queries(queries.captured_queries)) == 1


def test_wording_at_read_time_asks_the_database_nothing_more(client, world):
    _one_of_each(world)
    client.force_login(world.agent_a)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(4):
        _one_of_each(world)
    with CaptureQueriesContext(connection) as many:
        page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert len(page.context["items"]) == 20
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_abuse_email_is_worded_like_the_alert(world, settings):
    settings.EMAIL_URL = "smtp://localhost"
    world.supervisor_a.email = "supervisor@example.com"
    world.supervisor_a.save(update_fields=["email"])
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    with translation.override("en"):
        call_notify(world.call_a.pk)
        expected = _latest(world.supervisor_a, Kind.ABUSE).text
    (sent,) = mail.outbox
    assert sent.body == expected and sent.body.startswith("Customer abuse toward")
    assert sent.subject.startswith("MOT Coach: customer abuse on call #")
