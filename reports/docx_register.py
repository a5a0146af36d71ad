"""One organisation's register report in Word, from the PDF's document object.

Agenda items 8a and 8b go to the panel in Word as well as PDF. This writes the
same RegisterReportDocument (reports/register_report.py) the PDF prints, with
the same words: title block, "Risks at a glance" (one row per open risk), summary
(risks by band, the register's band chart, both heat maps as shaded tables,
risks outside appetite, overdue actions), one entry per open risk with its
small score chart and its controls and actions as small tables, risks closed
during the period, and the marking with "Page n of N" on every page. The cells
and captions come from the document object's properties, as the PDF's
templates print them; the charts are the PDF's SVG drawn as PNG pictures
(reports/chart_images.py) described by the same alternative text.

A register can hold 1,000 risks, so the glance table and the entries (their
paragraphs, tables and pictures) are written as XML strings in one go
(reports/docx_parts.py: xml_paragraph, xml_table, xml_picture) rather than
object by object.
"""

from django.template.defaultfilters import truncatechars
from django.utils.formats import date_format

from . import chart_images
from . import docx_parts as parts
from .docx_paper import heat_map_tables
from .register_report import RegisterReportDocument, ReportAction, ReportRisk

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


# Column widths as css/register.css gives them; the wide column takes the rest.
GLANCE_WIDTHS = (18, None, 32, 34, 20, 14, 18)
ENTRY_TABLE_WIDTHS = (None, 28, 28, 24)
GLANCE_SIZE = 7.5
ENTRY_TABLE_SIZE = 8
ENTRY_CHART_WIDTH = 60  # mm, as the PDF prints the entry charts
BAND_CHART_WIDTH = 160  # mm


def _widths(millimetres, total: int) -> list[int]:
    fixed = sum(parts.Mm(mm) for mm in millimetres if mm is not None)
    return [total - fixed if mm is None else parts.Mm(mm) for mm in millimetres]


def _glance_row(risk: ReportRisk) -> list:
    appetite = "Within" if risk.within_appetite else [("Outside", True, False)]
    return [
        risk.reference,
        risk.glance_title,
        risk.glance_owner,
        risk.glance_scores,
        risk.glance_travel,
        appetite,
        risk.glance_next_review,
    ]


def _action_row(action: ReportAction) -> list:
    status = [(action.status, False, False)]
    if action.overdue:
        status.append((f" {action.overdue_text}", True, False))
    return [action.description, action.owner_post, action.due_text, status]


def _risk_xml(
    doc: RegisterReportDocument, risk: ReportRisk, *, widths, pictures
) -> list[str]:
    """One entry, as the PDF prints it: heading, two paragraphs, chart, tables."""
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
    if pictures is not None:
        entry.append(pictures.xml(risk.chart, keep_next=True))
    tables = (
        (
            risk.controls,
            risk.controls_caption,
            doc.control_columns,
            [
                [c.description, c.control_type, c.effectiveness, c.assurance_line]
                for c in risk.controls
            ],
            "Controls: none recorded.",
        ),
        (
            risk.actions,
            risk.actions_caption,
            doc.action_columns,
            [_action_row(a) for a in risk.actions],
            "Actions: none recorded.",
        ),
    )
    for items, caption, columns, rows, none in tables:
        if not items:
            entry.append(p([(none, False, False)], after=2))
            continue
        entry.append(
            p([(caption, True, False)], keep_next=True, size=ENTRY_TABLE_SIZE, after=1)
        )
        entry.append(
            parts.xml_table(
                widths,
                rows,
                header=columns,
                size=ENTRY_TABLE_SIZE,
                keep_together=True,
            )
        )
        entry.append(p([], after=2))  # a table never runs into the next one
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
        self._glance()
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

    def _glance(self) -> None:
        """One line per open risk, opening the report as in the PDF."""
        doc, document = self.doc, self.document
        parts.heading(document, "Risks at a glance", 1)
        parts.caption(document, doc.glance_caption)
        rows = [_glance_row(risk) for risk in doc.risks] or [["No open risks."]]
        table = parts.xml_table(
            _widths(GLANCE_WIDTHS, self.width),
            rows,
            header=doc.glance_columns,
            size=GLANCE_SIZE,
            first_bold=True,
        )
        parts.append_xml(document, [table])
        parts.space_after_table(document)

    def _band_chart(self) -> None:
        doc, document = self.doc, self.document
        parts.keep_with_next(
            parts.heading(document, "Rating bands over the quarters", 2)
        )
        parts.keep_with_next(
            parts.paragraph(
                document,
                f"The open risks' quarterly reviews up to {_long(doc.as_at)}, "
                "counted by the rating band of each review's score, and how many "
                "of those scores were above the risk's appetite ceiling.",
            )
        )
        chart_images.add_chart(document, doc.band_chart, width_mm=BAND_CHART_WIDTH)

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
        if doc.with_charts:
            self._band_chart()

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
        charts = (
            " Each entry's chart shows the score at each quarterly review, oldest on "
            f"the left, up to {_long(doc.as_at)} (the solid line, with the score "
            "beside each point) over the rating bands (green low, yellow medium, "
            "orange high, red very high), the target score (green dashed line) and "
            "the appetite ceiling (red dotted line)."
            if doc.with_charts
            else ""
        )
        parts.paragraph(
            document,
            "Scores are likelihood × impact (each 1 to 5). The previous quarter is "
            f"the review recorded for {previous}. Direction of travel compares the "
            f"latest two quarterly reviews.{charts}",
        )
        widths = _widths(ENTRY_TABLE_WIDTHS, self.width)
        pictures = (
            chart_images.ChartPictures(document, width_mm=ENTRY_CHART_WIDTH)
            if doc.with_charts
            else None
        )
        entries = [
            xml
            for risk in doc.risks
            for xml in _risk_xml(doc, risk, widths=widths, pictures=pictures)
        ]
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
