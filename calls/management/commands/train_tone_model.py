"""Retrain the learned tone model from the corpus plus reviewers' verdicts and trainers' lines.

    manage.py train_tone_model [--seed 0] [--dry-run] [--reanalyse-days N]

Seeded and reproducible. Prints the validation figures, the test figures of the candidate and of
the model in use, and what changed. The candidate is saved as a new version (and used by every
analysis from then on) only if its test macro-F1 is no worse than the model in use; otherwise the
command says so and exits 1. With --reanalyse-days, the last N days of calls are re-analysed.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from calls.analysis import calls_reanalyse_range
from calls.tone_models import tone_model_train


class Command(BaseCommand):
    help = "Retrain the tone model (seeded); refuses a model worse on the test split than the one in use."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--dry-run", action="store_true", help="train and report, save nothing")
        parser.add_argument("--reanalyse-days", type=int, default=0, help="then re-analyse the last N days")

    def handle(self, *args, seed: int, dry_run: bool, reanalyse_days: int, **options):
        outcome = tone_model_train(seed=seed, dry_run=dry_run)
        report = outcome.report
        self.stdout.write(f"training rows by source: {report['sources']}")
        self.stdout.write(
            f"{'category':<12}{'val P':>7}{'val R':>7}{'val F1':>8}{'thresh':>8}{'test F1':>9}{'in use':>8}"
        )
        for category, figures in report["validation"].items():
            current = (report["test_current"] or {}).get(category, {}).get("F1")
            self.stdout.write(
                f"{category:<12}{figures['P']:7.3f}{figures['R']:7.3f}{figures['F1']:8.3f}{figures['threshold']:8.3f}"
                f"{report['test'][category]['F1']:9.3f}{'' if current is None else f'{current:8.3f}'}"
            )
        current_macro = (report["test_current"] or {}).get("macro_f1")
        self.stdout.write(f"test macro-F1: candidate {report['test']['macro_f1']:.4f}, in use {current_macro}")
        self.stdout.write(f"clean agent lines flagged (test): {report['test']['clean_agent_false_flags']}")
        self.stdout.write(outcome.reason)
        if not outcome.accepted and outcome.reason.startswith("refused"):
            raise CommandError(outcome.reason)
        if outcome.version is not None and reanalyse_days > 0:
            admin = User.objects.filter(is_superuser=True).first()
            if admin is None:
                raise CommandError("No superuser to act as for the re-analysis")
            today = timezone.localdate()
            count = calls_reanalyse_range(actor=admin, date_from=today - timedelta(days=reanalyse_days), date_to=today)
            self.stdout.write(f"Queued {count} calls for re-analysis with model v{outcome.version.version}.")
