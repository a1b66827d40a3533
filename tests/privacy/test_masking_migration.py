"""Segments stored before masking existed are masked by the migration, with their flags and index."""

import importlib

from django.apps import apps

from calls.analysis import call_analyse
from calls.models import Flag, Notification, Segment
from dashboards.models import SegmentIndex
from dashboards.services import call_index

migration = importlib.import_module("calls.migrations.0009_segment_text_masked")


def test_the_migration_masks_old_segments_their_flag_excerpts_and_their_search_terms(pii_call, world):
    call_analyse(world.call_a.pk)
    call_index(world.call_a.pk)
    # As before masking: the original text in `text`, in the flags and in the index.
    for segment in Segment.objects.filter(call=world.call_a).exclude(text_unmasked=""):
        Segment.objects.filter(pk=segment.pk).update(text=segment.text_unmasked, text_unmasked="")
    Flag.objects.filter(call=world.call_a).update(excerpt="old excerpt")
    SegmentIndex.objects.filter(call=world.call_a).update(terms=" 900101-1234567 주민등록번호 ")
    note = Notification.objects.create(
        recipient=world.supervisor_a, kind="abuse", call=world.call_a, message="“900101-1234567 이요”"
    )
    assert Segment.objects.filter(text__contains="900101").exists()

    migration.mask_stored_segments(apps, None)

    assert not Segment.objects.filter(text__contains="900101").exists()
    assert Segment.objects.get(call=world.call_a, index=1).text_unmasked == "900101-1234567 이요"
    assert Segment.objects.get(call=world.call_a, index=5).text == "****이요"  # context from the segment before
    changed = Flag.objects.filter(call=world.call_a).exclude(segment__text_unmasked="")
    assert changed.exists()
    for flag in changed:
        assert flag.excerpt == flag.segment.text[flag.start : flag.end]
    assert not SegmentIndex.objects.filter(terms__contains="900101").exists()
    note.refresh_from_db()
    assert note.message == "“******-******* 이요”"

    migration.mask_stored_segments(apps, None)  # running it again changes nothing
    assert Segment.objects.get(call=world.call_a, index=1).text_unmasked == "900101-1234567 이요"
