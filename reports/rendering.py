"""The joint Audit Panel paper as a document: HTML for the preview, PDF for the panel.

The PDF is tagged (PDF/UA-1), carries the protective marking on every page and
is byte-for-byte reproducible: its dates come from the paper's own history, so
the same data always gives the same bytes (and the same SHA-256).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.db.models import Max, Min, Subquery
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.text import slugify

from risks.choices import Marking

from .appendix import Appendix, build_appendix
from .markdown import render_markdown
from .models import (
    CLOSING_KINDS,
    SUMMARY_KINDS,
    PanelPaper,
    PanelRequest,
    PaperSection,
    RequestStatus,
    SectionKind,
)

FULL = "full"
PUBLIC = "public"
EDITIONS = (FULL, PUBLIC)

# The headings the reference paper uses for the standard parts.
STANDARD_HEADINGS = {
    SectionKind.SUMMARY: "Overall Summary of the Purpose of the Report",
    SectionKind.KEY_CONSIDERATIONS: "Key Considerations for the Panel",
    SectionKind.INTERDEPENDENCIES: "Interdependencies/Cross Cutting Issues",
    SectionKind.RECOMMENDATIONS: "Recommendations",
    SectionKind.EQUALITY: "Equality and Diversity Impact",
    SectionKind.FINANCIAL: "Financial Implications",
    SectionKind.LEGAL: "Legal Implications",
    SectionKind.RISK: "Risk Implications",
    SectionKind.CONTACT: "Contact Details",
    SectionKind.APPENDICES: "Appendices and Background Papers",
}
ORAL_UPDATE = "An oral update will be given at the meeting."
WITHHELD = (
    "This section is OFFICIAL-SENSITIVE and is not included in the public edition."
)
PUBLIC_NOTE = "Public edition: OFFICIAL-SENSITIVE content has been removed."
REDACTED_RISK = (
    "Details of this OFFICIAL-SENSITIVE risk are not included in the public edition."
)
MATTERS_ARISING = "Matters arising"
NO_MATTERS_ARISING = "The Panel has no requests due at this meeting."
REQUEST_WITHHELD = (
    "This request is OFFICIAL-SENSITIVE and is not included in the public edition."
)


@dataclass(frozen=True)
class MatterArising:
    """One request of the Panel due at the paper's meeting, as the paper prints it."""

    text: str
    withheld: bool
    is_sensitive: bool
    raised: str  # "19 June 2019"
    owner: str  # "MOPAC, Chief Finance Officer"
    status: str
    answered: str  # where it is answered, or "" while open


@dataclass(frozen=True)
class RenderedSection:
    pk: int
    kind: str
    title: str
    html: SafeString
    oral_update: bool
    withheld: bool
    is_sensitive: bool

    @property
    def anchor(self) -> str:
        return f"section-{self.pk}"


@dataclass(frozen=True)
class PaperDocument:
    """Everything the paper template prints, for one edition."""

    paper: PanelPaper
    edition: str
    summary: tuple[RenderedSection, ...]
    body: tuple[RenderedSection, ...]
    closing: tuple[RenderedSection, ...]
    appendix: Appendix
    created: datetime
    modified: datetime
    oral_update_text: str = ORAL_UPDATE
    withheld_text: str = WITHHELD
    public_note: str = PUBLIC_NOTE
    redacted_risk_text: str = REDACTED_RISK
    # The generated "Matters arising" section, when the paper includes it.
    show_matters_arising: bool = False
    matters_arising: tuple[MatterArising, ...] = ()
    matters_arising_title: str = MATTERS_ARISING
    no_matters_arising_text: str = NO_MATTERS_ARISING
    withheld_request_text: str = REQUEST_WITHHELD

    @property
    def is_public(self) -> bool:
        return self.edition == PUBLIC

    @property
    def marking(self) -> str:
        """The edition's marking: raised to OFFICIAL-SENSITIVE by what it prints."""
        if self.is_public:
            return Marking.OFFICIAL.label
        sensitive = (
            self.paper.marking == Marking.OFFICIAL_SENSITIVE
            or any(s.is_sensitive for s in (*self.summary, *self.body, *self.closing))
            or self.appendix.has_sensitive
            or any(m.is_sensitive for m in self.matters_arising)
        )
        return (Marking.OFFICIAL_SENSITIVE if sensitive else Marking.OFFICIAL).label

    @property
    def agenda_label(self) -> str:
        return f"Agenda item {self.paper.agenda_item}"

    @property
    def created_w3c(self) -> str:
        return w3c_date(self.created)

    @property
    def modified_w3c(self) -> str:
        return w3c_date(self.modified)


def w3c_date(moment: datetime) -> str:
    """Write a moment as the W3C date-time PDF metadata carries (UTC, seconds)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def check_edition(edition: str) -> str:
    if edition not in EDITIONS:
        raise ValueError(f"Unknown edition {edition!r}; use one of {EDITIONS}.")
    return edition


def _rendered(section: PaperSection, *, public: bool, links: bool) -> RenderedSection:
    withheld = public and section.is_sensitive
    is_summary = section.kind in SUMMARY_KINDS
    html = (
        SafeString("")
        if withheld
        else render_markdown(
            section.body,
            top_heading=4 if is_summary else 3,
            links=links,
            lettered=section.kind == SectionKind.RECOMMENDATIONS,
        )
    )
    return RenderedSection(
        pk=section.pk,
        kind=section.kind,
        title=section.heading or STANDARD_HEADINGS.get(section.kind, section.title),
        html=html,
        oral_update=section.oral_update and not withheld,
        withheld=withheld,
        is_sensitive=section.is_sensitive,
    )


def _history_dates(paper: PanelPaper) -> tuple[datetime, datetime]:
    """Return when the paper was created and last changed, from its history."""
    # One query: the paper's first and last history dates and its sections' last.
    own = (
        PanelPaper.history.filter(id=paper.pk)
        .order_by()
        .values("id")
        .annotate(
            first=Min("history_date"),
            last=Max("history_date"),
            sections_last=Subquery(
                PaperSection.history.filter(paper_id=paper.pk)
                .order_by("-history_date")
                .values("history_date")[:1]
            ),
        )
        .order_by("id")
        .first()
    ) or {"first": None, "last": None, "sections_last": None}
    fallback = datetime.combine(paper.meeting_date, time.min, tzinfo=UTC)
    created = own["first"] or fallback
    modified = max(d for d in (own["last"], own["sections_last"], created) if d)
    return created, modified


def _answered(request: PanelRequest, paper: PanelPaper) -> str:
    """Say where a request is answered: this paper, or another agenda item."""
    if request.answered_by is None:
        return ""
    answer = request.answered_by
    where = (
        "In this paper"
        if answer.pk == paper.pk
        else f"Agenda item {answer.agenda_item}, {answer.title}"
    )
    return f"{where}, {request.answered_in}" if request.answered_in else where


def build_matters_arising(
    paper: PanelPaper, *, public: bool
) -> tuple[MatterArising, ...]:
    """Return the requests due at the paper's meeting (one query), oldest first."""
    if paper.panel_meeting_id is None:
        return ()
    requests = (
        PanelRequest.objects.filter(due_at_id=paper.panel_meeting_id)
        .select_related("raised_at", "owner_organisation", "answered_by")
        .order_by("raised_at__date", "pk")
    )
    return tuple(
        MatterArising(
            text="" if public and r.is_sensitive else r.text,
            withheld=public and r.is_sensitive,
            is_sensitive=r.is_sensitive,
            raised=date_format(r.raised_at.date, "j F Y"),
            owner=f"{r.owner_organisation.short_name}, {r.owner_post}",
            status=RequestStatus(r.status).label,
            answered=_answered(r, paper),
        )
        for r in requests
    )


def build_document(
    paper: PanelPaper, *, edition: str = FULL, links: bool = True
) -> PaperDocument:
    """Gather one edition of the paper: its sections in order and Appendix A."""
    public = check_edition(edition) == PUBLIC
    sections = [
        _rendered(section, public=public, links=links)
        for section in paper.sections.order_by("order", "id")
    ]

    def of_kinds(kinds) -> tuple[RenderedSection, ...]:
        order = {kind: index for index, kind in enumerate(kinds)}
        chosen = [s for s in sections if s.kind in order]
        # sorted() is stable: sections of one kind keep their own order.
        return tuple(sorted(chosen, key=lambda s: order[s.kind]))

    created, modified = _history_dates(paper)
    return PaperDocument(
        paper=paper,
        edition=edition,
        summary=of_kinds(SUMMARY_KINDS),
        body=tuple(s for s in sections if s.kind == SectionKind.BODY),
        closing=of_kinds(CLOSING_KINDS),
        appendix=build_appendix(paper, public=public),
        created=created,
        modified=modified,
        show_matters_arising=paper.include_matters_arising,
        matters_arising=(
            build_matters_arising(paper, public=public)
            if paper.include_matters_arising
            else ()
        ),
    )


def render_html(paper: PanelPaper, *, edition: str = FULL) -> str:
    """Return the paper as a standalone HTML document, as WeasyPrint prints it."""
    document = build_document(paper, edition=edition, links=False)
    return render_to_string(
        "reports/paper.html", {"doc": document, "stylesheet": "css/paper.css"}
    )


def render_pdf(paper: PanelPaper, *, edition: str = FULL) -> bytes:
    """Return the paper as a tagged PDF (PDF/UA-1); same data, same bytes."""
    # Imported here: WeasyPrint is heavy, and the URL conf imports this module.
    from weasyprint import HTML

    from .fetcher import STATIC_BASE_URL, SafeFetcher

    html = HTML(
        string=render_html(paper, edition=edition),
        base_url=STATIC_BASE_URL,
        url_fetcher=SafeFetcher(),
    )
    return html.write_pdf(pdf_variant="pdf/ua-1")


def pdf_filename(paper: PanelPaper, *, edition: str = FULL) -> str:
    """Return a descriptive file name, e.g. 2019-09-18-5b-alignment-of-....pdf."""
    parts = [f"{paper.meeting_date:%Y-%m-%d}", paper.agenda_item, paper.title]
    if check_edition(edition) == PUBLIC:
        parts.append("public")
    return f"{slugify(' '.join(parts))[:120]}.pdf"
