from django.core.management.base import BaseCommand

from coaching.services import coaching_suggestions_refresh


class Command(BaseCommand):
    help = "Suggest coaching modules where an agent's flag rate crossed COACHING_SUGGESTION_RATE."

    def handle(self, *args, **options) -> None:
        suggestions = coaching_suggestions_refresh()
        self.stdout.write(f"{len(suggestions)} open suggestion(s) created or refreshed.")
