"""Personal numbers in transcripts: masked wherever the app shows or indexes text; the original
only for an explicit permission, and each such view logged."""

import csv
import io

from django.contrib.auth.models import Permission
from django.urls import reverse

from calls.analysis import call_analyse
from calls.models import Flag, Segment
from dashboards.services import call_index
from privacy.models import AccessLog

SECRETS = ["900101", "1234567", "010-1234-5678", "4111", "오육칠팔"]


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_stored_segment_text_is_masked_and_the_original_kept_apart(pii_call):
    segments = list(Segment.objects.filter(transcript__recording=pii_call).order_by("index"))
    assert segments[1].text == "******-******* 이요"
    assert segments[1].text_unmasked == "900101-1234567 이요"
    assert "32,000원" in segments[3].text and "**** **** **** ****" in segments[3].text
    assert segments[5].text == "****이요"  # the answer to "뒷자리가 어떻게 되세요?"
    assert segments[0].text_unmasked == ""  # nothing to mask, nothing kept twice
    assert not any(_leaks(s.text) for s in segments)


def test_flags_excerpts_come_from_the_masked_text_and_their_spans_line_up(pii_call, world):
    call_analyse(world.call_a.pk)
    flag = Flag.objects.filter(call=world.call_a, category="dismissive", excerpt__contains="담당").first()
    assert flag is not None and flag.segment.text_unmasked  # a flag on a segment that had a number
    assert flag.segment.text_unmasked[flag.start : flag.end] == flag.excerpt  # same place in the original
    for every in Flag.objects.filter(call=world.call_a):
        assert every.segment.text[every.start : every.end] == every.excerpt
        assert not _leaks(every.excerpt)


def test_the_segments_and_flags_api_show_only_masked_text(api, pii_call, world):
    call_analyse(world.call_a.pk)
    api.force_authenticate(world.supervisor_a)
    body = api.get(f"/api/recordings/{pii_call.pk}/segments/").content.decode()
    assert "담당" in body and not _leaks(body)
    flags = api.get("/api/flags/", {"call": world.call_a.pk}).content.decode()
    assert "담당" in flags and not _leaks(flags)


def test_search_cannot_find_a_personal_number(client, pii_call, world):
    call_analyse(world.call_a.pk)
    call_index(world.call_a.pk)
    client.force_login(world.supervisor_a)
    assert client.get(reverse("dashboards:search"), {"q": "900101"}).context["results"].rows == []
    assert client.get(reverse("dashboards:search"), {"q": "공일공"}).context["results"].rows == []
    found = client.get(reverse("dashboards:search"), {"q": "담당"})
    assert len(found.context["results"].rows) == 1 and not _leaks(found.content.decode())


def test_the_call_page_and_the_export_show_masked_text(client, pii_call, world):
    call_analyse(world.call_a.pk)
    client.force_login(world.supervisor_a)
    page = client.get(reverse("calls:detail", args=[world.call_a.pk])).content.decode()
    assert "******-*******" in page and not _leaks(page)
    export = client.get(reverse("dashboards:export"), {"format": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert list(csv.DictReader(io.StringIO(text))) and not _leaks(text)


def test_unmasked_text_needs_the_permission_and_each_view_is_logged(api, pii_call, world):
    url = f"/api/recordings/{pii_call.pk}/segments/?unmasked=1"
    api.force_authenticate(world.supervisor_a)
    refused = api.get(url)
    assert refused.status_code == 403
    assert not AccessLog.objects.filter(action="unmasked_view").exists()

    world.supervisor_a.user_permissions.add(Permission.objects.get(codename="view_unmasked_transcript"))
    supervisor = type(world.supervisor_a).objects.get(pk=world.supervisor_a.pk)  # fresh permission cache
    api.force_authenticate(supervisor)
    shown = api.get(url, REMOTE_ADDR="10.1.2.3")

    assert shown.status_code == 200
    assert shown.json()[1]["text"] == "900101-1234567 이요"
    row = AccessLog.objects.get(action="unmasked_view")
    assert (row.username, row.call_id, row.recording_id, row.ip_address) == (
        "supervisor_a",
        world.call_a.pk,
        pii_call.pk,
        "10.1.2.3",
    )


def test_the_permission_does_not_widen_whose_calls_one_sees(api, pii_call, world):
    world.supervisor_b.user_permissions.add(Permission.objects.get(codename="view_unmasked_transcript"))
    api.force_authenticate(type(world.supervisor_b).objects.get(pk=world.supervisor_b.pk))
    assert api.get(f"/api/recordings/{pii_call.pk}/segments/?unmasked=1").status_code == 404
    assert not AccessLog.objects.filter(call_id=world.call_a.pk).exists()


def test_a_bad_unmasked_value_is_a_400(api, pii_call, world):
    api.force_authenticate(world.supervisor_a)
    assert api.get(f"/api/recordings/{pii_call.pk}/segments/?unmasked=maybe").status_code == 400


def test_the_call_page_shows_the_original_only_with_the_permission_and_logs_it(client, pii_call, world):
    url = reverse("calls:detail", args=[world.call_a.pk])
    client.force_login(world.supervisor_a)
    assert "900101" not in client.get(url, {"unmasked": "1"}).content.decode()

    world.supervisor_a.user_permissions.add(Permission.objects.get(codename="view_unmasked_transcript"))
    page = client.get(url, {"unmasked": "1"}).content.decode()

    assert "900101-1234567" in page
    assert list(AccessLog.objects.filter(call_id=world.call_a.pk).values_list("action", flat=True)) == [
        "unmasked_view",
        "transcript_view",
    ]


def test_saving_a_segment_again_keeps_the_original(pii_call):
    segment = Segment.objects.get(transcript__recording=pii_call, index=1)
    segment.save()
    segment.refresh_from_db()
    assert segment.text == "******-******* 이요" and segment.text_unmasked == "900101-1234567 이요"
