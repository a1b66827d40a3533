"""Build the transcript search index for calls that have segments but no index rows yet.

manage.py search_reindex [--all]
"""

from django.core.management.base import BaseCommand

from calls.models import Segment
from dashboards.models import SegmentIndex
from dashboards.services import call_index


class Command(BaseCommand):
    help = "Index transcripts for search (only the missing ones unless --all)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="re-index every call with a transcript")

    def handle(self, *args, **opts):
        call_ids = set(Segment.objects.values_list("call_id", flat=True).distinct())
        if not opts["all"]:
            call_ids -= set(SegmentIndex.objects.values_list("call_id", flat=True).distinct())
        rows = sum(call_index(call_id) for call_id in sorted(call_ids))
        self.stdout.write(self.style.SUCCESS(f"indexed {len(call_ids)} calls, {rows} segments"))
