"""`manage.py generate_register`: a large synthetic register for benchmarks.

It lives in `reports` because it writes every app's data (risks, alignment links
and a draft panel paper), and only `reports` may import the others.
"""

import os

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.generator import generate_register
from reports.generator_plan import (
    DEFAULT_QUARTERS,
    DEFAULT_SEED,
    DEFAULT_VERSIONS,
    LAST_QUARTER_END,
    Options,
)
from reports.generator_writer import GeneratorRefused
from risks.demo import DEFAULT_PASSWORD


class Command(BaseCommand):
    help = (
        "Generate a large synthetic register for both organisations (MOPAC, MPS): "
        "risks with controls, actions, quarterly reviews, dated history and agreed "
        "alignment links, and a draft panel paper. Deterministic (fixed seed); the "
        f"last quarter ends on {LAST_QUARTER_END:%-d %B %Y}. Users bench-<org>-"
        "governance, -owner and -reader get the password DEMO_PASSWORD (default "
        f"'{DEFAULT_PASSWORD}'). Refuses production settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--risks-per-org", type=int, required=True, metavar="N")
        parser.add_argument(
            "--versions",
            type=int,
            default=DEFAULT_VERSIONS,
            metavar="V",
            help="History rows per risk, its creation included (default "
            f"{DEFAULT_VERSIONS}).",
        )
        parser.add_argument(
            "--quarters",
            type=int,
            default=DEFAULT_QUARTERS,
            metavar="Q",
            help=f"Quarterly reporting periods per organisation (default "
            f"{DEFAULT_QUARTERS}).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args, **options) -> None:
        try:
            settings = Options(
                risks_per_org=options["risks_per_org"],
                versions=options["versions"],
                quarters=options["quarters"],
                seed=options["seed"],
                password=os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Generating {settings.risks_per_org} risks per organisation, "
            f"{settings.versions} versions each, {settings.quarters} quarters:"
        )
        try:
            result = generate_register(settings, report=self.stdout.write)
        except GeneratorRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        counts = ", ".join(f"{n} {name}" for name, n in result.counts.items())
        self.stdout.write(f"Wrote {counts}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated in {result.total_seconds:.1f} s; draft paper "
                f"#{result.paper_id}."
            )
        )
