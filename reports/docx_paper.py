"""The joint Audit Panel paper in Word, written from the PDF's document object.

Committee services take the paper into the agenda in Word. This writes the same
PaperDocument (reports/rendering.py) the PDF prints, in the same order and with
the same words: the heading block, the Report Summary in a bordered box, the
numbered sections with numbered paragraphs (1.1, 2.1 ...), lettered
recommendations, Appendix A with its tables and the heat maps as shaded tables,
and the protective marking with "Page n of N" on every page. The public edition
leaves out what the public PDF leaves out, because it is the same object.

Paragraph numbers and list markers are written as text, as the PDF prints them,
so that the paper reads the same in any word processor.
"""

from django.utils.formats import date_format

from . import chart_images
from . import docx_parts as parts
from .appendix import Appendix, AppendixRisk
from .models import CONTENT_TYPES, FileFormat, PanelPaper
from .rendering import (
    FULL,
    PaperDocument,
    RenderedSection,
    build_document,
    pdf_filename,
)

# As css/paper.css: A4, margins 24 / 20 / 22 / 20 mm.
PAGE = parts.Page(top=24, right=20, bottom=22, left=20)
CONTENT_TYPE = CONTENT_TYPES[FileFormat.DOCX]


def _long(day) -> str:
    return date_format(day, "j F Y")


def properties(doc: PaperDocument) -> parts.Properties:
    """Title, author, subject and keywords (the marking), dated from the paper."""
    paper = doc.paper
    subject = f"{paper.meeting}, {_long(paper.meeting_date)}, {doc.agenda_label}"
    if doc.is_public:
        subject += " (public edition)"
    return parts.Properties(
        title=paper.title,
        author=paper.report_by,
        subject=subject,
        keywords=doc.marking,
        created=doc.created,
        modified=doc.modified,
        category=paper.meeting,
    )


class PaperWriter:
    """Write one edition of the paper into a new Word document."""

    def __init__(self, doc: PaperDocument):
        self.doc = doc
        self.document = parts.new_document(PAGE, properties(doc))
        self.width = PAGE.text_width

    def write(self) -> bytes:
        doc = self.doc
        parts.running_texts(
            self.document,
            PAGE,
            left=doc.agenda_label,
            marking=doc.marking,
            right=_long(doc.paper.meeting_date),
        )
        self._marking(after=12)
        self._title_block()
        if doc.summary:
            self._summary()
        if doc.show_matters_arising:
            self._matters_arising()
        number = 0
        for section in doc.body:
            number += 1
            self._numbered(section, number, paragraphs=True)
        for section in doc.closing:
            number += 1
            self._numbered(section, number, paragraphs=False)
        parts.page_break(self.document)
        self._appendix(doc.appendix)
        self._marking(before=18)
        return parts.save(self.document)

    def _marking(self, *, before=None, after=None) -> None:
        parts.paragraph(
            self.document,
            self.doc.marking,
            bold=True,
            align="center",
            before=before,
            after=after,
        )

    def _title_block(self) -> None:
        paper = self.doc.paper
        document = self.document
        parts.paragraph(document, paper.meeting.upper(), bold=True, size=13, after=2)
        parts.paragraph(document, _long(paper.meeting_date), after=2)
        parts.paragraph(document, self.doc.agenda_label, after=18)
        parts.paragraph(document, paper.title, style="Title")
        parts.labelled(document, "Report by:", paper.report_by)
        if self.doc.is_public:
            note = parts.boxed(document, self.width)
            parts.add_text(note.paragraphs[0], self.doc.public_note, bold=True)
            parts.space_after_table(document)

    def _section_text(
        self,
        container,
        section: RenderedSection,
        *,
        level: int,
        number=None,
        indent=0,
    ) -> None:
        if section.withheld:
            para = parts.paragraph(container, self.doc.withheld_text, italic=True)
            para.paragraph_format.left_indent = indent or None
            return
        if section.oral_update:
            para = parts.paragraph(container, self.doc.oral_update_text, bold=True)
            if number:  # the PDF numbers it as the section's first paragraph
                parts.hanging(para, number())
            else:
                para.paragraph_format.left_indent = indent or None
        parts.HtmlWriter(
            container,
            heading_level=level,
            number=number,
            lettered=section.kind == "recommendations",
            indent=indent,
            table_width=self.width - indent,
        ).write(section.html)

    def _summary(self) -> None:
        box = parts.boxed(self.document, self.width)
        first = box.paragraphs[0]
        parts.set_style(first, "Heading 1")
        parts.add_text(first, "Report Summary")
        first.paragraph_format.space_before = parts.Pt(3)
        for section in self.doc.summary:
            parts.keep_with_next(parts.heading(box, section.title, 2))
            self._section_text(box, section, level=2)
        parts.space_after_table(self.document)

    def _matters_arising(self) -> None:
        """The Panel's requests due at the meeting, in a table as the PDF has them."""
        doc = self.doc
        document = self.document
        parts.keep_with_next(parts.heading(document, doc.matters_arising_title, 1))
        if not doc.matters_arising:
            parts.paragraph(document, doc.no_matters_arising_text)
            return
        parts.caption(
            document,
            "Requests of the Panel due at this meeting, their status and where "
            "each is answered",
        )
        table = parts.grid_table(document, 5, self.width)
        parts.table_row(
            table,
            ("Request", "Raised", "Owner", "Status", "Where answered"),
            header=True,
        )
        for matter in doc.matters_arising:
            text = doc.withheld_request_text if matter.withheld else matter.text
            answered = matter.answered or "Not yet answered"
            parts.table_row(
                table, (text, matter.raised, matter.owner, matter.status, answered)
            )
        parts.space_after_table(document)

    def _numbered(self, section: RenderedSection, number: int, *, paragraphs: bool):
        title = parts.heading(self.document, "", 1)
        parts.hanging(title, f"{number}.")
        parts.add_text(title, section.title)
        parts.keep_with_next(title)
        count = 0

        def next_number() -> str:
            nonlocal count
            count += 1
            return f"{number}.{count}"

        self._section_text(
            self.document,
            section,
            level=1,
            number=next_number if paragraphs else None,
            indent=0 if paragraphs else parts.MARKER_INDENT,
        )

    # --- Appendix A -----------------------------------------------------------------

    def _appendix(self, appendix: Appendix) -> None:
        document = self.document
        parts.heading(document, "Appendix A", 1)
        parts.paragraph(document, appendix.lede)
        if not appendix.themes:
            parts.paragraph(
                document, "The paper selects no themes, so no aligned risks are listed."
            )
        for theme in appendix.themes:
            parts.keep_with_next(parts.heading(document, theme.name, 2))
            if not theme.organisations:
                parts.paragraph(
                    document,
                    "No agreed aligned risks for this theme as at "
                    f"{_long(appendix.as_at)}.",
                )
            for group in theme.organisations:
                parts.keep_with_next(parts.heading(document, group.heading, 3))
                for risk in group.risks:
                    self._risk(risk)
            if theme.pair_charts:
                parts.keep_with_next(
                    parts.heading(document, "Scores of the aligned pairs", 3)
                )
                for chart in theme.pair_charts:
                    chart_images.add_chart(document, chart)
        if appendix.heat_maps:
            self._heat_maps(appendix)

    def _risk(self, risk: AppendixRisk) -> None:
        document = self.document
        if risk.redacted:
            parts.keep_with_next(parts.heading(document, risk.reference, 4))
            parts.paragraph(document, risk.public_summary)
            parts.paragraph(document, self.doc.redacted_risk_text, italic=True)
            return
        parts.keep_with_next(
            parts.heading(document, f"{risk.reference} {risk.title}", 4)
        )
        if risk.is_sensitive:
            parts.paragraph(document, "OFFICIAL-SENSITIVE", bold=True, size=9)
        parts.paragraph(document, risk.statement, italic=True)
        facts = document.add_paragraph()
        parts.add_text(facts, "Current score: ")
        parts.add_text(facts, f"{risk.score} ({risk.band.label})", bold=True)
        parts.add_text(
            facts, f", likelihood {risk.likelihood} × impact {risk.impact}. "
        )
        parts.add_text(facts, "Direction of travel: ")
        parts.add_text(facts, str(risk.direction.label), bold=True)
        parts.add_text(facts, f" ({risk.direction.symbol}).")
        if risk.aligned_with:
            parts.add_text(facts, f" Aligned with {', '.join(risk.aligned_with)}.")
        narrow = parts.Mm(32)
        widths = [self.width - narrow, narrow]
        if risk.controls:
            parts.caption(document, "Controls in place")
            table = parts.grid_table(document, 2, self.width, widths)
            parts.table_row(table, ("Control", "Effectiveness"), header=True, size=10)
            for control in risk.controls:
                parts.table_row(
                    table, (control.description, control.effectiveness), size=10
                )
            parts.space_after_table(document)
        else:
            parts.paragraph(document, "No controls were recorded for this risk.")
        if risk.actions:
            parts.caption(document, "Open actions")
            table = parts.grid_table(document, 2, self.width, widths)
            parts.table_row(table, ("Action", "Due"), header=True, size=10)
            for action in risk.actions:
                due = f"{date_format(action.due, 'j M Y')} ({action.status.lower()})"
                parts.table_row(table, (action.description, due), size=10)
            parts.space_after_table(document)
        else:
            parts.paragraph(document, "No open actions.")

    def _heat_maps(self, appendix: Appendix) -> None:
        document = self.document
        parts.keep_with_next(parts.heading(document, "Heat maps", 2))
        parts.paragraph(
            document,
            "Open risks by current likelihood and impact as at "
            f"{_long(appendix.as_at)}. Each cell gives the number of risks and the "
            "rating band.",
        )
        heat_map_tables(document, appendix.heat_maps, label=True)


HEAT_MAP_WIDTH = parts.Mm(150)


def heat_map_tables(document, maps, *, label: bool, width=HEAT_MAP_WIDTH) -> None:
    """Write heat maps as tables whose cells are shaded by rating band.

    Colour is a second cue only: every cell also names its band.
    """
    for heat_map in maps:
        risks = f"{heat_map.total} open risk{'' if heat_map.total == 1 else 's'}"
        name = f"{heat_map.name} ({heat_map.short_name})" if label else heat_map.name
        parts.caption(document, f"{name}: {risks}")
        first = parts.Mm(30)
        widths = [first] + [(width - first) // 5] * 5
        table = parts.grid_table(document, 6, width, widths)
        parts.table_row(
            table, ["", *(f"Impact {n}" for n in range(1, 6))], header=True, size=9
        )
        for row in heat_map.rows:
            parts.table_row(
                table,
                [
                    f"Likelihood {row.likelihood}",
                    *(f"{cell.count}\n{cell.band.label}" for cell in row.cells),
                ],
                fills=[None, *(parts.BAND_FILLS.get(c.band.key) for c in row.cells)],
                size=9,
                first_bold=True,
            )
        for row in table.rows:
            for cell in row.cells[1:]:
                cell.paragraphs[0].alignment = parts.WD_ALIGN_PARAGRAPH.CENTER
        parts.keep_together(table)  # a heat map split over two pages misleads
        parts.space_after_table(document)


def write_docx(doc: PaperDocument) -> bytes:
    """Return the paper's .docx; same document, same bytes."""
    return PaperWriter(doc).write()


def render_docx(paper: PanelPaper, *, edition: str = FULL) -> bytes:
    """Return one edition of the paper as .docx, from the PDF's document object."""
    return write_docx(build_document(paper, edition=edition, links=False))


def docx_filename(paper: PanelPaper, *, edition: str = FULL) -> str:
    """Return the PDF's file name with .docx."""
    return pdf_filename(paper, edition=edition).removesuffix(".pdf") + ".docx"
