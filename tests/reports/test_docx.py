"""The paper and the register report in Word, read back with python-docx.

The documents are rendered once for the module from the same data as the PDF
tests (tests/reports/render_data.py, register_data.py), written in a transaction
that is rolled back straight afterwards.
"""

import dataclasses
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import docx
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from docx.text.paragraph import Paragraph
from lxml import html as lxml_html
from pypdf import PdfReader

from reports import (
    chart_images,
    docx_paper,
    docx_parts,
    docx_register,
    register_pdf,
    register_report,
    rendering,
)
from reports.fonts import SYMBOL_FAMILY, TEXT_FAMILY
from risks import charts

from .register_data import (
    CLOSED_TITLE,
    CONTROL,
    FUTURE_ACTION,
    OVERDUE_ACTION,
    VICTIMS,
    build_register_world,
)
from .register_data import DONE_ACTION as REGISTER_DONE_ACTION
from .render_data import (
    DONE_ACTION,
    LATE_TITLE,
    OPEN_ACTION,
    OPEN_CONTROL,
    PUBLIC_SUMMARY,
    SECRET_CONTROL,
    SECRET_SECTION,
    SECRET_STATEMENT,
    TITLE,
    build_render_world,
)
from .test_pdf import REFERENCE_ORDER, in_order

# pytest-django creates the test database only for the tests that ask for one:
# marked, these modules' shared fixtures find it even when run alone or with -k.
pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class Rendered:
    full: bytes
    full_again: bytes
    public: bytes
    pdf: dict[str, bytes]
    created: datetime
    modified: datetime
    register: bytes
    register_again: bytes
    register_without_charts: bytes
    register_empty: bytes  # the same period with no open risk
    register_html: str  # the PDF's HTML, from the same document object
    register_alts: list[tuple[str, str]]  # (alt, title) of every chart, in order

    @cached_property
    def full_doc(self):
        return docx.Document(io.BytesIO(self.full))

    @cached_property
    def public_doc(self):
        return docx.Document(io.BytesIO(self.public))

    @cached_property
    def register_doc(self):
        return docx.Document(io.BytesIO(self.register))

    @cached_property
    def register_without_charts_doc(self):
        return docx.Document(io.BytesIO(self.register_without_charts))


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> Rendered:
    with django_db_blocker.unblock(), transaction.atomic():
        paper = build_render_world(include_heat_maps=True).paper
        document = rendering.build_document(paper, links=False)
        papers = {
            "full": docx_paper.render_docx(paper),
            "full_again": docx_paper.render_docx(paper),
            "public": docx_paper.render_docx(paper, edition="public"),
            "pdf": {
                e: rendering.render_pdf(paper, edition=e) for e in rendering.EDITIONS
            },
            "created": document.created,
            "modified": document.modified,
        }
        transaction.set_rollback(True)
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_register_world()
        registers = [
            docx_register.write_register_docx(
                register_report.build_register_report(world.mopac, world.q2)
            )
            for _ in range(2)
        ]
        report = register_report.build_register_report(world.mopac, world.q2)
        register_more = {
            "register_without_charts": docx_register.write_register_docx(
                register_report.build_register_report(
                    world.mopac, world.q2, with_charts=False
                )
            ),
            "register_html": register_pdf.render_register_html(report),
            "register_empty": docx_register.write_register_docx(
                dataclasses.replace(report, risks=())
            ),
            "register_alts": [
                (chart.alt, chart.title)
                for chart in (report.band_chart, *(r.chart for r in report.risks))
            ],
        }
        transaction.set_rollback(True)
    rendered = Rendered(
        **papers, register=registers[0], register_again=registers[1], **register_more
    )
    return rendered


def blocks(document) -> list:
    """Every paragraph in reading order, those inside tables included."""
    found = []

    def walk(element):
        for child in element.iterchildren():
            if child.tag == f"{W}p":
                found.append(docx.text.paragraph.Paragraph(child, document.part))
            elif child.tag in (f"{W}tbl", f"{W}tr", f"{W}tc"):
                walk(child)

    walk(document.element.body)
    return found


def lines(document) -> list[str]:
    return [p.text.replace("\t", " ") for p in blocks(document)]


def text(document) -> str:
    return "\n".join(lines(document))


def headings(document) -> list[tuple[int, str]]:
    return [
        (int(p.style.name.split()[-1]), p.text.replace("\t", " "))
        for p in blocks(document)
        if p.style.name.startswith("Heading")
    ]


def heat_maps(document) -> list:
    return [
        t
        for t in document.tables
        if len(t.columns) == 6 and t.cell(0, 1).text == "Impact 1"
    ]


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> str:
    return flat(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


# A paragraph number, letter or list marker before a passage's words.
MARKER = re.compile(r"^(?:\d+\.\d+|\d+\.|[a-z]\.|•|–)\s+")


def passages(document) -> list[str]:
    """The opening words (up to six) of every passage of four words or more."""
    found = []
    for paragraph in blocks(document):
        words = MARKER.sub("", flat(paragraph.text)).split()
        if len(words) >= 4:
            found.append(" ".join(words[:6]))
    return found


def compare_public_editions(docx_files: dict, pdf_files: dict) -> list[str]:
    """Check the public .docx leaves out what the public PDF leaves out.

    Every passage of the full .docx that the full PDF prints must be in both
    public editions or in neither. Returns the passages both leave out.
    """
    full_docx = docx.Document(io.BytesIO(docx_files["full"]))
    public_docx = flat(
        " ".join(
            p.text for p in blocks(docx.Document(io.BytesIO(docx_files["public"])))
        )
    )
    full_pdf, public_pdf = pdf_text(pdf_files["full"]), pdf_text(pdf_files["public"])
    found = passages(full_docx)
    printed = [words for words in found if words in full_pdf]
    # The PDF prints the Word document's passages (an opening split by a page
    # break's running header would be let off).
    assert len(printed) >= 0.95 * len(found) > 10, (len(printed), len(found))

    differ = [
        (words, words in public_docx, words in public_pdf)
        for words in printed
        if (words in public_docx) != (words in public_pdf)
    ]

    assert differ == []
    # And both say what was withheld, the same number of times.
    for notice in (rendering.WITHHELD, rendering.PUBLIC_NOTE, rendering.REDACTED_RISK):
        assert public_docx.count(notice) == public_pdf.count(notice), notice
    left_out = [words for words in printed if words not in public_pdf]
    assert left_out and public_pdf.count(rendering.WITHHELD) >= 1
    return left_out


def all_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(name).decode("utf-8", "replace")
            for name in archive.namelist()
            if name.endswith(".xml") or name.endswith(".rels")
        )


# --- The paper ------------------------------------------------------------------


def test_headings_follow_the_reference_paper(rendered):
    assert in_order(text(rendered.full_doc), REFERENCE_ORDER) == []
    top = [title for level, title in headings(rendered.full_doc) if level == 1]
    assert top == [
        "Report Summary",
        "1. Alignment of risk",
        "2. Community Engagement",
        "3. Aligned Finance risk",
        "4. Equality and Diversity Impact",
        "5. Financial Implications",
        "6. Legal Implications",
        "7. Risk Implications",
        "8. Contact Details",
        "9. Appendices and Background Papers",
        "Appendix A",
    ]
    assert (2, "Overall Summary of the Purpose of the Report") in headings(
        rendered.full_doc
    )
    title = next(p for p in rendered.full_doc.paragraphs if p.style.name == "Title")
    assert title.text == TITLE


def test_heading_block_names_panel_date_item_title_and_author(rendered):
    for document in (rendered.full_doc, rendered.public_doc):
        opening = [line for line in lines(document)[1:7] if line]
        assert opening[:4] == [
            "MPS-MOPAC JOINT AUDIT PANEL",
            "18 September 2019",
            "Agenda item 5b",
            TITLE,
        ]
        assert opening[4].startswith("Report by: MOPAC Chief Executive Officer")


def test_report_summary_is_a_bordered_box_on_page_one(rendered):
    box = rendered.full_doc.tables[0]
    assert box.style.name == "Table Grid"  # every border drawn
    assert len(box.rows) == 1 and len(box.columns) == 1
    inside = [p.text for p in box.cell(0, 0).paragraphs]
    assert inside[0] == "Report Summary"
    for heading in (
        "Overall Summary of the Purpose of the Report",
        "Key Considerations for the Panel",
        "Interdependencies/Cross Cutting Issues",
        "Recommendations",
    ):
        assert heading in inside


def test_paragraphs_are_numbered_and_recommendations_lettered(rendered):
    body = text(rendered.full_doc)
    for number, words in [
        ("1.1", "First paragraph of alignment."),
        ("1.2", "Second paragraph of alignment."),
        ("2.1", "First engagement paragraph."),
        ("2.2", "Second engagement paragraph."),
        ("2.3", "Third engagement paragraph."),
        ("3.1", rendering.ORAL_UPDATE),
        ("3.2", SECRET_SECTION),
    ]:
        assert re.search(rf"^{re.escape(number)} {re.escape(words)}", body, re.M), (
            number
        )
    assert re.search(r"^a\. Comment on the engagement controls\.", body, re.M)
    assert re.search(r"^b\. ", body, re.M)
    assert rendering.ORAL_UPDATE in body


def test_marking_and_page_numbers_in_every_sections_header_and_footer(rendered):
    for document, marking in (
        (rendered.full_doc, "OFFICIAL-SENSITIVE"),
        (rendered.public_doc, "OFFICIAL"),
        (rendered.register_doc, "OFFICIAL-SENSITIVE"),
    ):
        assert document.sections
        for section in document.sections:
            assert not section.different_first_page_header_footer
            header = section.header.paragraphs[0].text
            footer = section.footer.paragraphs[0].text
            assert marking in header.split("\t") and marking in footer.split("\t")
            footer_xml = section.footer._element.xml
            assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
            assert re.search(r"Page \d+ of \d+", footer)
    header = rendered.full_doc.sections[0].header.paragraphs[0].text
    assert header == "Agenda item 5b\tOFFICIAL-SENSITIVE\t18 September 2019"
    # And in the body text, top and bottom, as the PDF prints it.
    body = lines(rendered.full_doc)
    assert body[0] == "OFFICIAL-SENSITIVE" and body[-1] == "OFFICIAL-SENSITIVE"


def test_appendix_lists_risks_with_controls_and_open_actions(rendered):
    appendix = text(rendered.full_doc).split("\nAppendix A\n", 1)[1]
    for words in (
        "MOPAC-R01 Victims at the heart",
        "MPS-R02 Violent crime not reduced",
        OPEN_CONTROL,
        OPEN_ACTION,
        "Current score: 12 (High)",
        "Direction of travel: Increasing",
    ):
        assert words in appendix, words
    assert LATE_TITLE not in appendix
    assert DONE_ACTION not in appendix
    tables = rendered.full_doc.tables
    controls = next(t for t in tables if t.cell(0, 0).text == "Control")
    assert controls.cell(0, 1).text == "Effectiveness"
    assert OPEN_CONTROL in [row.cells[0].text for row in controls.rows]
    actions = next(t for t in tables if t.cell(0, 0).text == "Action")
    assert OPEN_ACTION in [row.cells[0].text for row in actions.rows]
    # The header row repeats on every page a table runs onto.
    assert actions.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None


def test_heat_maps_are_tables_shaded_by_band(rendered):
    maps = heat_maps(rendered.full_doc)
    assert len(maps) == 2
    for table in maps:
        assert [c.text for c in table.rows[0].cells][1:] == [
            f"Impact {n}" for n in range(1, 6)
        ]
        top_right = table.cell(1, 5)  # likelihood 5 × impact 5
        assert table.cell(1, 0).text == "Likelihood 5"
        assert top_right.text.endswith("Very high")
        fills = {
            shade.get(f"{W}fill")
            for row in table.rows[1:]
            for cell in row.cells[1:]
            for shade in cell._tc.iter(f"{W}shd")
        }
        assert fills == set(docx_parts.BAND_FILLS.values())
        # Kept on one page: every row but the last is kept with the next.
        kept = [
            all(
                p.paragraph_format.keep_with_next
                for c in row.cells
                for p in c.paragraphs
            )
            for row in table.rows
        ]
        assert kept == [True] * 5 + [False]


def test_public_edition_contains_no_sensitive_text(rendered):
    full, public = all_xml(rendered.full), all_xml(rendered.public)
    for secret in (SECRET_STATEMENT, SECRET_CONTROL, SECRET_SECTION):
        assert secret in full
        assert secret not in public
    body = text(rendered.public_doc)
    assert PUBLIC_SUMMARY in body
    assert rendering.WITHHELD in body
    assert rendering.PUBLIC_NOTE in body
    assert "Victims at the heart" in body
    leftover = (
        body.replace(rendering.PUBLIC_NOTE, "")
        .replace(rendering.WITHHELD, "")
        .replace(rendering.REDACTED_RISK, "")
    )
    assert "OFFICIAL-SENSITIVE" not in leftover
    assert (
        "OFFICIAL-SENSITIVE" not in rendered.public_doc.sections[0].header._element.xml
    )
    assert rendered.public_doc.core_properties.keywords == "OFFICIAL"


def test_public_docx_leaves_out_exactly_what_the_public_pdf_leaves_out(rendered):
    left_out = " ".join(
        compare_public_editions(
            docx_files=_paper_docx(rendered), pdf_files=rendered.pdf
        )
    )
    for secret in (SECRET_STATEMENT, SECRET_CONTROL, SECRET_SECTION):
        assert " ".join(secret.split()[:3]) in left_out, secret


def _paper_docx(rendered) -> dict[str, bytes]:
    return {"full": rendered.full, "public": rendered.public}


def test_document_properties(rendered):
    for document, marking, subject in (
        (rendered.full_doc, "OFFICIAL-SENSITIVE", ""),
        (rendered.public_doc, "OFFICIAL", " (public edition)"),
    ):
        properties = document.core_properties
        assert properties.title == TITLE
        assert properties.author.startswith("MOPAC Chief Executive Officer")
        assert properties.subject == (
            f"MPS-MOPAC Joint Audit Panel, 18 September 2019, Agenda item 5b{subject}"
        )
        assert properties.keywords == marking
        assert properties.language == "en-GB"
        # Dated from the paper's history, not the clock.
        created = rendered.created.astimezone(UTC).replace(microsecond=0)
        assert properties.created.replace(tzinfo=UTC) == created
        modified = rendered.modified.astimezone(UTC).replace(microsecond=0)
        assert properties.modified.replace(tzinfo=UTC) == modified


def test_same_data_gives_identical_bytes(rendered):
    assert rendered.full == rendered.full_again
    assert rendered.register == rendered.register_again
    with zipfile.ZipFile(io.BytesIO(rendered.full)) as archive:
        assert {info.date_time for info in archive.infolist()} == {docx_parts.ZIP_DATE}


def test_the_documents_name_the_shipped_fonts(rendered):
    for data in (rendered.full, rendered.register):
        styles = all_xml(data)
        assert f'w:ascii="{TEXT_FAMILY}"' in styles
        assert (
            "w:asciiTheme"
            not in styles.split("<w:docDefaults>")[1].split("</w:docDefaults>")[0]
        )
        assert f'<w:font w:name="{TEXT_FAMILY}"><w:altName w:val="Arial"/>' in styles


def test_glyphs_liberation_sans_lacks_are_set_in_dejavu_sans():
    document = docx.Document()
    paragraph = document.add_paragraph()
    docx_parts.add_text(paragraph, "Direction of travel: New (★). ↑ ↓ → £ é")
    texts = [(run.text, run.font.name) for run in paragraph.runs]
    assert texts == [
        ("Direction of travel: New (", None),
        ("★", SYMBOL_FAMILY),
        ("). ↑ ↓ → £ é", None),
    ]


def test_text_word_cannot_hold_is_dropped_not_fatal():
    document = docx.Document()
    paragraph = document.add_paragraph()
    docx_parts.add_text(paragraph, "Budget\x0b gap\x00 noted")
    assert paragraph.text == "Budget gap noted"
    assert "\x0b" not in docx_parts.xml_paragraph([("a\x0bb", False, False)])


def test_render_paper_command_writes_the_docx(db, tmp_path):
    paper = build_render_world().paper
    output = tmp_path / "paper.docx"
    call_command(
        "render_paper",
        paper.pk,
        "--format",
        "docx",
        "--output",
        str(output),
        "--edition",
        "public",
    )
    document = docx.Document(output)
    assert document.core_properties.title == TITLE
    assert SECRET_SECTION not in text(document)
    with pytest.raises(CommandError, match="no panel paper"):
        call_command(
            "render_paper", paper.pk + 1000, "--format", "docx", "--output", "x"
        )
    with pytest.raises(CommandError):
        call_command(
            "render_paper", paper.pk, "--format", "odt", "--output", str(output)
        )


# --- The register report -----------------------------------------------------------


def test_register_report_has_the_pdfs_sections_and_entries(rendered):
    document = rendered.register_doc
    assert [title for level, title in headings(document) if level == 1] == [
        "Risks at a glance",
        "Summary",
        "Risks",
        "Risks closed during the period",
    ]
    summary = [title for level, title in headings(document) if level == 2][:5]
    assert summary == [
        "Risks by rating band",
        "Rating bands over the quarters",
        "Heat maps",
        "Risks outside appetite",
        "Overdue actions",
    ]
    body = text(document)
    assert f"MOPAC-R01 {VICTIMS}" in body
    assert CONTROL in body and OVERDUE_ACTION in body
    assert re.search(r"Overdue by \d+ days", body)
    assert CLOSED_TITLE in body.split("Risks closed during the period", 1)[1]
    maps = heat_maps(document)
    assert [m.rows[0].cells[0].text for m in maps] == ["", ""]
    properties = document.core_properties
    assert properties.title == (
        "Mayor's Office for Policing and Crime: Corporate risk register, 2019/20 Q2"
    )
    assert properties.keywords == "OFFICIAL-SENSITIVE"
    header = document.sections[0].header.paragraphs[0].text
    assert header == (
        "MOPAC corporate risk register\tOFFICIAL-SENSITIVE\t"
        "2019/20 Q2, as at 30 September 2019"
    )


def test_markup_in_user_text_stays_text():
    hostile = 'A & B </w:t></w:r><w:r><w:t>injected <script>"x"</script> ★'
    document = docx.Document()
    docx_parts.append_xml(
        document, [docx_parts.xml_paragraph([(hostile, True, False)])]
    )
    paragraph = docx_parts.paragraph(document, hostile)
    assert document.paragraphs[-2].text == hostile
    assert paragraph.text == hostile
    assert [r.bold for r in document.paragraphs[-2].runs] == [True, True]


def cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def html_table(html: str, css_class: str, after: str = "") -> list[list[str]]:
    """Cell texts of the first table of the class in the PDF's HTML after `after`."""
    root = lxml_html.fromstring(html[html.index(after) :] if after else html)
    table = root.xpath(f"//table[contains(@class, '{css_class}')]")[0]
    return [
        [cell.text_content() for cell in tr.xpath("th|td")]
        for tr in table.xpath(".//tr")
    ]


def table_after(document, caption: str):
    """The table that follows the paragraph reading `caption`."""
    body = list(document.element.body.iterchildren())
    for index, child in enumerate(body):
        if child.tag == f"{W}p" and Paragraph(child, document.part).text == caption:
            table = body[index + 1]
            assert table.tag == f"{W}tbl", caption
            return docx.table.Table(table, document.part)
    raise AssertionError(f"no paragraph {caption!r}")


def repeats_header(table) -> bool:
    properties = table.rows[0]._tr.trPr
    return properties is not None and properties.find(f"{W}tblHeader") is not None


def test_register_report_opens_with_risks_at_a_glance(rendered):
    document = rendered.register_doc
    lines_ = lines(document)
    # After the title block, before the Summary.
    assert (
        lines_.index("Protective marking: OFFICIAL-SENSITIVE")
        < lines_.index("Risks at a glance")
        < lines_.index("Summary")
    )
    assert (
        "3 open risks as at 30 September 2019: current and target score, direction "
        "of travel, appetite and next review"
    ) in lines_
    glance = table_after(
        document,
        "3 open risks as at 30 September 2019: current and target score, direction "
        "of travel, appetite and next review",
    )
    rows = cells(glance)
    assert rows[0] == [
        "Ref.",
        "Title",
        "Owner",
        "Current → target",
        "Travel",
        "Appetite",
        "Next review",
    ]
    assert repeats_header(glance)
    # One row per open risk, in the register's order.
    assert [row[0] for row in rows[1:]] == ["MOPAC-R01", "MOPAC-R02", "MOPAC-R10"]
    assert rows[1] == [
        "MOPAC-R01",
        VICTIMS,
        "Director of Strategy",
        "12 High → 6 Medium",
        "Increasing ↑",
        "Outside",
        "31 Dec 2019",  # moved on by the Q2 review
    ]
    outside = glance.rows[1].cells[5].paragraphs[0].runs
    assert [run.bold for run in outside] == [True]
    # The same cells as the PDF's table, word for word.
    assert rows == html_table(rendered.register_html, "register-glance__table")
    # Compact: every run of the table is 7.5 pt.
    sizes = {
        run.font.size.pt
        for row in glance.rows
        for c in row.cells
        for run in c.paragraphs[0].runs
    }
    assert sizes == {7.5}


def test_register_report_prints_controls_and_actions_as_tables(rendered):
    document = rendered.register_doc
    controls = table_after(document, "Controls of MOPAC-R01")
    assert cells(controls) == [
        ["Control", "Type", "Effectiveness", "Assurance"],
        [CONTROL, "Detective", "Partially effective", "2nd line"],
    ]
    actions = table_after(document, "Actions of MOPAC-R01")
    assert cells(actions) == [
        ["Action", "Owner", "Due", "Status"],
        [REGISTER_DONE_ACTION, "Head of Victims", "31 Jul 2019", "Complete"],
        [
            OVERDUE_ACTION,
            "Head of Victims",
            "31 Aug 2019",
            "At risk Overdue by 30 days",
        ],
        [FUTURE_ACTION, "Head of Victims", "31 Dec 2019", "On track"],
    ]
    status = actions.rows[2].cells[3].paragraphs[0].runs
    assert [(run.text, bool(run.bold)) for run in status] == [
        ("At risk", False),
        (" Overdue by 30 days", True),
    ]
    assert repeats_header(controls) and repeats_header(actions)
    # As the PDF's tables, cell for cell.
    html = rendered.register_html
    assert cells(controls) == html_table(
        html, "register-entry-table--controls", after='id="risk-'
    )
    assert cells(actions) == html_table(
        html, "register-entry-table--actions", after='id="risk-'
    )
    # No run-on paragraphs any more; an entry without either says so.
    body = text(document)
    assert "Control 1:" not in body and "Action 1:" not in body
    r10 = body.split("MOPAC-R10 Workforce capacity in the control room")[-1]
    r10 = r10.split("Risks closed during the period")[0]
    assert "Controls: none recorded." in r10
    assert "Actions: none recorded." in r10
    # Each entry table's caption is kept with it.
    caption = next(p for p in document.paragraphs if p.text == "Controls of MOPAC-R01")
    assert caption.paragraph_format.keep_with_next


def test_register_report_carries_the_charts_as_described_pictures(rendered):
    document = rendered.register_doc
    shapes = document.inline_shapes
    described = [
        (shape._inline.docPr.get("descr"), shape._inline.docPr.get("title"))
        for shape in shapes
    ]
    # The band chart, then one per entry, each with the PDF's alternative text.
    assert described == rendered.register_alts
    assert all(alt and title for alt, title in described)
    assert described[0][0].startswith("MOPAC open risks by rating band")
    assert described[1][0].startswith("Score of MOPAC-R01 at each quarterly review.")
    assert [shape.width for shape in shapes] == [
        docx_parts.Mm(160),
        *[docx_parts.Mm(60)] * 3,
    ]
    ids = [shape._inline.docPr.get("id") for shape in shapes]
    assert len(set(ids)) == len(ids)
    # The band chart sits under its heading; an entry's chart after its scores.
    lines_ = lines(document)
    assert lines_.index("Rating bands over the quarters") < lines_.index("Heat maps")
    assert "Each entry's chart shows the score at each quarterly review" in text(
        document
    )
    with zipfile.ZipFile(io.BytesIO(rendered.register)) as archive:
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert media and all(archive.read(n)[:4] == b"\x89PNG" for n in media)


def test_register_report_without_charts_has_no_pictures(rendered):
    document = rendered.register_without_charts_doc
    assert len(document.inline_shapes) == 0
    assert "Rating bands over the quarters" not in lines(document)
    assert "Each entry's chart" not in text(document)
    # The tables are there all the same.
    assert cells(table_after(document, "Controls of MOPAC-R01"))[1][0] == CONTROL


def test_charts_drawn_alike_share_one_picture():
    history = [charts.ReviewScore(end=None, label="2019/20 Q1", score=9)]
    one, two = (
        charts.score_chart(
            f"Score of {reference} at each quarterly review",
            [("Score", history)],
            target=6,
            ceiling=10,
            size=charts.SMALL,
            slug=f"{reference}-chart",
        )
        for reference in ("R1", "R2")
    )
    document = docx.Document()
    pictures = chart_images.ChartPictures(document, width_mm=60)
    docx_parts.append_xml(document, [pictures.xml(one), pictures.xml(two)])
    shapes = document.inline_shapes
    assert [s._inline.docPr.get("descr") for s in shapes] == [one.alt, two.alt]
    blips = document.element.body.xpath(".//a:blip/@r:embed")
    assert len(blips) == 2 and len(set(blips)) == 1
    assert len({s._inline.docPr.get("id") for s in shapes}) == 2


def test_register_report_without_open_risks_says_so(rendered):
    document = docx.Document(io.BytesIO(rendered.register_empty))
    glance = table_after(
        document,
        "0 open risks as at 30 September 2019: current and target score, direction "
        "of travel, appetite and next review",
    )
    assert len(glance.rows) == 2
    assert glance.rows[1].cells[0].text == "No open risks."
    assert "There were no open risks as at 30 September 2019." in lines(document)
    # Only the register's band chart, empty but described.
    assert [s._inline.docPr.get("descr") for s in document.inline_shapes] == [
        rendered.register_alts[0][0].split(". Risks reviewed by quarter.")[0]
        + ". Risks reviewed by quarter. ."
    ]
