"""The paper's PDF read back with pypdf: structure, numbering, marking, tagging.

The PDFs are rendered once for the module (a render takes a second or two) from
data written in a transaction that is rolled back straight afterwards.
"""

import io
import re
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from pypdf import PdfReader

from reports import rendering

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

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db


@dataclass
class Rendered:
    full: bytes
    full_again: bytes
    public: bytes

    @cached_property
    def full_pages(self) -> list[str]:
        return pages(self.full)

    @cached_property
    def public_pages(self) -> list[str]:
        return pages(self.public)


@pytest.fixture(scope="module")
def pdfs(django_db_setup, django_db_blocker) -> Rendered:
    with django_db_blocker.unblock(), transaction.atomic():
        paper = build_render_world(include_heat_maps=True).paper
        rendered = Rendered(
            full=rendering.render_pdf(paper),
            full_again=rendering.render_pdf(paper),
            public=rendering.render_pdf(paper, edition="public"),
        )
        transaction.set_rollback(True)
    return rendered


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def text(texts: list[str]) -> str:
    return "\n".join(texts)


def in_order(haystack: str, needles: list[str]) -> list[str]:
    """Return the needles not found after the previous one."""
    missing, position = [], 0
    for needle in needles:
        found = haystack.find(needle, position)
        if found < 0:
            missing.append(needle)
        else:
            position = found + len(needle)
    return missing


REFERENCE_ORDER = [
    "MPS-MOPAC JOINT AUDIT PANEL",
    "18 September 2019",
    TITLE,
    "Report by: MOPAC Chief Executive Officer & Met Director of Strategy",
    "Report Summary",
    "Overall Summary of the Purpose of the Report",
    "Key Considerations for the Panel",
    "Interdependencies/Cross Cutting Issues",
    "Recommendations",
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
    "Community engagement",
    "MOPAC risks",
    "MPS risks",
    "Violence",
    "MOPAC risks",
    "MPS risks",
    "Heat maps",
]


def test_headings_follow_the_reference_paper(pdfs):
    assert in_order(text(pdfs.full_pages), REFERENCE_ORDER) == []


def test_paragraphs_are_numbered_and_recommendations_lettered(pdfs):
    body = text(pdfs.full_pages)
    for number, words in [
        ("1.1", "First paragraph of alignment."),
        ("1.2", "Second paragraph of alignment."),
        ("2.1", "First engagement paragraph."),
        ("2.2", "Second engagement paragraph."),
        ("2.3", "Third engagement paragraph."),
        ("3.1", rendering.ORAL_UPDATE),
        ("3.2", SECRET_SECTION),
    ]:
        assert re.search(rf"^{re.escape(number)}\s+{re.escape(words)}", body, re.M), (
            number
        )
    # List markers are drawn (and extracted) apart from the item text.
    first_page = pdfs.full_pages[0]
    assert re.search(r"^a\.\s*$", first_page, re.M)
    assert re.search(r"^b\.\s*$", first_page, re.M)
    assert "Comment on the engagement controls." in first_page


def test_marking_agenda_item_and_page_number_on_every_page(pdfs):
    for edition, texts, marking in (
        ("full", pdfs.full_pages, "OFFICIAL-SENSITIVE"),
        ("public", pdfs.public_pages, "OFFICIAL"),
    ):
        assert len(texts) >= 3, edition
        for number, page in enumerate(texts, start=1):
            # Top and bottom of the page (and in the body text of pages 1 and N).
            assert page.count(marking) >= 2, (edition, number)
            assert f"Page {number} of {len(texts)}" in page, (edition, number)
            assert "Agenda item 5b" in page, (edition, number)
    assert "Page 1 of " in pdfs.full_pages[0]


def test_public_edition_is_marked_official_only(pdfs):
    for page in pdfs.public_pages:
        assert "OFFICIAL-SENSITIVE" not in page.replace(
            rendering.PUBLIC_NOTE, ""
        ).replace(rendering.WITHHELD, "").replace(
            "Details of this OFFICIAL-SENSITIVE risk", ""
        )


def test_appendix_lists_aligned_risks_with_controls_and_open_actions(pdfs):
    appendix = text(pdfs.full_pages).split("Appendix A", 1)[1]
    for words in (
        "MOPAC-R01 Victims at the heart",
        "MPS-R02 Violent crime not reduced",
        OPEN_CONTROL,
        OPEN_ACTION,
        "Current score: 12 (High)",
        "Direction of travel: Increasing",
    ):
        assert words in appendix.replace("\n", " "), words
    assert LATE_TITLE not in appendix
    assert DONE_ACTION not in appendix


def test_public_edition_contains_no_sensitive_text(pdfs):
    full, public = text(pdfs.full_pages), text(pdfs.public_pages)
    flat_full, flat_public = full.replace("\n", " "), public.replace("\n", " ")
    for secret in (SECRET_STATEMENT, SECRET_CONTROL, SECRET_SECTION):
        assert secret in flat_full
        assert secret not in flat_public
        assert secret.encode() not in pdfs.public
    assert PUBLIC_SUMMARY in flat_public
    assert rendering.WITHHELD in flat_public
    assert rendering.PUBLIC_NOTE in flat_public
    assert "Victims at the heart" in flat_public


def test_pdf_is_tagged_with_title_language_and_outline(pdfs):
    reader = PdfReader(io.BytesIO(pdfs.full))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == TITLE
    assert str(reader.metadata.creation_date.date()) == "2019-09-01"

    def titles(outline, depth=0):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item, depth + 1)
            else:
                yield depth, item.title

    outline = list(titles(reader.outline))
    top = [title for depth, title in outline if depth == 0]
    assert top[:2] == ["Report Summary", "1. Alignment of risk"]
    assert "9. Appendices and Background Papers" in top
    assert top[-1] == "Appendix A"
    assert (1, "Community engagement") in outline
    assert (2, "MOPAC risks") in outline and (2, "MPS risks") in outline


def test_same_data_gives_identical_bytes(pdfs):
    assert pdfs.full == pdfs.full_again


def test_hostile_section_text_neither_loads_files_nor_breaks_the_render(pdfs):
    flat = text(pdfs.full_pages).replace("\n", " ")
    assert "root:x:0:0" not in flat
    assert b"root:x:0:0" not in pdfs.full
    assert "a local file and the loopback and the web (https://example.org/law)" in (
        flat
    )


def test_render_paper_command_writes_the_pdf(db, tmp_path):
    paper = build_render_world().paper
    output = tmp_path / "paper.pdf"
    call_command(
        "render_paper", paper.pk, "--output", str(output), "--edition", "public"
    )
    reader = PdfReader(output)
    assert reader.metadata.title == TITLE
    assert SECRET_SECTION not in "".join(p.extract_text() for p in reader.pages)
    with pytest.raises(CommandError, match="no panel paper"):
        call_command("render_paper", paper.pk + 1000, "--output", str(output))
