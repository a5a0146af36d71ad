"""`manage.py seal_history [--occasion daily] [--note TEXT] [--enqueue]`."""

from django.core.management.base import BaseCommand, CommandError

from audit.models import Occasion
from audit.sealing import SealError, seal_history
from audit.tasks import seal_history_task
from audit.verification import when

CHOICES = [Occasion.MANUAL, Occasion.DAILY]


class Command(BaseCommand):
    help = "Seal every history row added since the last seal (a chained digest)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--occasion",
            choices=CHOICES,
            default=Occasion.MANUAL,
            help="Why the seal is made: manual (default) or daily (the timer's run).",
        )
        parser.add_argument("--note", default="", help="A note kept with the seal.")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the seal to the task workers (db_worker), not seal here.",
        )

    def handle(self, *args, occasion: str, note: str, enqueue: bool, **options):
        if enqueue:
            result = seal_history_task.enqueue(occasion=occasion, note=note)
            self.stdout.write(f"Seal queued as task {result.id}.")
            return
        try:
            seal = seal_history(occasion=occasion, note=note)
        except SealError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Seal {seal.number}: {seal.row_count:,} new history rows sealed "
                f"{when(seal.sealed_at)}, digest {seal.digest}."
            )
        )
