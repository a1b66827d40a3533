from django.core.management.base import BaseCommand

from calls.rulebook import rulebook_load_starter


class Command(BaseCommand):
    help = "Add the shipped starter tone rules that are missing from the rulebook (--replace resets them)."

    def add_arguments(self, parser):
        parser.add_argument("--replace", action="store_true", help="overwrite edited starter rules (new versions)")

    def handle(self, *args, replace: bool, **options):
        count = rulebook_load_starter(replace=replace)
        self.stdout.write(f"{count} starter rules written.")
