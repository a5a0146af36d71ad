"""Email each risk owner one digest of their due reviews and overdue actions.

Safe to run from cron as often as you like: nobody gets more than one digest a
day, and nobody with nothing due gets one at all.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import pluralize
from django.utils import timezone

from risks.reminders import send_reminders


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    # Run from cron: any output is mailed to the operator every day, so leave the
    # system checks (and their known warnings) to deploys and `manage.py check`.
    requires_system_checks = []
    help = (
        "Email each risk owner (or delegate) one digest of the reviews not yet "
        "recorded in the current open periods and their overdue actions. At most "
        "one digest per person per day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            dest="day",
            help="The day to remind for, YYYY-MM-DD (default: today).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would get a digest; send and record nothing.",
        )

    def handle(self, *args, day: str | None, dry_run: bool, verbosity: int, **opts):
        today = _day(day) if day else timezone.localdate()
        run = send_reminders(today=today, dry_run=dry_run)
        if dry_run:
            for digest in run.would_send:
                self.stdout.write(
                    f"Would send to {digest.user.get_username()}: {digest.summary()}"
                )
        elif verbosity > 1:
            for digest in run.sent:
                self.stdout.write(
                    f"Sent to {digest.user.get_username()}: {digest.summary()}"
                )
        if verbosity > 1:
            for name, why in run.skipped:
                self.stdout.write(f"Skipped {name}: {why}")
        skipped = len(run.skipped)
        if dry_run:
            self.stdout.write(
                f"Dry run: would send {len(run.would_send)} "
                f"digest{pluralize(len(run.would_send))}, skipped {skipped}"
            )
        else:
            # The summary's wording is fixed: cron mail filters and scripts read it.
            self.stdout.write(
                f"Sent {len(run.sent)} digest{pluralize(len(run.sent))}, "
                f"skipped {skipped}"
            )
        if run.failed:
            # Their claims were undone, so the next run tries them again.
            raise CommandError(
                f"Could not send {len(run.failed)} digest(s), to "
                f"{', '.join(run.failed)}; the next run will try again."
            )
