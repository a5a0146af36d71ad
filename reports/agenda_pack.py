"""A meeting's agenda pack: one tagged PDF of its published items behind a cover.

The cover names the panel, the date and the pack's marking, and lists every
item with the page it starts on. Each paper is its published version's stored
PDF of the edition asked for; each register report is the organisation's
register as at its period end (a ready stored render is reused, as the register
report pages do). The parts are joined with pikepdf by reports/pdf_parts.py, the
same joiner as the register's parts, with one bookmark per item; the pack's
"Page n of N" and the highest marking of its items are then drawn at the foot
of every page, below the items' own footers.

Drafts are never in a pack: a paper without a published version, or a register
whose period is still open, is listed on the cover as not included. The public
edition takes papers' public editions and leaves out a register that prints any
OFFICIAL-SENSITIVE risk, saying so on the cover.
"""

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.text import slugify

from risks.choices import Marking

from . import register_pdf, register_report, selectors
from .models import (
    AgendaItem,
    AgendaItemKind,
    FileFormat,
    Meeting,
    PublicationStatus,
    RegisterReport,
    RegisterReportStatus,
)
from .rendering import EDITIONS, FULL, PUBLIC, w3c_date

# Bump whenever the cover or page furniture changes, so that packs stored with
# the old layout are not served again.
PACK_LAYOUT_VERSION = 1
COVER_TEMPLATE = "reports/pack_cover.html"
NUMBERS_TEMPLATE = "reports/register_page_numbers.html"
STYLESHEETS = ("css/paper.css",)
COVER_TITLE = "Cover and contents"
NOT_PUBLISHED = "Not included: the paper has not been published."
PERIOD_OPEN = "Not included: the reporting period is still open."
SENSITIVE_REGISTER = (
    "Not included in the public edition: the register is OFFICIAL-SENSITIVE."
)
NO_DOCUMENT = "No document: taken at the meeting."
PUBLIC_NOTE = "Public edition: OFFICIAL-SENSITIVE content has been removed."
# Markings in rising order; a pack is marked with the highest of its parts.
MARKING_ORDER = (Marking.OFFICIAL.label, Marking.OFFICIAL_SENSITIVE.label)


def check_edition(edition: str) -> str:
    if edition not in EDITIONS:
        raise ValueError(f"Unknown edition {edition!r}; use one of {EDITIONS}.")
    return edition


def highest(markings) -> str:
    """Return the highest of the markings (labels), OFFICIAL at least."""
    ranks = [MARKING_ORDER.index(m) for m in markings if m in MARKING_ORDER]
    return MARKING_ORDER[max(ranks, default=0)]


@dataclass
class PackItem:
    """One agenda item as the pack holds it (or says why it does not)."""

    item: AgendaItem
    title: str
    # What the item's pages are made from (a file's SHA-256, a register's data
    # version): the pack's key is a digest of these.
    source: str
    note: str = ""  # why it has no pages in the pack
    publication_file: object = None  # a paper's stored PDF of the edition
    first_page: int | None = None
    page_count: int = 0
    marking: str = ""

    @property
    def number(self) -> str:
        return self.item.number

    @property
    def included(self) -> bool:
        return not self.note


def pack_items(meeting: Meeting, edition: str) -> list[PackItem]:
    """Return the meeting's items with what the edition would include of each."""
    check_edition(edition)
    items = list(
        meeting.items.select_related("paper", "period__organisation").prefetch_related(
            "paper__publications"
        )
    )
    papers = [item.paper for item in items if item.paper is not None]
    faces = selectors.published_faces(papers)
    result = []
    for item in items:
        if item.kind == AgendaItemKind.PAPER:
            result.append(_paper_item(item, faces, edition))
        elif item.kind == AgendaItemKind.REGISTER:
            result.append(_register_item(item))
        else:
            result.append(
                PackItem(item=item, title=item.title, source="", note=NO_DOCUMENT)
            )
    return result


def _paper_item(item: AgendaItem, faces: dict, edition: str) -> PackItem:
    published = [
        p
        for p in item.paper.publications.all()
        if p.status == PublicationStatus.PUBLISHED
    ]
    if not published:
        return PackItem(item=item, title="", source="draft", note=NOT_PUBLISHED)
    publication = max(published, key=lambda p: p.version)
    face = faces.get(item.paper_id, item.paper)
    if edition == PUBLIC:
        stored, sha = publication.public_pdf, publication.public_sha256
    else:
        stored, sha = publication.full_pdf, publication.full_sha256
    return PackItem(
        item=item,
        title=item.title or face.title,
        source=f"paper {publication.pk} {sha}",
        publication_file=stored,
    )


def _register_item(item: AgendaItem) -> PackItem:
    period = item.period
    if not period.is_closed:
        return PackItem(item=item, title=item.label, source="open", note=PERIOD_OPEN)
    version = register_report.data_version(period.organisation, period)
    return PackItem(
        item=item,
        title=item.label,
        source=f"register {period.pk} {version.isoformat()} "
        f"{register_pdf.LAYOUT_VERSION}",
    )


def pack_key(meeting: Meeting, edition: str, items: list[PackItem]) -> str:
    """Return the digest of everything the pack is made from."""
    content = {
        "layout": PACK_LAYOUT_VERSION,
        "edition": edition,
        "panel": meeting.panel.name,
        "date": meeting.date.isoformat(),
        "marking": meeting.marking,
        "items": [
            [p.item.number, p.item.kind, p.title, p.source, p.note] for p in items
        ],
    }
    encoded = json.dumps(content, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


# --- Rendering ----------------------------------------------------------------------


def _paper_marking(pdf: bytes) -> str:
    """Read a published paper's marking from its PDF (the keywords it carries)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        keywords = str(document.docinfo.get("/Keywords", ""))
    return keywords if keywords in MARKING_ORDER else Marking.OFFICIAL.label


def _register_pdf(item: PackItem, edition: str) -> tuple[bytes | None, str]:
    """Return the register's PDF as at its period end (None if withheld), marking."""
    period = item.item.period
    organisation = period.organisation
    document = register_report.build_register_report(organisation, period)
    if edition == PUBLIC and document.marking != Marking.OFFICIAL.label:
        return None, document.marking
    stored = (
        RegisterReport.objects.filter(
            organisation=organisation,
            period=period,
            period_label=period.label,
            file_format=FileFormat.PDF,
            data_version=register_report.data_version(organisation, period),
            layout_version=register_pdf.LAYOUT_VERSION,
            status=RegisterReportStatus.READY,
        )
        .exclude(pdf="")
        .first()
    )
    if stored is not None:
        with stored.pdf.open("rb") as file:
            return file.read(), document.marking
    return register_pdf.render_register_pdf(document), document.marking


def page_count(pdf: bytes) -> int:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


@dataclass(frozen=True)
class PackCover:
    """What the cover prints."""

    meeting: Meeting
    edition: str
    marking: str
    items: tuple[PackItem, ...]

    @property
    def is_public(self) -> bool:
        return self.edition == PUBLIC

    @property
    def title(self) -> str:
        return f"Agenda pack: {self.meeting.panel.name}, {self.long_date}"

    @property
    def long_date(self) -> str:
        return date_format(self.meeting.date, "j F Y")

    @property
    def created_w3c(self) -> str:
        return w3c_date(datetime.combine(self.meeting.date, time.min, tzinfo=UTC))

    @property
    def public_note(self) -> str:
        return PUBLIC_NOTE


def _css_page(marking: str) -> SafeString:
    css = register_pdf.css_string
    boxes = {
        "top-left": css("Agenda pack"),
        "top-center": css(marking),
        "top-right": "none",
        "bottom-left": "none",
        "bottom-center": css(marking),
        "bottom-right": "none",
    }
    rules = " ".join(f"@{box} {{ content: {value}; }}" for box, value in boxes.items())
    return SafeString(f"@page {{ {rules} }}")


def render_cover(cover: PackCover) -> bytes:
    """Return the cover and contents as a tagged PDF."""
    from . import pdf_parts
    from .fetcher import STATIC_BASE_URL, SafeFetcher

    html = render_to_string(
        COVER_TEMPLATE,
        {
            "cover": cover,
            "stylesheets": STYLESHEETS,
            "page_css": _css_page(cover.marking),
        },
    )
    return pdf_parts.render(html, STATIC_BASE_URL, SafeFetcher())


def numbers_html(total: int, marking: str) -> str:
    """Pages blank but for "<marking> · Agenda pack · Page n of N" at the very foot."""
    css = register_pdf.css_string
    blank = (
        "top-left",
        "top-center",
        "top-right",
        "bottom-left",
        "bottom-right",
    )
    rules = " ".join(f"@{box} {{ content: none; }}" for box in blank)
    number = (
        f"{css(f'{marking} · Agenda pack · Page ')} counter(page) {css(f' of {total}')}"
    )
    # A 5 mm bottom margin: the pack's line sits below the items' own footers.
    page = (
        f"@page {{ margin: 24mm 20mm 5mm 20mm; {rules} "
        f"@bottom-center {{ content: {number}; font-size: 7pt; "
        "font-weight: normal; vertical-align: middle; } } "
        ".register-page-number + .register-page-number { break-before: page; }"
    )
    return render_to_string(
        NUMBERS_TEMPLATE,
        {
            "pages": range(1, total + 1),
            "stylesheets": STYLESHEETS,
            "page_css": SafeString(page),
        },
    )


def render_pack(meeting: Meeting, edition: str, items: list[PackItem]) -> bytes:
    """Return the pack as one tagged PDF; same items, same bytes."""
    from weasyprint import HTML

    from . import pdf_parts
    from .fetcher import STATIC_BASE_URL, SafeFetcher

    check_edition(edition)
    parts: list[bytes] = []
    markings = [meeting.get_marking_display()] if edition == FULL else []
    for item in items:
        if item.item.kind == AgendaItemKind.PAPER and item.included:
            with item.publication_file.open("rb") as file:
                pdf = file.read()
            item.marking = _paper_marking(pdf)
        elif item.item.kind == AgendaItemKind.REGISTER and item.included:
            pdf, item.marking = _register_pdf(item, edition)
            if pdf is None:
                item.note = SENSITIVE_REGISTER
        else:
            pdf = None
        if pdf is not None:
            item.page_count = page_count(pdf)
            parts.append(pdf)
            markings.append(item.marking)
    marking = Marking.OFFICIAL.label if edition == PUBLIC else highest(markings)
    cover = PackCover(
        meeting=meeting, edition=edition, marking=marking, items=tuple(items)
    )
    # The contents give each item's first page, which depends on the cover's own
    # length: lay it out until the count it assumes is the count it has.
    cover_pages = 1
    for _ in range(3):
        page = cover_pages + 1
        for item in items:
            item.first_page = page if item.included else None
            page += item.page_count
        cover_pdf = render_cover(cover)
        if page_count(cover_pdf) == cover_pages:
            break
        cover_pages = page_count(cover_pdf)
    total = page - 1
    numbers = HTML(
        string=numbers_html(total, marking),
        base_url=STATIC_BASE_URL,
        url_fetcher=SafeFetcher(),
    ).write_pdf()
    titles = [COVER_TITLE] + [
        f"{item.number} {item.title}" for item in items if item.page_count
    ]
    return pdf_parts.join([cover_pdf, *parts], [numbers], titles=titles)


def pack_filename(meeting: Meeting, edition: str) -> str:
    """Return e.g. 2019-09-18-mps-mopac-joint-audit-panel-agenda-pack.pdf."""
    words = f"{meeting.date:%Y-%m-%d} {meeting.panel.name} agenda pack"
    if edition == PUBLIC:
        words += " public"
    return f"{slugify(words)[:120]}.pdf"
