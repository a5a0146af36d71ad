"""The demo paper as a reader gets it: PDF and Word side by side, and their fonts.

The demo is loaded once for the module in a transaction rolled back afterwards;
both editions are rendered as PDF and .docx from it, and the register report PDF
of MOPAC as at 30 September 2019.
"""

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import transaction
from django.template.loader import render_to_string
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from reports import docx_paper, docx_register, register_pdf, register_report, rendering
from reports.appendix import build_appendix
from reports.fonts import FONT_FILES, LICENCES
from reports.models import PanelPaper
from risks.models import Organisation

from .test_docx import blocks, compare_public_editions, headings, pdf_text
from .test_pdf import in_order

# pytest-django creates the test database only for the tests that ask for one:
# marked, these modules' shared fixtures find it even when run alone or with -k.
pytestmark = pytest.mark.django_db

# The shipped fonts' family names inside the font files, and the names the PDF
# stylesheet gives them (which WeasyPrint writes as the embedded fonts' names).
SHIPPED_FAMILIES = {"Liberation Sans", "DejaVu Sans"}
STYLESHEET_FAMILIES = ("Paper-Sans", "Paper-Symbols")
# Appendix A of the 2019 paper: MOPAC's Victims, Equalities and Violence risks
# and the MPS's violent-crime risk.
REFERENCE_APPENDIX = {
    "MOPAC risks": ["MOPAC-R01", "MOPAC-R02", "MOPAC-R03"],
    "MPS risks": ["MPS-R03"],
}


@dataclass
class Demo:
    appendix: dict
    secrets: list[str]  # the first words of each OFFICIAL-SENSITIVE section
    pdf: dict[str, bytes]
    docx: dict[str, bytes]
    register_pdf: bytes
    register_docx: bytes
    html: str  # the full edition's HTML, as WeasyPrint prints it
    chart_svgs: list[str]  # Appendix A's charts, as the Word pictures draw them


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Demo:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--until", "2019-09-30", verbosity=0)
        paper = PanelPaper.objects.get()
        appendix = build_appendix(paper)
        mopac = Organisation.objects.get(slug="mopac")
        periods = register_report.organisation_periods(mopac)
        period = register_report.choose_period(periods, mopac, "2019/20 Q2")
        result = Demo(
            secrets=[
                " ".join(section.body.split()[:8])
                for section in paper.sections.filter(is_sensitive=True)
            ],
            appendix={
                theme.name: {
                    group.heading: [risk.reference for risk in group.risks]
                    for group in theme.organisations
                }
                for theme in appendix.themes
            },
            pdf={e: rendering.render_pdf(paper, edition=e) for e in rendering.EDITIONS},
            docx={
                e: docx_paper.render_docx(paper, edition=e) for e in rendering.EDITIONS
            },
            register_pdf=register_pdf.render_register_pdf(
                register_report.build_register_report(mopac, period)
            ),
            register_docx=docx_register.write_register_docx(
                register_report.build_register_report(mopac, period)
            ),
            html=rendering.render_html(paper),
            chart_svgs=[
                render_to_string("charts/_score_chart.svg", {"chart": chart})
                for theme in appendix.themes
                for chart in theme.pair_charts
            ],
        )
        transaction.set_rollback(True)
    return result


def embedded_fonts(pdf: bytes) -> list[tuple[str, str]]:
    """Return each embedded font's name and the family named inside its program."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"]
                program = descriptor["/FontFile2"].get_data()
                family = TTFont(io.BytesIO(program))["name"].getDebugName(1)
                found.append((str(descriptor["/FontName"]), family))
    return found


def test_demo_appendix_names_the_reference_papers_four_risks(demo):
    assert demo.appendix == {"Community engagement": REFERENCE_APPENDIX}
    for edition in rendering.EDITIONS:
        document = docx.Document(io.BytesIO(demo.docx[edition]))
        appendix = [t for _, t in headings(document)]
        appendix = appendix[appendix.index("Appendix A") :]
        for reference in ("MOPAC-R01", "MOPAC-R02", "MOPAC-R03", "MPS-R03"):
            assert any(t.startswith(reference) for t in appendix), reference
        assert not any(t.startswith(("MOPAC-R04", "MPS-R01")) for t in appendix)
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(demo.pdf["full"])).pages
    )
    appendix_text = text.split("Appendix A")[-1]
    assert "MOPAC-R01 Victims - failure to ensure victims needs" in appendix_text
    assert "MPS-R03 Our efforts with partners and communities" in appendix_text


def test_pdfs_embed_only_the_shipped_fonts(demo):
    for name, pdf in (*demo.pdf.items(), ("register", demo.register_pdf)):
        fonts = embedded_fonts(pdf)
        assert fonts, name
        for font_name, family in fonts:
            base = font_name.lstrip("/").split("+", 1)[-1]
            assert base.startswith(STYLESHEET_FAMILIES), (name, font_name)
            assert family in SHIPPED_FAMILIES, (name, font_name, family)


def test_fonts_are_subset_by_harfbuzz(caplog):
    """WeasyPrint's fontTools fallback is slower and deprecated."""
    from reports import pdf_parts
    from reports.fetcher import STATIC_BASE_URL, SafeFetcher

    html = (
        '<html lang="en-GB"><head><title>Fonts</title>'
        '<link rel="stylesheet" href="css/paper.css"></head>'
        '<body class="paper-print"><p>Risk £ → ★</p></body></html>'
    )
    with caplog.at_level("WARNING", logger="weasyprint"):
        pdf = pdf_parts.render(html, STATIC_BASE_URL, SafeFetcher())
    assert embedded_fonts(pdf)
    fallbacks = [r.message for r in caplog.records if "fontTools" in r.message]
    assert fallbacks == [], "install Debian's libharfbuzz-subset0"


def test_shipped_fonts_have_every_glyph_the_documents_print():
    printed = "↑↓→•–—£€×“”‘’…éèêëàâçîïôöûüñÉÀŁłøØ"
    symbols = "★"
    faces = {path: TTFont(finders.find(path)).getBestCmap() for path in FONT_FILES}
    for path, cmap in faces.items():
        missing = [c for c in printed if ord(c) not in cmap]
        assert missing == [], path
    dejavu = [path for path in faces if "DejaVu" in path]
    assert dejavu and all(ord(c) in faces[p] for p in dejavu for c in symbols)
    for licence in LICENCES:
        assert "Permission" in Path(finders.find(licence)).read_text() or (
            "SIL Open Font License" in Path(finders.find(licence)).read_text()
        )


def test_demo_docx_reads_as_the_same_paper_as_the_pdf(demo):
    document = docx.Document(io.BytesIO(demo.docx["full"]))
    pdf_text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(demo.pdf["full"])).pages
    ).replace("\n", " ")
    # Every heading of the Word document is printed in the PDF, in the same order.
    position = 0
    flat = " ".join(pdf_text.split())
    for _, title in headings(document):
        title = " ".join(title.split())
        found = flat.find(title, position)
        assert found >= 0, title
        position = found + len(title)
    marking = "OFFICIAL-SENSITIVE"
    section = document.sections[0]
    assert marking in section.header.paragraphs[0].text
    assert marking in section.footer.paragraphs[0].text
    assert document.core_properties.keywords == marking


def test_demo_register_docx_has_the_register_pdfs_headings_and_risks(demo):
    document = docx.Document(io.BytesIO(demo.register_docx))
    text = pdf_text(demo.register_pdf)
    titles = [" ".join(title.split()) for _, title in headings(document)]
    assert in_order(text, titles) == []
    risks = [t for t in titles if t.startswith("MOPAC-R")]
    assert len(risks) == len(set(risks)) >= 4  # one entry per open risk
    for part in ("Summary", "Heat maps", "Risks outside appetite", "Overdue actions"):
        assert part in titles, part
    marking = document.core_properties.keywords
    assert marking in text and marking in document.sections[0].footer._element.xml


def test_demo_public_docx_hides_the_sensitive_content(demo):
    full = docx.Document(io.BytesIO(demo.docx["full"]))
    public = docx.Document(io.BytesIO(demo.docx["public"]))
    full_text = " ".join(p.text for p in blocks(full))
    public_text = " ".join(p.text for p in blocks(public))
    assert demo.secrets
    for secret in demo.secrets:
        assert secret in full_text
        assert secret not in public_text
    assert rendering.WITHHELD not in full_text
    assert rendering.WITHHELD in public_text
    assert rendering.PUBLIC_NOTE in public_text
    assert public.core_properties.keywords == "OFFICIAL"
    assert "OFFICIAL-SENSITIVE" not in public.sections[0].header.paragraphs[0].text


def test_public_docx_leaves_out_exactly_what_the_public_pdf_leaves_out(demo):
    left_out = " ".join(compare_public_editions(demo.docx, demo.pdf))
    for secret in demo.secrets:
        assert " ".join(secret.split()[:4]) in left_out, secret


@pytest.mark.skipif(
    not shutil.which("soffice"),
    reason="LibreOffice (soffice) is not installed: the .docx are not converted to "
    "PDF here (apt-get install libreoffice-writer-nogui to run this test).",
)
def test_libreoffice_opens_each_docx_with_its_headings_and_marking(demo, tmp_path):
    documents = {**demo.docx, "register": demo.register_docx}
    for edition, data in documents.items():
        source = tmp_path / f"{edition}.docx"
        source.write_bytes(data)
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            [
                shutil.which("soffice"),
                "--headless",
                f"-env:UserInstallation=file://{tmp_path}/profile",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        converted = PdfReader(tmp_path / f"{edition}.pdf")
        pages = [" ".join(p.extract_text().split()) for p in converted.pages]
        text = " ".join(pages)
        document = docx.Document(io.BytesIO(data))
        for _, title in headings(document):
            assert " ".join(title.split()) in text, (edition, title)
        # The marking in every page's header and footer, and its page number.
        marking = document.core_properties.keywords
        header = " ".join(document.sections[0].header.paragraphs[0].text.split())
        assert marking in header
        for number, page in enumerate(pages, 1):
            assert header in page, (edition, number)
            assert f"{marking} Page {number} of {len(pages)}" in page, (edition, number)


def test_the_stylesheet_declares_exactly_the_shipped_fonts():
    import re

    css = Path(finders.find("css/paper.css")).read_text()
    declared = {
        f"fonts/{name}" for name in re.findall(r'url\("\.\./fonts/([^"]+)"\)', css)
    }
    assert declared == set(FONT_FILES)
    families = set(re.findall(r"font-family:\s*([^;]+);", css))
    # Only the shipped families: no installed font can stand in for them.
    assert families == {
        '"Paper Sans"',
        '"Paper Symbols"',
        '"Paper Sans", "Paper Symbols"',
    }


NO_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""
RENDER = (
    "import pickle, sys\n"
    "from reports import pdf_parts\n"
    "html, base, resources = pickle.load(open(sys.argv[1], 'rb'))\n"
    "sys.stdout.buffer.write(pdf_parts.render_preloaded(html, base, resources)[0])\n"
)


def test_same_pdf_bytes_on_a_machine_with_no_fonts_installed(demo, tmp_path):
    """Render the demo paper where fontconfig knows no font at all: same bytes."""
    import pickle
    import sys

    from reports.fetcher import STATIC_BASE_URL, preloaded_resources

    config = tmp_path / "fonts.conf"
    config.write_text(NO_FONTS.format(cache=tmp_path / "cache"))
    job = tmp_path / "job.pickle"
    job.write_bytes(pickle.dumps((demo.html, STATIC_BASE_URL, preloaded_resources())))
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-W", "ignore", "-c", RENDER, str(job)],
        env={"PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(config)},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=300,
        check=True,
    )
    assert result.stdout.startswith(b"%PDF")
    assert result.stdout == demo.pdf["full"]


DRAW = (
    "import os, pickle, sys, django\n"
    "os.environ['DJANGO_SETTINGS_MODULE'] = 'riskregister.settings.test'\n"
    "django.setup()\n"
    "from reports import chart_images, raster\n"
    "svgs = pickle.load(open(sys.argv[1], 'rb'))\n"
    "pngs = [raster.svg_to_png(svg, scale=chart_images.SCALE) for svg in svgs]\n"
    "sys.stdout.buffer.write(pickle.dumps(pngs))\n"
)


def test_word_charts_are_the_same_pictures_on_a_machine_with_no_fonts(demo, tmp_path):
    """Draw the demo's Word charts where fontconfig knows no font: same PNGs."""
    import pickle
    import sys
    import zipfile

    assert demo.chart_svgs
    config = tmp_path / "fonts.conf"
    config.write_text(NO_FONTS.format(cache=tmp_path / "cache"))
    job = tmp_path / "job.pickle"
    job.write_bytes(pickle.dumps(demo.chart_svgs))
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-W", "ignore", "-c", DRAW, str(job)],
        env={"PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(config)},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=300,
        check=True,
    )
    drawn = pickle.loads(result.stdout)  # noqa: S301 - our own subprocess
    with zipfile.ZipFile(io.BytesIO(demo.docx["full"])) as archive:
        pictures = {
            archive.read(name)
            for name in archive.namelist()
            if name.startswith("word/media/") and name.endswith(".png")
        }
    assert set(drawn) == pictures
