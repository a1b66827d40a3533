"""The access log (개인정보 접속기록): one row per access, none for a refused one, append-only,
kept two years, browsable and exportable by admins; permission changes logged too."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from privacy.models import AccessLog, AppendOnlyError
from privacy.services import access_log_purge_expired, current_request
from tests.factories import UserFactory


def _accesses():
    """Rows about calls (creating the test's users logs permission changes too)."""
    return AccessLog.objects.exclude(action="permission_change")


def _audio(api, recording, **headers):
    response = api.get(f"/api/recordings/{recording.pk}/audio/", **headers)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def test_a_playback_of_many_range_requests_writes_one_row(api, pii_call, world):
    api.force_authenticate(world.supervisor_a)
    for start in (0, 1000, 2000, 3000, 500):  # an <audio> element playing and seeking
        assert _audio(api, pii_call, HTTP_RANGE=f"bytes={start}-", REMOTE_ADDR="10.0.0.9").status_code == 206

    row = _accesses().get()
    assert (row.action, row.username, row.role, row.call_id, row.recording_id, row.ip_address) == (
        "audio_play",
        "supervisor_a",
        "supervisor",
        world.call_a.pk,
        pii_call.pk,
        "10.0.0.9",
    )
    assert row.path == f"/api/recordings/{pii_call.pk}/audio/"


def test_a_download_is_its_own_row_and_a_later_playback_another(api, pii_call, world, settings):
    api.force_authenticate(world.agent_a)
    assert _audio(api, pii_call).status_code == 200
    assert _audio(api, pii_call).status_code == 200  # the same download again, within the window
    assert list(_accesses().values_list("action", flat=True)) == ["audio_download"]

    settings.ACCESS_LOG_AUDIO_WINDOW_SECONDS = 0  # as if the window had passed
    assert _audio(api, pii_call).status_code == 200
    assert _accesses().filter(action="audio_download").count() == 2


def test_another_user_playing_the_same_recording_gets_a_row_of_their_own(api, pii_call, world):
    for user in (world.agent_a, world.supervisor_a):
        api.force_authenticate(user)
        _audio(api, pii_call, HTTP_RANGE="bytes=0-")
    assert sorted(_accesses().values_list("username", flat=True)) == ["agent_a", "supervisor_a"]


@pytest.mark.parametrize("path", ["audio/", "segments/"])
def test_a_user_who_may_not_see_the_call_gets_404_and_writes_nothing(api, pii_call, world, path):
    api.force_authenticate(world.supervisor_b)
    assert api.get(f"/api/recordings/{pii_call.pk}/{path}").status_code == 404
    assert not _accesses().exists()


def test_an_anonymous_request_gets_401_and_writes_nothing(api, pii_call):
    assert api.get(f"/api/recordings/{pii_call.pk}/audio/").status_code == 401
    assert not _accesses().exists()


def test_an_export_writes_one_row(client, pii_call, world):
    client.force_login(world.supervisor_a)
    response = client.get(reverse("dashboards:export"), {"format": "csv"})
    b"".join(response.streaming_content)

    row = _accesses().get()
    assert row.action == "export" and row.username == "supervisor_a" and row.target.startswith("csv ")
    assert row.detail.startswith("2 calls")


def test_transcript_views_are_logged_from_the_call_page_and_the_api(api, client, pii_call, world):
    client.force_login(world.trainer_a)
    client.get(reverse("calls:detail", args=[world.call_a.pk]))
    api.force_authenticate(world.agent_a)
    api.get(f"/api/recordings/{pii_call.pk}/segments/")
    assert sorted(_accesses().values_list("username", "action", "call_id")) == [
        ("agent_a", "transcript_view", world.call_a.pk),
        ("trainer_a", "transcript_view", world.call_a.pk),
    ]


def test_a_transcript_search_with_results_writes_one_row_without_the_number_searched(client, pii_call, world):
    from dashboards.services import call_index

    call_index(world.call_a.pk)
    client.force_login(world.supervisor_a)
    client.get(reverse("dashboards:search"), {"q": "담당"})
    client.get(reverse("dashboards:search"), {"q": "010-1234-5678"})  # finds nothing: no row

    row = _accesses().get()
    assert (row.action, row.call_id, row.target) == ("transcript_search", world.call_a.pk, f"calls {world.call_a.pk}")
    assert row.detail.startswith("q=담당;")


def test_the_application_cannot_change_or_delete_a_row(pii_call, world, api):
    api.force_authenticate(world.agent_a)
    _audio(api, pii_call)
    row = _accesses().get()
    row.username = "someone_else"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=row.pk).update(username="x")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert _accesses().get().username == "agent_a"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database guard is a PostgreSQL trigger")
def test_the_database_refuses_update_and_early_delete_even_in_raw_sql(pii_call, world, api):
    api.force_authenticate(world.agent_a)
    _audio(api, pii_call)
    for sql in ("UPDATE privacy_accesslog SET username = 'x'", "DELETE FROM privacy_accesslog"):
        with pytest.raises(DatabaseError) as refused, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
        assert "privacy_accesslog" in str(refused.value)
    assert _accesses().count() == 1


def test_purging_keeps_two_years_whatever_the_setting_says(settings, db):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    now = timezone.now()
    AccessLog.objects.bulk_create(
        [
            AccessLog(action="export", username="old", at=now - timedelta(days=731)),
            AccessLog(action="export", username="year", at=now - timedelta(days=365)),
            AccessLog(action="export", username="new", at=now),
        ]
    )
    assert access_log_purge_expired() == 1
    assert sorted(_accesses().values_list("username", flat=True)) == ["new", "year"]


def test_role_group_permission_and_team_changes_are_logged_with_who_did_it(world):
    request = RequestFactory().post("/admin/", REMOTE_ADDR="192.0.2.5")
    request.user = world.admin
    token = current_request.set(request)
    try:
        before = AccessLog.objects.count()
        world.agent_a.role = "supervisor"
        world.agent_a.save()
        world.agent_a.save()  # saved again unchanged: no new row
        group = Group.objects.create(name="QA")
        world.agent_a.groups.add(group)
        group.permissions.add(Permission.objects.get(codename="view_unmasked_transcript"))
        world.team_b.supervisors.add(world.agent_a)
    finally:
        current_request.reset(token)

    rows = list(AccessLog.objects.order_by("id")[before:])
    assert [r.action for r in rows] == ["permission_change"] * 4
    assert {(r.username, r.ip_address) for r in rows} == {("admin_user", "192.0.2.5")}
    assert "role: agent → supervisor" in rows[0].detail
    assert "groups added" in rows[1].detail
    assert "group permissions added" in rows[2].detail
    assert rows[3].target.startswith("team:") and "team supervisors added" in rows[3].detail


def test_a_new_user_is_logged_with_the_role_they_were_given(db):
    UserFactory(username="newbie", role="trainer")
    row = AccessLog.objects.get(action="permission_change", target__contains="newbie")
    assert row.detail.startswith("created:") and "role=trainer" in row.detail


def test_admins_browse_filter_and_export_the_log_and_the_export_is_logged(client, pii_call, world, api):
    api.force_authenticate(world.agent_a)
    _audio(api, pii_call, HTTP_RANGE="bytes=0-")
    api.get(f"/api/recordings/{pii_call.pk}/segments/")
    root = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(root)

    page = client.get(reverse("admin:privacy_accesslog_changelist"), {"action__exact": "audio_play"})
    assert page.status_code == 200 and "agent_a" in page.content.decode()
    assert reverse("admin:privacy_accesslog_export") in page.content.decode()
    for q in ("agent_a", str(world.call_a.pk), "127.0.0.1"):  # by user, call or address
        found = client.get(reverse("admin:privacy_accesslog_changelist"), {"q": q})
        assert found.status_code == 200 and found.context["cl"].result_count >= 1, q
    export = client.get(reverse("admin:privacy_accesslog_export"), {"action__exact": "audio_play"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))

    assert [(r["username"], r["action"], r["call_id"]) for r in rows] == [
        ("agent_a", "audio_play", str(world.call_a.pk))
    ]
    assert AccessLog.objects.filter(action="access_log_export", username="root").count() == 1
    change = client.get(reverse("admin:privacy_accesslog_change", args=[_accesses().first().pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content


def test_people_without_admin_rights_cannot_see_the_log(client, world):
    client.force_login(world.supervisor_a)
    assert client.get(reverse("admin:privacy_accesslog_export")).status_code == 302  # to the admin login
