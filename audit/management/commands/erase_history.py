"""`manage.py erase_history --table T --ids 1 2 --reason "..." --requested-by "..."`."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit.erasure import erase_history
from audit.models import Occasion
from audit.sealing import SealError, seal_history


class Command(BaseCommand):
    help = (
        "Erase history rows for a lawful reason (data-protection erasure, court "
        "order): logged, append-only elsewhere, and sealed again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--table", required=True, help="The history table.")
        parser.add_argument(
            "--ids", required=True, nargs="+", type=int, help="History ids to erase."
        )
        parser.add_argument(
            "--reason", required=True, help="The lawful basis, kept in the erasure log."
        )
        parser.add_argument(
            "--requested-by",
            required=True,
            help="Post title of who asked, e.g. 'Data Protection Officer'.",
        )

    def handle(self, *args, table, ids, reason, requested_by, **options):
        try:
            entries = erase_history(
                table=table,
                history_ids=ids,
                reason=reason,
                requested_by=requested_by,
                run_by=getpass.getuser(),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        summary = "; ".join(
            f"{len(entry.history_ids)} rows of {entry.table}" for entry in entries
        )
        self.stdout.write(f"Erased {summary} (erasure log {entries[-1].pk}).")
        try:
            seal = seal_history(
                occasion=Occasion.ERASURE,
                note=f"After erasure {entries[-1].pk}: {summary}",
            )
        except SealError as error:
            raise CommandError(
                f"The erasure is done and logged, but sealing failed: {error} "
                "Run manage.py seal_history."
            ) from error
        self.stdout.write(self.style.SUCCESS(f"Sealed again as seal {seal.number}."))
