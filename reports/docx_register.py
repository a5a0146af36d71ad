"""One organisation's register report in Word, from the PDF's document object.

Agenda items 8a and 8b go to the panel in Word as well as PDF. This writes the
same RegisterReportDocument (reports/register_report.py) the PDF prints, with
the same words: title block, summary (risks by band, both heat maps as shaded
tables, risks outside appetite, overdue actions), one entry per open risk,
risks closed during the period, and the marking with "Page n of N" on every
page. A register can hold 1,000 risks, so the entries are written as XML
strings in one go (reports/docx_parts.py: xml_paragraph) rather than object by
object.
"""

from django.template.defaultfilters import truncatechars
from django.utils.formats import date_format

from . import docx_parts as parts
from .docx_paper import heat_map_tables
from .register_report import RegisterReportDocument, ReportRisk

# As css/register.css: a little tighter than the paper's margins.
PAGE = parts.Page(top=20, right=17, bottom=18, left=17)
BODY_SIZE = 9  # the entries' size in the PDF


def _long(day) -> str:
    return date_format(day, "j F Y") if day else ""


def _plural(count: int, singular: str = "", plural: str = "s") -> str:
    return singular if count == 1 else plural


def properties(doc: RegisterReportDocument) -> parts.Properties:
    """Title, author, subject and keywords (the marking), dated from the data."""
    return parts.Properties(
        title=doc.full_title,
        author=doc.organisation.name,
        subject=(
            f"{doc.organisation.name}: {doc.title.lower()} as at "
            f"{_long(doc.as_at)} ({doc.period.label})"
        ),
        keywords=doc.marking,
        created=doc.created,
        modified=doc.modified,
        category=doc.title,
    )


def _risk_xml(risk: ReportRisk) -> list[str]:
    """One entry, as the PDF prints it: heading and four paragraphs."""
    p = parts.xml_paragraph
    entry = [
        p(
            [(f"{risk.reference} {risk.title}", True, False)],
            style="Heading 2",
            keep_next=True,
        )
    ]
    if risk.is_sensitive:
        entry.append(p([("OFFICIAL-SENSITIVE", True, False)], keep_next=True))
    entry.append(p([(risk.statement, False, True)], after=2))
    appetite = (
        [("within appetite", False, False)]
        if risk.within_appetite
        else [("outside appetite", True, False)]
    )
    previous = risk.previous.text if risk.previous else "no review"
    entry.append(
        p(
            [
                (
                    f"Owner: {risk.owner_post}. Category: {risk.category}. "
                    f"Appetite: {risk.appetite.lower()}, up to "
                    f"{risk.appetite_ceiling}: ",
                    False,
                    False,
                ),
                *appetite,
                (
                    f". Direction of travel: {risk.direction.label} "
                    f"({risk.direction.symbol}). Scores: inherent "
                    f"{risk.inherent.text}; previous quarter {previous}; current "
                    f"{risk.current.text}; target {risk.target.text}.",
                    False,
                    False,
                ),
            ],
            after=2,
        )
    )
    controls = " ".join(
        f"Control {n}: {c.description} ({c.control_type.lower()}; "
        f"{c.effectiveness.lower()}; {c.assurance_line} assurance)"
        for n, c in enumerate(risk.controls, start=1)
    )
    entry.append(p([(controls or "Controls: none recorded.", False, False)], after=2))
    actions = []
    for n, action in enumerate(risk.actions, start=1):
        revised = (
            f", revised from {_long(action.originally_due)}"
            if action.originally_due
            else ""
        )
        actions.append(
            (
                f"Action {n}: {action.description} (owner: {action.owner_post}; "
                f"due {_long(action.due)}{revised}; {action.status.lower()})",
                False,
                False,
            )
        )
        if action.overdue:
            days = action.days_overdue
            actions.append((f" Overdue by {days} day{_plural(days)}.", True, False))
        actions.append((" ", False, False))
    entry.append(p(actions or [("Actions: none recorded.", False, False)], after=6))
    return entry


class RegisterWriter:
    """Write the register report into a new Word document."""

    def __init__(self, doc: RegisterReportDocument):
        self.doc = doc
        self.document = parts.new_document(PAGE, properties(doc), body_size=10)
        self.width = PAGE.text_width

    def write(self) -> bytes:
        doc = self.doc
        document = self.document
        parts.running_texts(
            document,
            PAGE,
            left=doc.running_name,
            marking=doc.marking,
            right=f"{doc.period.label}, as at {_long(doc.as_at)}",
        )
        parts.paragraph(document, doc.marking, bold=True, align="center", after=12)
        self._title_block()
        self._summary()
        parts.page_break(document)
        self._risks()
        self._closed()
        parts.paragraph(document, doc.marking, bold=True, align="center", before=18)
        return parts.save(document)

    def _title_block(self) -> None:
        doc, document = self.doc, self.document
        parts.paragraph(document, doc.running_name, bold=True, size=12, after=8)
        parts.paragraph(
            document, f"{doc.organisation.name}: {doc.title}", style="Title"
        )
        parts.paragraph(
            document, f"{doc.period.label}, as at {_long(doc.as_at)}", size=13
        )
        marking = document.add_paragraph()
        parts.add_text(marking, "Protective marking: ")
        parts.add_text(marking, doc.marking, bold=True)
        parts.paragraph(document, doc.scope_note)

    def _summary(self) -> None:
        doc, document = self.doc, self.document
        parts.heading(document, "Summary", 1)
        count = len(doc.risks)
        parts.keep_with_next(parts.heading(document, "Risks by rating band", 2))
        parts.caption(
            document,
            f"{count} open risk{_plural(count)} by current score, as at "
            f"{_long(doc.as_at)}",
        )
        table = parts.grid_table(document, 3, parts.Mm(120))
        parts.table_row(table, ("Rating band", "Scores", "Open risks"), header=True)
        for row in doc.band_counts:
            parts.table_row(
                table,
                (row.band.label, f"{row.lowest} to {row.highest}", row.count),
                fills=(parts.BAND_FILLS.get(row.band.key), None, None),
                first_bold=True,
            )
        parts.table_row(table, ("Total", "", count), first_bold=True)
        parts.space_after_table(document)

        parts.keep_with_next(parts.heading(document, "Heat maps", 2))
        parts.paragraph(
            document,
            "Open risks by likelihood and impact of their current and their target "
            "scores. Each cell gives the number of risks and the rating band.",
        )
        heat_map_tables(document, doc.heat_maps, label=False)

        parts.keep_with_next(parts.heading(document, "Risks outside appetite", 2))
        outside = doc.outside_appetite
        lines = []
        if outside:
            n = len(outside)
            parts.paragraph(
                document,
                f"{n} open risk{_plural(n)} with a current score above the ceiling "
                f"of {_plural(n, 'its', 'their')} risk appetite, furthest outside "
                "first. Titles are shortened here; each risk's entry below gives it "
                "in full.",
            )
            lines = [
                f"{r.reference} {truncatechars(r.title, 70)}: current score "
                f"{r.current.value} {r.current.band.label}, appetite ceiling "
                f"{r.appetite_ceiling} ({r.appetite.lower()})."
                for r in outside
            ]
        else:
            parts.paragraph(document, "Every open risk is within appetite.")
        parts.append_xml(document, self._lines(lines))

        parts.keep_with_next(parts.heading(document, "Overdue actions", 2))
        overdue = doc.overdue_actions
        lines = []
        if overdue:
            n = len(overdue)
            parts.paragraph(
                document,
                f"{n} action{_plural(n)} not complete by "
                f"{_plural(n, 'its', 'their')} due date, as at {_long(doc.as_at)}, "
                "oldest first. Descriptions are shortened here; the risk's entry "
                "below gives each in full with its owner.",
            )
            lines = [
                f"{a.risk_reference}: {truncatechars(a.description, 70)} Due "
                f"{date_format(a.due, 'j M Y')}, {a.status.lower()}, overdue by "
                f"{a.days_overdue} day{_plural(a.days_overdue)}."
                for a in overdue
            ]
        else:
            parts.paragraph(
                document, f"No action was overdue as at {_long(doc.as_at)}."
            )
        parts.append_xml(document, self._lines(lines))

    @staticmethod
    def _lines(lines: list[str]) -> list[str]:
        return [
            parts.xml_paragraph([(line, False, False)], size=BODY_SIZE, after=2)
            for line in lines
        ]

    def _risks(self) -> None:
        doc, document = self.doc, self.document
        parts.heading(document, "Risks", 1)
        previous = (
            doc.previous_period.label
            if doc.previous_period
            else "the period before (there is none)"
        )
        parts.paragraph(
            document,
            "Scores are likelihood × impact (each 1 to 5). The previous quarter is "
            f"the review recorded for {previous}. Direction of travel compares the "
            "latest two quarterly reviews.",
        )
        entries = [xml for risk in doc.risks for xml in _risk_xml(risk)]
        if not doc.risks:
            parts.paragraph(
                document, f"There were no open risks as at {_long(doc.as_at)}."
            )
        parts.append_xml(document, entries)

    def _closed(self) -> None:
        doc, document = self.doc, self.document
        parts.heading(document, "Risks closed during the period", 1)
        if not doc.closed:
            parts.paragraph(
                document,
                f"No risk was closed between {_long(doc.period.start)} and "
                f"{_long(doc.as_at)}.",
            )
        lines = [
            f"{r.reference} {r.title}: closed {_long(r.closed_on)}."
            + (" OFFICIAL-SENSITIVE." if r.is_sensitive else "")
            for r in doc.closed
        ]
        parts.append_xml(document, self._lines(lines))


def write_register_docx(doc: RegisterReportDocument) -> bytes:
    """Return the register report's .docx; same data, same bytes."""
    return RegisterWriter(doc).write()
