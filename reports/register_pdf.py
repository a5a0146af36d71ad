"""One organisation's register report as a document: HTML for the preview, a tagged PDF.

Built on the paper renderer: the same restricted URL fetcher, the paper's
stylesheet (with css/register.css on top), PDF/UA-1 tagging and document dates
taken from the data (reports/register_report.py), so that the same register
always gives the same bytes. A large register is rendered in parts on several
processes and joined (reports/pdf_parts.py).
"""

import itertools
import logging
import os
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.text import slugify

from risks.models import Organisation, ReportingPeriod

from .register_report import TITLE, RegisterReportDocument, ReportRisk

logger = logging.getLogger(__name__)

TEMPLATE = "reports/register.html"
NUMBERS_TEMPLATE = "reports/register_page_numbers.html"
# The paper's stylesheet first, then the register's additions (both allow-listed
# in reports/fetcher.py).
STYLESHEETS = ("css/paper.css", "css/register.css")
# Stored renders are reused while the data is unchanged (register_services.py):
# bump this whenever the template or stylesheets change what the PDF looks like,
# so that renders made with the old layout are not served again.
LAYOUT_VERSION = 6


def css_string(text: str) -> str:
    """Quote text as a CSS string; anything but letters, digits and spaces escaped."""
    escaped = "".join(
        char
        if char.isascii() and (char.isalnum() or char == " ")
        else f"\\{ord(char):x} "
        for char in text
    )
    return f'"{escaped}"'


def page_css(document: RegisterReportDocument, *, numbered: bool = True) -> SafeString:
    """Return the @page rule with the running texts as literal strings."""
    period = f"{document.period.label}, as at {date_format(document.as_at, 'j F Y')}"
    boxes = {
        "top-left": css_string(document.running_name),
        "top-center": css_string(document.marking),
        "top-right": css_string(period),
        "bottom-center": css_string(document.marking),
    }
    if not numbered:
        boxes["bottom-right"] = "none"
    rules = " ".join(f"@{box} {{ content: {value}; }}" for box, value in boxes.items())
    return SafeString(f"@page {{ {rules} }}")


@dataclass(frozen=True)
class Part:
    """The risks one part of the report prints, and where it starts and stops."""

    risks: tuple[ReportRisk, ...]
    continuation: bool = False  # starts inside the Risks section
    continues: bool = False  # stops after its entries


def _weight(risk: ReportRisk) -> int:
    """Roughly how much text an entry prints (layout time follows the lines)."""
    return (
        250
        + len(risk.title)
        + len(risk.statement)
        + sum(len(c.description) + 60 for c in risk.controls)
        + sum(len(a.description) + 90 for a in risk.actions)
    )


def split_parts(document: RegisterReportDocument) -> list[Part]:
    """Cut the risks into parts of about equal text, counting the summary's lines.

    One part for every REGISTER_PDF_PART_RISKS open risks (started), at most
    REGISTER_PDF_MAX_PARTS. The count depends on the data and settings alone,
    never on the machine, so the same register gives the same bytes anywhere.
    """
    part_risks = settings.REGISTER_PDF_PART_RISKS
    max_parts = settings.REGISTER_PDF_MAX_PARTS
    risks = document.risks
    count = min(max_parts, -(-len(risks) // part_risks), len(risks))
    if count <= 1:
        return [Part(risks)]
    # The summary's lines: one per risk at a glance, outside appetite or overdue.
    summary = 4000 + 110 * (
        len(risks) + len(document.outside_appetite) + len(document.overdue_actions)
    )
    weights = [_weight(risk) for risk in risks]
    total = summary + sum(weights)
    # Cut before the entry that takes the text so far past the next share, but
    # leave every part at least one entry.
    cuts, running = [], summary + weights[0]
    for index in range(1, len(risks)):
        share = total * (len(cuts) + 1) / count
        room = len(risks) - index > count - 1 - len(cuts)
        if len(cuts) < count - 1 and (running + weights[index] / 2 > share or not room):
            cuts.append(index)
        running += weights[index]
    bounds = [0, *cuts, len(risks)]
    last = len(bounds) - 2
    return [
        Part(risks[start:end], continuation=i > 0, continues=i < last)
        for i, (start, end) in enumerate(itertools.pairwise(bounds))
    ]


def render_register_html(
    document: RegisterReportDocument, part: Part | None = None, *, numbered=True
) -> str:
    """Return the report, or one part of it, as a standalone HTML document."""
    part = part or Part(document.risks)
    return render_to_string(
        TEMPLATE,
        {
            "doc": document,
            "risks": part.risks,
            "continuation": part.continuation,
            "continues": part.continues,
            "stylesheets": STYLESHEETS,
            "page_css": page_css(document, numbered=numbered),
        },
    )


def page_numbers_html(first: int, last: int, total: int) -> str:
    """Return pages first to last, blank but for "Page n of N" in the footer.

    Counted by CSS from `first` (cheaper to lay out than a string per page).
    """
    blank = ("top-left", "top-center", "top-right", "bottom-center")
    rules = " ".join(f"@{box} {{ content: none; }}" for box in blank)
    number = f'"Page " counter(page) {css_string(f" of {total}")}'
    return render_to_string(
        NUMBERS_TEMPLATE,
        {
            "pages": range(first, last + 1),
            "stylesheets": STYLESHEETS,
            "page_css": SafeString(
                f"@page {{ {rules} @bottom-right {{ content: {number}; }} }} "
                f"@page :first {{ counter-reset: page {int(first)}; }}"
            ),
        },
    )


def render_register_pdf(
    document: RegisterReportDocument, figures: dict | None = None
) -> bytes:
    """Return the report as a tagged PDF (PDF/UA-1); same data, same bytes.

    A large register is rendered in parts on as many processes as the machine
    has cores (up to the number of parts), then joined; where worker processes
    cannot run, it is rendered in one piece instead. `figures`, if given, is
    filled with how the render went (for the benchmarks).
    """
    # Imported here, as in rendering.py: WeasyPrint is heavy.
    from . import pdf_parts
    from .fetcher import STATIC_BASE_URL, SafeFetcher, preloaded_resources

    whole = (STATIC_BASE_URL, SafeFetcher())
    parts = split_parts(document)
    if figures is not None:
        figures["parts"] = len(parts)
    if len(parts) == 1:
        return pdf_parts.render(render_register_html(document), *whole)
    renderer = pdf_parts.ParallelRender(
        base_url=STATIC_BASE_URL,
        resources=preloaded_resources(),
        workers=min(len(parts), os.cpu_count() or 1),
    )
    try:
        pdf = renderer.run(
            [
                partial(render_register_html, document, part, numbered=False)
                for part in parts
            ],
            page_numbers_html,
        )
    except (BrokenProcessPool, OSError):
        # A worker died (out of memory, say) or none could start: a slower PDF
        # in one piece beats no PDF.
        logger.warning(
            "Register PDF of %s: worker processes failed, rendering in one piece",
            document.organisation.short_name,
            exc_info=True,
        )
        if figures is not None:
            figures["parts"] = 1
        return pdf_parts.render(render_register_html(document), *whole)
    if figures is not None:
        figures.update(renderer.figures)
    return pdf


def register_pdf_filename(organisation: Organisation, period: ReportingPeriod) -> str:
    """Return e.g. mopac-corporate-risk-register-2019-20-q2-as-at-2019-09-30.pdf."""
    label = period.label.replace("/", "-")  # 2019/20 Q2 -> 2019-20-q2
    words = f"{organisation.short_name} {TITLE} {label} as at {period.end}"
    return f"{slugify(words)[:120]}.pdf"
