"""`manage.py verify_history`: exit 0 if every seal matches the history, else 1."""

import sys

from django.core.management.base import BaseCommand

from audit.verification import verify_history


class Command(BaseCommand):
    help = (
        "Recompute every seal over the stored history; name the first table and "
        "history id that no longer match."
    )

    def handle(self, *args, **options):
        outcome = verify_history()
        if not outcome.ok:
            self.stderr.write(self.style.ERROR(outcome.message))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(outcome.message))
        if outcome.unsealed:
            self.stdout.write(
                f"{outcome.unsealed:,} rows written since then await the next seal."
            )
