from datetime import date

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from calls.analysis import call_analyse, calls_reanalyse_range
from calls.models import Call


class Command(BaseCommand):
    help = "Re-run the tone analysis on stored transcripts of calls started in a date range."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat, required=True)
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat, required=True)
        parser.add_argument("--team", type=int)
        parser.add_argument("--now", action="store_true", help="analyse here instead of queueing for the worker")

    def handle(self, *args, date_from, date_to, team, now: bool, **options):
        if date_from > date_to:
            raise CommandError("--from is after --to")
        if now:
            calls = Call.objects.filter(
                started_at__date__gte=date_from, started_at__date__lte=date_to, segments__isnull=False
            ).distinct()
            if team:
                calls = calls.filter(team_id=team)
            ids = list(calls.values_list("id", flat=True))
            for call_id in ids:
                call_analyse(call_id)
            self.stdout.write(f"Re-analysed {len(ids)} calls.")
            return
        admin = User.objects.filter(is_superuser=True).first()
        if admin is None:
            raise CommandError("No superuser to act as; use --now")
        count = calls_reanalyse_range(actor=admin, date_from=date_from, date_to=date_to, team_id=team)
        self.stdout.write(f"Queued {count} calls for re-analysis.")
