"""Segment text is stored masked (pii.mask_pii); the original moves to `text_unmasked`.

Segments stored before this are masked here, the flags' excerpts taken again from the masked
text, the search index rebuilt and the alerts' quotes masked for the calls that changed, so
`?q=900101` finds nothing.
"""

from collections import defaultdict

from django.db import migrations, models


def mask_stored_segments(apps, schema_editor):
    from pii import mask_transcript, mask_words

    Segment = apps.get_model("calls", "Segment")
    Flag = apps.get_model("calls", "Flag")
    changed_calls = set()
    by_transcript = defaultdict(list)
    for segment in Segment.objects.order_by("transcript_id", "index").iterator(chunk_size=2000):
        if segment.transcript_id not in by_transcript and len(by_transcript) >= 500:
            # flush whole transcripts only: each segment is read after the one before it
            changed_calls |= _mask(by_transcript, Segment, Flag, mask_transcript, mask_words)
            by_transcript.clear()
        by_transcript[segment.transcript_id].append(segment)
    changed_calls |= _mask(by_transcript, Segment, Flag, mask_transcript, mask_words)
    if changed_calls:
        _reindex(apps, changed_calls)
        # Alerts quote the transcript too.
        from pii import mask_pii

        Notification = apps.get_model("calls", "Notification")
        notes = list(Notification.objects.filter(call_id__in=changed_calls))
        for note in notes:
            note.message = mask_pii(note.message)[0]
        Notification.objects.bulk_update(notes, ["message"], batch_size=500)


def _mask(by_transcript, Segment, Flag, mask_transcript, mask_words) -> set[int]:
    changed = []
    for segments in by_transcript.values():
        for segment, (masked, spans) in zip(segments, mask_transcript(s.text for s in segments), strict=True):
            if spans:
                segment.words = mask_words(segment.words or [], segment.text, masked)
                segment.text_unmasked, segment.text = segment.text, masked
                changed.append(segment)
    if not changed:
        return set()
    Segment.objects.bulk_update(changed, ["text", "text_unmasked", "words"], batch_size=500)
    texts = {s.pk: s.text for s in changed}
    flags = list(Flag.objects.filter(segment_id__in=texts))
    for flag in flags:
        flag.excerpt = texts[flag.segment_id][flag.start : flag.end][:300]
    Flag.objects.bulk_update(flags, ["excerpt"], batch_size=500)
    return {s.call_id for s in changed}


def _reindex(apps, call_ids) -> None:
    from dashboards.services import text_terms

    Segment = apps.get_model("calls", "Segment")
    SegmentIndex = apps.get_model("dashboards", "SegmentIndex")
    for call_id in call_ids:
        segments = list(Segment.objects.filter(call_id=call_id).only("id", "text"))
        terms = dict(zip((s.pk for s in segments), text_terms(s.text for s in segments), strict=True))
        rows = list(SegmentIndex.objects.filter(call_id=call_id))
        for row in rows:
            row.terms = terms.get(row.segment_id, row.terms)
        SegmentIndex.objects.bulk_update(rows, ["terms"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0008_legal_hold_and_retention_log"),
        ("dashboards", "0002_search_gin"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="segment",
            options={
                "ordering": ["transcript", "index"],
                "permissions": [
                    ("view_unmasked_transcript", "Can view transcripts with personal numbers unmasked")
                ],
            },
        ),
        migrations.AddField(
            model_name="segment",
            name="text_unmasked",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(mask_stored_segments, migrations.RunPython.noop),
    ]
