"""`manage.py render_paper <id> --output FILE [--edition public]`."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports import rendering
from reports.models import PanelPaper


class Command(BaseCommand):
    help = "Render a panel paper (its current draft) to a PDF file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paper_id", type=int, help="The paper's id.")
        parser.add_argument(
            "--output", "-o", required=True, help="Where to write the PDF."
        )
        parser.add_argument(
            "--edition",
            choices=rendering.EDITIONS,
            default=rendering.FULL,
            help="full (default) or public (OFFICIAL-SENSITIVE content left out).",
        )

    def handle(self, *args, paper_id: int, output: str, edition: str, **options):
        paper = PanelPaper.objects.filter(pk=paper_id).first()
        if paper is None:
            raise CommandError(f"There is no panel paper with id {paper_id}.")
        started = time.perf_counter()
        data = rendering.render_pdf(paper, edition=edition)
        elapsed = time.perf_counter() - started
        try:
            Path(output).write_bytes(data)
        except OSError as error:
            raise CommandError(f"Could not write {output}: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote the {edition} edition of “{paper.title}” to {output} "
                f"({len(data):,} bytes, {elapsed:.1f} s)."
            )
        )
