"""`manage.py load_demo`: demo users, the 2019 registers, their alignment and paper.

It lives in `reports` because it loads every app's demo, and only `reports` may
import the others.
"""

import os
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from alignment.demo import load_demo_links
from reports.demo import load_demo_paper
from risks.demo import DEFAULT_PASSWORD, is_production_settings, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo organisations, users and the MOPAC and MPS registers as at "
        "September 2019 (idempotent). Password from DEMO_PASSWORD, default "
        f"'{DEFAULT_PASSWORD}'."
    )

    def handle(self, *args, **options) -> None:
        # Demo users have a published password: they must never reach a live system.
        if is_production_settings():
            raise CommandError(
                f"load_demo refuses to run under production settings "
                f"({settings.SETTINGS_MODULE}): the demo users' password is public."
            )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        with transaction.atomic():
            result = load_demo(password=password)
            links = load_demo_links()
            paper = load_demo_paper(
                user=get_user_model().objects.get(username="mopac-governance"),
                at=datetime(2019, 9, 2, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE)),
            )
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
