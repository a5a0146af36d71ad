"""Charts in the documents: tagged figures with alternative text in the PDFs.

The 2019 demo is loaded once for the module in a transaction rolled back
afterwards; the paper and MOPAC's register report as at 30 September 2019 are
rendered and their structure trees read back with pikepdf.
"""

import io
from dataclasses import dataclass

import pikepdf
import pytest
from django.core.management import call_command
from django.db import transaction
from pypdf import PdfReader

from reports import docx_paper, docx_register, register_pdf, register_report, rendering
from reports.models import PanelPaper
from risks.models import Organisation

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db


@dataclass
class Rendered:
    paper: bytes
    public: bytes
    docx: dict[str, bytes]
    register: bytes
    register_html: str
    register_docx: bytes
    references: list[str]


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> Rendered:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--until", "2019-09-30", verbosity=0)
        paper = PanelPaper.objects.get()
        mopac = Organisation.objects.get(slug="mopac")
        periods = register_report.organisation_periods(mopac)
        period = register_report.choose_period(periods, mopac, "2019/20 Q2")
        document = register_report.build_register_report(mopac, period)
        result = Rendered(
            paper=rendering.render_pdf(paper),
            public=rendering.render_pdf(paper, edition="public"),
            docx={
                e: docx_paper.render_docx(paper, edition=e) for e in rendering.EDITIONS
            },
            register=register_pdf.render_register_pdf(document),
            register_html=register_pdf.render_register_html(document),
            register_docx=docx_register.write_register_docx(document),
            references=[risk.reference for risk in document.risks],
        )
        transaction.set_rollback(True)
    return result


def figures(pdf: bytes) -> list[str]:
    """Return the alternative text of every Figure in the structure tree, in order."""
    found = []

    def walk(element):
        if str(element.get("/S")) == "/Figure":
            found.append(str(element.get("/Alt", "")))
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)

    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        assert root.MarkInfo.Marked is True
        assert b"pdfuaid:part" in root.Metadata.read_bytes()
        walk(root.StructTreeRoot.K[0])
    return found


def test_paper_appendix_a_carries_the_pairs_charts_as_tagged_figures(rendered):
    alts = figures(rendered.paper)
    pairs = [alt for alt in alts if alt.startswith("Scores of ")]
    assert pairs, alts
    violence = next(alt for alt in pairs if "MOPAC-R03 (MOPAC)" in alt)
    assert "MPS-R03 (MPS)" in violence
    assert "MOPAC: 2018/19 Q4 " in violence and "MPS: " in violence
    assert all(alt for alt in alts)  # no figure without alternative text
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(rendered.paper)).pages
    )
    assert "Scores of the aligned pairs" in text


def test_public_paper_leaves_out_pairs_with_a_sensitive_risk(rendered):
    full = [a for a in figures(rendered.paper) if a.startswith("Scores of ")]
    public = [a for a in figures(rendered.public) if a.startswith("Scores of ")]
    assert public and set(public) <= set(full)


def test_word_paper_has_the_pdfs_charts_in_each_edition(rendered):
    import docx

    for edition, pdf in (("full", rendered.paper), ("public", rendered.public)):
        document = docx.Document(io.BytesIO(rendered.docx[edition]))
        pictures = [
            shape._inline.docPr.get("descr") for shape in document.inline_shapes
        ]
        in_pdf = [alt for alt in figures(pdf) if alt.startswith("Scores of ")]
        assert pictures == in_pdf, edition


def test_register_report_opens_with_its_summary_table(rendered):
    html = rendered.register_html
    glance = html.index('id="register-glance"')
    assert (
        glance < html.index('id="register-summary"') < html.index('id="register-risks"')
    )
    table = html[glance : html.index("</table>", glance)]
    for header in (
        "Ref.",
        "Title",
        "Owner",
        "Current → target",
        "Travel",
        "Appetite",
        "Next review",
    ):
        assert f">{header}</th>" in table
    assert table.count("<tr>") == 1 + len(rendered.references)
    first_page = PdfReader(io.BytesIO(rendered.register)).pages[0].extract_text()
    assert "Risks at a glance" in first_page
    assert rendered.references[0] in first_page


def test_register_report_prints_controls_and_actions_as_tables(rendered):
    html = rendered.register_html
    for reference in rendered.references:
        assert f"<caption>Controls of {reference}</caption>" in html or (
            f"{reference}" in html and "Controls: none recorded." in html
        )
    assert (
        html.count(
            '<table class="register-entry-table register-entry-table--controls">'
        )
        >= 1
    )
    assert (
        html.count('<table class="register-entry-table register-entry-table--actions">')
        >= 1
    )
    assert "Control 1:" not in html and "Action 1:" not in html


def test_register_report_charts_are_tagged_figures_with_alt_text(rendered):
    alts = figures(rendered.register)
    entries = [a for a in alts if a.startswith("Score of ")]
    assert len(entries) == len(rendered.references)
    assert any(a.startswith("MOPAC open risks by rating band") for a in alts)
    assert all(alts)


def test_word_register_report_carries_the_pdfs_figures_as_described_pictures(
    rendered,
):
    import docx

    document = docx.Document(io.BytesIO(rendered.register_docx))
    described = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    # The same charts, in the same order, with the same alternative text as the
    # PDF's tagged figures: the register's band chart and one per entry.
    assert described == figures(rendered.register)
    entries = [alt for alt in described if alt.startswith("Score of ")]
    assert len(entries) == len(rendered.references)
    glance = document.tables[0]
    assert [cell.text for cell in glance.rows[0].cells][:2] == ["Ref.", "Title"]
    assert [row.cells[0].text for row in glance.rows[1:]] == rendered.references


def test_word_paper_carries_the_pairs_charts_as_described_pictures(db):
    import docx

    from reports import docx_paper

    call_command("load_demo", "--until", "2019-09-30", verbosity=0)
    paper = PanelPaper.objects.get()
    document = docx.Document(io.BytesIO(docx_paper.render_docx(paper)))
    described = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    pairs = [alt for alt in described if alt and alt.startswith("Scores of ")]
    assert any("MOPAC-R03 (MOPAC)" in alt and "MPS: " in alt for alt in pairs)
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert "Scores of the aligned pairs" in headings
