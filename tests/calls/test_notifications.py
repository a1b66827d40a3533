"""Notifications in the app: the bell on every page, the list, marking read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import Notification
from calls.notifications import notification_create, notifications_for

LIST = reverse("calls:notifications")


def _note(user, word="알림", kind=Notification.Kind.REVIEW, link="", call=None):
    """A notification whose text carries `word` (as the reviewer's name, or the quoted words)."""
    params = {
        Notification.Kind.REVIEW: {"reviewer": word, "call": 1, "status": "confirmed"},
        Notification.Kind.ABUSE: {"agent": "김상담", "call": 1, "excerpt": word, "moments": []},
    }[kind]
    return notification_create(recipient=user, kind=kind, params=params, link=link, call=call)


def _notification_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "calls_notification" in q["sql"]]


@pytest.mark.parametrize("path", [reverse("calls:list"), reverse("dashboards:team"), reverse("calls:quick_log")])
def test_the_bell_costs_one_query_per_page(client, world, path):
    for i in range(5):
        _note(world.supervisor_a, f"알림 {i}")
    client.force_login(world.supervisor_a)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(path)
    assert page.status_code == 200
    assert len(_notification_queries(queries.captured_queries)) == 1
    assert 'data-role="unread-count">5<' in page.content.decode()


def test_the_bell_counts_only_the_users_unread(client, world):
    _note(world.supervisor_a)
    read = _note(world.supervisor_a)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    _note(world.supervisor_b)
    client.force_login(world.supervisor_a)
    page = client.get(reverse("calls:list")).content.decode()
    assert 'data-role="unread-count">1<' in page and f'href="{LIST}"' in page


def test_no_badge_without_unread_and_99_plus_beyond(client, world):
    client.force_login(world.agent_a)
    page = client.get(reverse("calls:list")).content.decode()
    assert 'data-role="bell"' in page and "unread-count" not in page
    Notification.objects.bulk_create(
        Notification(recipient=world.agent_a, kind=Notification.Kind.REVIEW, message=str(i)) for i in range(120)
    )
    assert 'data-role="unread-count">99+<' in client.get(reverse("calls:list")).content.decode()


def test_the_login_page_has_no_bell_and_asks_nothing(client, db):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("login"))
    assert 'data-role="bell"' not in page.content.decode()
    assert not _notification_queries(queries.captured_queries)


def test_the_list_shows_unread_first_and_only_the_users_own(client, world):
    old_unread = _note(world.supervisor_a, "읽지 않은 오래된 알림")
    read = _note(world.supervisor_a, "읽은 새 알림")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    newest = _note(world.supervisor_a, "읽지 않은 새 알림")
    _note(world.supervisor_b, "다른 사람의 알림")
    client.force_login(world.supervisor_a)
    response = client.get(LIST)
    assert [n.pk for n in response.context["items"]] == [newest.pk, old_unread.pk, read.pk]
    assert response.context["unread"] == 2 and "다른 사람의 알림" not in response.content.decode()
    assert list(notifications_for(world.supervisor_a)) == response.context["items"]


def test_following_a_notification_marks_it_read_and_lands_on_the_moment(client, world):
    abuse = Notification.Kind.ABUSE
    note = _note(world.supervisor_a, "고객 폭언", kind=abuse, link="/calls/1/#flag-9", call=world.call_a)
    client.force_login(world.supervisor_a)
    page = client.get(LIST).content.decode()
    assert reverse("calls:notification_open", args=[note.pk]) in page
    response = client.get(reverse("calls:notification_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/calls/1/#flag-9"
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_link_to_another_site_is_not_followed(client, world):
    note = _note(world.supervisor_a, link="https://evil.example/")
    client.force_login(world.supervisor_a)
    response = client.get(reverse("calls:notification_open", args=[note.pk]))
    assert response["Location"] == LIST


def test_someone_elses_notification_is_404_and_stays_unread(client, world):
    note = _note(world.supervisor_b, link="/calls/1/")
    client.force_login(world.supervisor_a)
    assert client.get(reverse("calls:notification_open", args=[note.pk])).status_code == 404
    assert client.post(reverse("calls:notification_read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_one_and_mark_all_as_read(client, world):
    first, second, third = (_note(world.supervisor_a, str(i)) for i in range(3))
    other = _note(world.supervisor_b)
    client.force_login(world.supervisor_a)
    assert client.post(reverse("calls:notification_read", args=[first.pk])).status_code == 302
    assert Notification.objects.filter(recipient=world.supervisor_a, read_at__isnull=True).count() == 2
    assert client.get(reverse("calls:notification_read", args=[second.pk])).status_code == 405  # a change is a POST
    client.post(reverse("calls:notifications_read_all"))
    assert not Notification.objects.filter(recipient=world.supervisor_a, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert "unread-count" not in client.get(LIST).content.decode()
    assert third.pk in {n.pk for n in client.get(LIST).context["items"]}


def test_api_read_all_marks_only_the_callers_notifications(api, world):
    _note(world.supervisor_a)
    _note(world.supervisor_a)
    other = _note(world.supervisor_b)
    api.force_authenticate(world.supervisor_a)
    response = api.post("/api/notifications/read_all/")
    assert response.status_code == 200 and response.json() == {"updated": 2}
    assert api.post("/api/notifications/read_all/").json() == {"updated": 0}
    other.refresh_from_db()
    assert other.read_at is None
    assert api.post("/api/notifications/", {"message": "x"}).status_code == 405


def test_abuse_notification_offers_the_evidence_pack_to_the_supervisor_only(client, world):
    from calls.analysis import call_analyse, call_notify
    from tests.factories import RUDE_CALL, transcript_for

    flagged_call = world.call_a
    transcript_for(flagged_call, RUDE_CALL)
    call_analyse(flagged_call.pk)
    call_notify(flagged_call.pk)
    note = Notification.objects.get(recipient=world.supervisor_a, kind="abuse")
    client.force_login(world.supervisor_a)
    page = client.get(LIST).content.decode()
    assert reverse("calls:evidence", args=[flagged_call.pk]) in page
    # an abuse note about a call the user may no longer export (moved out of their teams) offers no pack
    Notification.objects.filter(pk=note.pk).update(recipient=world.trainer_a)
    client.force_login(world.trainer_a)
    assert reverse("calls:evidence", args=[flagged_call.pk]) not in client.get(LIST).content.decode()
