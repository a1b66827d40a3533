"""A reviewer's verdict on what the agent said tells the agent: once per call and verdict, linked to
the moment on the call page (which the agent may open); the customer's words tell nobody."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from calls.models import Notification
from calls.review import flag_review, flags_review_bulk
from qa import services as qa_services
from tests.factories import CallFactory, flag_for, transcript_for

REVIEW = Notification.Kind.REVIEW
BELL = 'data-role="unread-count">'


def _moments(call, *specs):
    """Flags on `call`, one segment each: specs are (speaker, category, start in seconds)."""
    lines = [(speaker, start, start + 2.0, f"문장 {i}입니다") for i, (speaker, _c, start) in enumerate(specs)]
    transcript_for(call, lines)
    return [
        flag_for(call, segment, speaker=speaker, category=category)
        for segment, (speaker, category, _start) in zip(call.segments.order_by("index"), specs, strict=True)
    ]


def _reviews(user):
    return list(Notification.objects.filter(recipient=user, kind=REVIEW).order_by("id"))


def _bell(client, user) -> str:
    client.force_login(user)
    page = client.get(reverse("calls:list")).content.decode()
    if BELL not in page:
        return "0"
    return page.split(BELL, 1)[1].split("<", 1)[0]


def test_a_confirmed_flag_tells_the_agent_with_a_link_to_the_moment_they_can_open(client, world):
    (flag,) = _moments(world.call_a, ("agent", "dismissive", 7.5))
    assert _bell(client, world.agent_a) == "0"
    flag_review(actor=world.supervisor_a, flag=flag, status="confirmed")
    (note,) = _reviews(world.agent_a)
    assert note.call == world.call_a
    assert note.params == {"reviewer": str(world.supervisor_a), "call": world.call_a.pk, "status": "confirmed"}
    assert note.link == reverse("calls:detail", args=[world.call_a.pk]) + f"#flag-{flag.pk}"
    with translation.override("en"):
        assert note.text == f"{world.supervisor_a} reviewed a moment of your call #{world.call_a.pk}: Confirmed."
    with translation.override("ko"):
        assert note.text.endswith("순간을 검토했습니다: 확인됨.")
    assert _bell(client, world.agent_a) == "1"
    # following it lands the agent on their own call, at the flag
    opened = client.get(reverse("calls:notification_open", args=[note.pk]))
    assert opened.status_code == 302 and opened["Location"] == note.link
    page = client.get(note.link)
    assert page.status_code == 200 and f'id="flag-{flag.pk}"' in page.content.decode()
    assert _bell(client, world.agent_a) == "0"
    # nobody else hears of it
    assert Notification.objects.count() == 1


def test_the_same_verdict_again_tells_nothing_a_new_one_does_and_a_reset_tells_nothing(world):
    (flag,) = _moments(world.call_a, ("agent", "blame", 3.0))
    flag_review(actor=world.supervisor_a, flag=flag, status="confirmed")
    flag_review(actor=world.supervisor_a, flag=flag, status="confirmed")
    flags_review_bulk(actor=world.trainer_a, flag_ids=[flag.pk], status="confirmed")
    assert [n.params["status"] for n in _reviews(world.agent_a)] == ["confirmed"]
    flag_review(actor=world.trainer_a, flag=flag, status="dismissed", reason="고객 말을 따라 한 것")
    flag_review(actor=world.trainer_a, flag=flag, status="unreviewed")
    notes = _reviews(world.agent_a)
    assert [n.params["status"] for n in notes] == ["confirmed", "dismissed"]
    assert notes[1].params["reviewer"] == str(world.trainer_a)
    with translation.override("en"):
        assert notes[1].text.endswith(": Dismissed.")


@pytest.mark.parametrize("status", ["confirmed", "dismissed"])
def test_the_customers_words_and_unattributed_lines_tell_nobody(world, status):
    flags = _moments(
        world.call_a,
        ("customer", "abuse", 1.0),
        ("customer", "profanity", 4.0),
        ("unknown", "profanity", 8.0),
    )
    for flag in flags[:2]:
        flag_review(actor=world.supervisor_a, flag=flag, status=status, reason="확인")
    result = flags_review_bulk(actor=world.supervisor_a, flag_ids=[f.pk for f in flags], status=status, reason="x")
    assert len(result.reviewed) == 3
    assert not Notification.objects.exists()


def test_a_bulk_verdict_tells_each_agent_once_per_call(world):
    mine = _moments(
        world.call_a,
        ("agent", "sarcasm", 20.0),
        ("agent", "dismissive", 7.5),
        ("customer", "abuse", 10.5),
        ("agent", "banmal", 12.0),
    )
    other_call = CallFactory(agent=world.agent_a)
    (later,) = _moments(other_call, ("agent", "blame", 2.0))
    (colleague,) = _moments(world.call_a2, ("agent", "blame", 5.0))
    (team_b,) = _moments(world.call_b, ("agent", "blame", 5.0))
    ids = [f.pk for f in (*mine, later, colleague, team_b)]
    result = flags_review_bulk(actor=world.supervisor_a, flag_ids=ids, status="confirmed")
    assert result.skipped == [team_b.pk]  # not supervisor_a's team: not changed, nobody told

    by_call = {n.call_id: n for n in _reviews(world.agent_a)}
    assert set(by_call) == {world.call_a.pk, other_call.pk} and len(_reviews(world.agent_a)) == 2
    three = by_call[world.call_a.pk]
    assert three.params["count"] == 3
    first = mine[1]  # the earliest of the three agent moments in the call (7.5 s)
    assert three.link == reverse("calls:detail", args=[world.call_a.pk]) + f"#flag-{first.pk}"
    with translation.override("en"):
        assert three.text == f"{world.supervisor_a} reviewed 3 moments of your call #{world.call_a.pk}: Confirmed."
    with translation.override("ko"):
        assert "순간 3개를 검토했습니다: 확인됨." in three.text
    assert "count" not in by_call[other_call.pk].params
    (colleagues,) = _reviews(world.agent_a2)
    assert colleagues.link.endswith(f"#flag-{colleague.pk}")
    assert not Notification.objects.filter(recipient=world.agent_b).exists()

    # the same verdict on the same flags again: nothing new; dismissing them is news, once per call
    flags_review_bulk(actor=world.supervisor_a, flag_ids=ids, status="confirmed")
    assert len(_reviews(world.agent_a)) == 2
    flags_review_bulk(actor=world.supervisor_a, flag_ids=[mine[0].pk, mine[3].pk], status="dismissed", reason="x")
    (dismissed,) = [n for n in _reviews(world.agent_a) if n.params["status"] == "dismissed"]
    assert dismissed.params["count"] == 2 and dismissed.link.endswith(f"#flag-{mine[3].pk}")


def test_bulk_on_the_review_queue_page_and_single_through_the_api(client, api, world):
    flags = _moments(world.call_a, ("agent", "dismissive", 1.0), ("agent", "blame", 4.0))
    client.force_login(world.supervisor_a)
    response = client.post(
        reverse("dashboards:review_queue_bulk"), {"flags": [f.pk for f in flags], "status": "confirmed"}
    )
    assert response.status_code == 302
    (note,) = _reviews(world.agent_a)
    assert note.params["count"] == 2
    api.force_authenticate(world.trainer_a)
    response = api.post("/api/flag-reviews/", {"flag": flags[0].pk, "status": "dismissed", "reason": "오탐"})
    assert response.status_code == 200
    assert [n.params["status"] for n in _reviews(world.agent_a)] == ["confirmed", "dismissed"]
    assert _bell(client, world.agent_a) == "2"


def test_a_reviewer_on_their_own_call_or_a_call_they_cannot_open_is_not_told(world):
    own = CallFactory(agent=world.supervisor_a, team=world.team_a)
    (flag,) = _moments(own, ("agent", "blame", 1.0))
    flag_review(actor=world.supervisor_a, flag=flag, status="confirmed")
    assert not Notification.objects.exists()
    # an agent since made supervisor of another team no longer opens team A's calls: no dead link
    elsewhere = CallFactory(agent=world.supervisor_b, team=world.team_a)
    (flag,) = _moments(elsewhere, ("agent", "blame", 1.0))
    flag_review(actor=world.supervisor_a, flag=flag, status="confirmed")
    assert not Notification.objects.exists()
    # a departed agent reads nothing
    world.agent_a2.is_active = False
    world.agent_a2.save(update_fields=["is_active"])
    (flag,) = _moments(world.call_a2, ("agent", "blame", 1.0))
    flags_review_bulk(actor=world.supervisor_a, flag_ids=[flag.pk], status="confirmed")
    assert not Notification.objects.exists()


def test_a_verdict_that_rolls_back_tells_nobody(world):
    (flag,) = _moments(world.call_a, ("agent", "blame", 1.0))
    with pytest.raises(RuntimeError), transaction.atomic():
        flag_review(actor=world.supervisor_a, flag=flag, status="confirmed")
        flags_review_bulk(actor=world.supervisor_a, flag_ids=[flag.pk], status="dismissed", reason="x")
        assert len(_reviews(world.agent_a)) == 2
        raise RuntimeError
    assert not Notification.objects.exists()


def test_an_overturned_flag_dispute_tells_the_agent_once_by_its_decision(world):
    (flag,) = _moments(world.call_a, ("agent", "blame", 1.0))
    dispute = qa_services.dispute_create(actor=world.agent_a, flag=flag, reason="고객 말을 인용한 것입니다.")
    qa_services.dispute_decide(actor=world.supervisor_a, dispute=dispute, outcome="overturned", note="맞습니다.")
    flag.refresh_from_db()
    assert flag.review_status == "dismissed"
    kinds = list(Notification.objects.filter(recipient=world.agent_a).values_list("kind", flat=True))
    assert kinds == [Notification.Kind.DISPUTE_REPLY]
