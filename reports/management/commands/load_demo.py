"""`manage.py load_demo`: demo users, the 2019 registers, and the years since.

2019 is the reference paper's year: its registers, alignment and paper are
loaded exactly as they were. The registers are then carried forward quarter by
quarter to the quarter holding today (or `--until`). It lives in `reports`
because it loads every app's demo, and only `reports` may import the others.
"""

import logging
import os
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from alignment.demo import load_demo_links
from notifications.services import suppressed
from reports.demo import load_demo_paper, load_demo_question
from reports.demo_forward import (
    LAST_2019_DAY,
    CarryResult,
    carry_forward,
)
from risks.cycle import quarter_of
from risks.demo import DEFAULT_PASSWORD, is_production_settings, load_demo


@contextmanager
def _task_lines_quiet() -> Iterator[None]:
    """Keep the seals' task log lines (two per closed quarter) out of `make run`."""
    logger = logging.getLogger("django.tasks")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _until(raw: str | None) -> date:
    """Read --until: a date from 30 September 2019 to today."""
    today = timezone.localdate()
    if raw is None:
        return today
    try:
        until = date.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f"--until must be a date as YYYY-MM-DD, not {raw!r}."
        ) from None
    if until < LAST_2019_DAY:
        raise CommandError(
            f"--until must be on or after {LAST_2019_DAY:%Y-%m-%d}: the demo starts "
            "with the registers of 30 September 2019."
        )
    if until > today:
        raise CommandError(
            f"--until cannot be later than today ({today:%Y-%m-%d}): history is "
            "never dated in the future."
        )
    return until


class Command(BaseCommand):
    help = (
        "Load the demo organisations, users, the MOPAC and MPS registers of 2019 and "
        "their paper, and carry the registers forward to the quarter holding today "
        "or --until (idempotent). Password from DEMO_PASSWORD, default "
        f"'{DEFAULT_PASSWORD}'."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--until",
            metavar="YYYY-MM-DD",
            help="Carry the demo to this day instead of today; "
            f"{LAST_2019_DAY:%Y-%m-%d} loads 2019 alone.",
        )

    def handle(self, *args, **options) -> None:
        # Demo users have a published password: they must never reach a live system.
        if is_production_settings():
            raise CommandError(
                f"load_demo refuses to run under production settings "
                f"({settings.SETTINGS_MODULE}): the demo users' password is public."
            )
        until = _until(options["until"])
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        started = clock.perf_counter()
        users = get_user_model().objects
        tz = ZoneInfo(settings.TIME_ZONE)
        # What the demo records happened years ago: it e-mails no one.
        # The quarters it closes are sealed after commit, still inside the first.
        with _task_lines_quiet(), suppressed(), transaction.atomic():
            result = load_demo(password=password)
            links = load_demo_links()
            paper = load_demo_paper(
                user=users.get(username="mopac-governance"),
                at=datetime(2019, 9, 2, 10, 0, tzinfo=tz),
            )
            load_demo_question(
                paper,
                asker=users.get(username="panel-member"),
                answerer=users.get(username="met-governance"),
                at=datetime(2019, 9, 10, 10, 0, tzinfo=tz),
            )
            loaded_2019 = clock.perf_counter()
            carried = carry_forward(until=until)
        if links:
            self.stdout.write(f"Added {links} alignment links (one left proposed).")
        self.stdout.write(f"Demo paper: {paper} (draft, awaiting clearance).")
        if result.registers_loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo: {result.users} users and {result.risks} "
                    "risks with their 2019 history."
                )
            )
        else:
            self.stdout.write(
                f"Demo data already loaded ({result.risks} risks); nothing added. "
                f"The {result.users} demo users and their passwords were reset."
            )
        self._report_carry(
            carried,
            until,
            seconds_2019=loaded_2019 - started,
            seconds=clock.perf_counter() - loaded_2019,
        )

    def _report_carry(
        self, carried: CarryResult, until: date, *, seconds_2019: float, seconds: float
    ) -> None:
        if carried.left_alone:
            self.stdout.write(
                self.style.WARNING(
                    f"The registers were not carried forward: {carried.left_alone}"
                )
            )
        elif carried.already_at:
            self.stdout.write(
                f"The registers were carried forward to {carried.already_at} before; "
                "nothing added."
            )
            now = quarter_of(until).label
            if carried.already_at != now:
                self.stdout.write(
                    self.style.WARNING(
                        f"The quarter is now {now}: to carry the demo to it, load it "
                        "into an empty database (for the SQLite default, remove "
                        "var/db.sqlite3 and run `make run` again)."
                    )
                )
        elif carried.carried_to:
            counts = carried.counts
            self.stdout.write(
                self.style.SUCCESS(
                    f"Carried the registers forward to {carried.carried_to} "
                    f"(as on {until:%-d %B %Y}): {counts['periods added']} periods, "
                    f"{counts['risks added']} new risks, {counts['reviews added']} "
                    f"reviews, {counts['actions added']} new actions; draft paper "
                    f"for {carried.paper.meeting_date:%-d %B %Y}. Took {seconds:.1f} s "
                    f"after {seconds_2019:.1f} s for 2019 and the demo users."
                )
            )
        else:
            self.stdout.write("The registers stay as at 30 September 2019.")
