"""`manage.py render_paper <id> --output FILE [--edition public] [--format docx]`."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports import rendering
from reports.models import PanelPaper


class Command(BaseCommand):
    help = "Render a panel paper (its current draft) to a PDF or Word (.docx) file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paper_id", type=int, help="The paper's id.")
        parser.add_argument(
            "--output", "-o", required=True, help="Where to write the file."
        )
        parser.add_argument(
            "--format",
            choices=("pdf", "docx"),
            default="pdf",
            dest="file_format",
            help="pdf (default) or docx (Word).",
        )
        parser.add_argument(
            "--edition",
            choices=rendering.EDITIONS,
            default=rendering.FULL,
            help="full (default) or public (OFFICIAL-SENSITIVE content left out).",
        )

    def handle(
        self, *args, paper_id: int, output: str, edition: str, file_format: str, **_
    ):
        paper = PanelPaper.objects.filter(pk=paper_id).first()
        if paper is None:
            raise CommandError(f"There is no panel paper with id {paper_id}.")
        started = time.perf_counter()
        if file_format == "docx":
            from reports import docx_paper  # python-docx only when asked for

            data = docx_paper.render_docx(paper, edition=edition)
        else:
            data = rendering.render_pdf(paper, edition=edition)
        elapsed = time.perf_counter() - started
        try:
            Path(output).write_bytes(data)
        except OSError as error:
            raise CommandError(f"Could not write {output}: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote the {edition} edition of “{paper.title}” as "
                f"{file_format.upper()} to {output} "
                f"({len(data):,} bytes, {elapsed:.1f} s)."
            )
        )
