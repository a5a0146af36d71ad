"""The 18 September 2019 meeting's agenda pack and the paper's matters arising.

The 2019 demo is loaded once for the module in a transaction rolled back
afterwards; the paper (5b) is cleared and published, then both editions of the
pack are rendered by the pack task and read back with pypdf and pikepdf.
"""

import io
import re
from dataclasses import dataclass

import docx
import pikepdf
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from reports import docx_paper, pack_services, rendering, services
from reports.models import Meeting, MeetingPack, PanelPaper, RegisterReportStatus
from reports.tasks import render_publication
from risks.models import Organisation

from .test_demo_documents import (
    SHIPPED_FAMILIES,
    STYLESHEET_FAMILIES,
    embedded_fonts,
)
from .test_register_parts import _marked_content_ids

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db

FINANCE = "The Panel asked for a report on the aligned finance risk."
PACK_PAGE = re.compile(r"(OFFICIAL(?:-SENSITIVE)?) · Agenda pack · Page (\d+) of (\d+)")


@dataclass
class Demo:
    meeting_id: int
    paper_id: int
    secrets: list[str]  # the first words of each OFFICIAL-SENSITIVE section
    packs: dict[str, bytes]
    pack_rows: dict[str, MeetingPack]
    paper_pdf: bytes
    paper_docx: bytes


def _publish(paper: PanelPaper) -> None:
    users = get_user_model().objects
    for slug, name in (("mopac", "mopac-governance"), ("mps", "met-governance")):
        services.paper_clear(
            paper=paper,
            organisation=Organisation.objects.get(slug=slug),
            user=users.get(username=name),
        )
    publication = services.paper_publish(
        paper=paper, user=users.get(username="mopac-governance")
    )
    render_publication.call(publication_id=publication.pk, revision=paper.revision)


def _pack(meeting: Meeting, edition: str) -> MeetingPack:
    member = get_user_model().objects.get(username="panel-member")
    state = pack_services.pack_request(meeting=meeting, edition=edition, user=member)
    # Inside the module's transaction the task's on-commit never comes: run it.
    pack_services.pack_render(state.pack.pk)
    state.pack.refresh_from_db()
    assert state.pack.status == RegisterReportStatus.READY, state.pack.error
    return state.pack


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Demo:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--until", "2019-09-30", verbosity=0)
        paper = PanelPaper.objects.get()
        _publish(paper)
        meeting = paper.panel_meeting
        rows = {edition: _pack(meeting, edition) for edition in ("full", "public")}
        result = Demo(
            meeting_id=meeting.pk,
            paper_id=paper.pk,
            secrets=[
                " ".join(section.body.split()[:8])
                for section in paper.sections.filter(is_sensitive=True)
            ],
            packs={edition: row.pdf.read() for edition, row in rows.items()},
            pack_rows=rows,
            paper_pdf=rendering.render_pdf(paper),
            paper_docx=docx_paper.render_docx(paper),
        )
        transaction.set_rollback(True)
    return result


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _contents(cover: str) -> dict[str, int | None]:
    """Item number → first page, from the cover's contents table."""
    found = {}
    for number in ("5b", "8a", "8b"):
        match = re.search(rf"^{number} .*?(\d+)?$", cover, re.MULTILINE)
        assert match, number
        found[number] = int(match.group(1)) if match.group(1) else None
    return found


def test_the_pack_is_one_pdf_with_a_cover_listing_each_item_and_its_page(demo):
    texts = _texts(demo.packs["full"])
    cover = texts[0]
    assert "MPS-MOPAC Joint Audit Panel" in cover
    assert "Meeting of 18 September 2019" in cover
    assert "Alignment of MOPAC and Met Risks" in cover
    assert "MOPAC corporate risk register, 2019/20 Q1" in cover
    assert "MPS corporate risk register, 2019/20 Q1" in cover
    pages = _contents(cover)
    assert pages["5b"] == 2
    assert pages["5b"] < pages["8a"] < pages["8b"] <= len(texts)
    # Each item starts where the cover says: its own first page is there.
    assert "Agenda item 5b" in texts[pages["5b"] - 1]
    assert "MOPAC corporate risk register" in texts[pages["8a"] - 1]
    assert "MPS corporate risk register" in texts[pages["8b"] - 1]
    assert "Page 1 of" in texts[pages["8a"] - 1]  # the register's own numbering


def test_every_page_has_the_packs_number_and_highest_marking(demo):
    texts = _texts(demo.packs["full"])
    for number, text in enumerate(texts, start=1):
        match = PACK_PAGE.search(text)
        assert match, number
        assert match.groups() == ("OFFICIAL-SENSITIVE", str(number), str(len(texts)))
    assert demo.pack_rows["full"].page_count == len(texts)


def test_each_item_has_a_bookmark_with_its_own_under_it(demo):
    reader = PdfReader(io.BytesIO(demo.packs["full"]))
    top = [item for item in reader.outline if not isinstance(item, list)]
    titles = [item.title for item in top]
    assert titles == [
        "Cover and contents",
        "5b Alignment of MOPAC and Met Risks",
        "8a MOPAC corporate risk register, 2019/20 Q1",
        "8b MPS corporate risk register, 2019/20 Q1",
    ]
    pages = _contents(_texts(demo.packs["full"])[0])
    for item, number in zip(top[1:], ("5b", "8a", "8b"), strict=True):
        assert reader.get_destination_page_number(item) + 1 == pages[number]
    nested = reader.outline[reader.outline.index(top[1]) + 1]
    assert "Matters arising" in [i.title for i in nested if not isinstance(i, list)]


def test_the_pack_embeds_only_the_shipped_fonts(demo):
    for edition, pdf in demo.packs.items():
        fonts = embedded_fonts(pdf)  # the cover, page numbers and every item
        assert fonts, edition
        for font_name, family in fonts:
            base = font_name.lstrip("/").split("+", 1)[-1]
            assert base.startswith(STYLESHEET_FAMILIES), (edition, font_name)
            assert family in SHIPPED_FAMILIES, (edition, font_name, family)


def test_the_pack_is_a_tagged_pdf(demo):
    with pikepdf.open(io.BytesIO(demo.packs["full"])) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "en-GB"
        assert b"pdfuaid:part" in root.Metadata.read_bytes()
        assert str(pdf.docinfo.Title).startswith("Agenda pack: MPS-MOPAC")
        tree = root.StructTreeRoot
        (document,) = tree.K
        numbers = tree.ParentTree.Nums
        parent_tree = {
            int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)
        }
        keys = [int(page.obj.StructParents) for page in pdf.pages]
        assert len(set(keys)) == len(keys)
        for page, key in zip(pdf.pages, keys, strict=True):
            for mcid in _marked_content_ids(page):
                assert parent_tree[key][mcid].Pg.objgen == page.obj.objgen


def test_the_public_pack_has_no_official_sensitive_content(demo):
    texts = _texts(demo.packs["public"])
    text = "\n".join(texts)
    assert demo.secrets
    for secret in demo.secrets:
        assert secret not in " ".join(text.split())
    for number, page in enumerate(texts, start=1):
        assert PACK_PAGE.search(page).groups() == (
            "OFFICIAL",
            str(number),
            str(len(texts)),
        )
    # No page is marked OFFICIAL-SENSITIVE: the word appears only where the
    # public edition says what it leaves out.
    lines = [line.strip() for line in text.splitlines()]
    assert "OFFICIAL-SENSITIVE" not in lines
    assert not [line for line in lines if line.endswith("OFFICIAL-SENSITIVE")]
    # The MPS register prints an OFFICIAL-SENSITIVE risk: it is left out, and
    # the cover says why.
    assert "Not included in the public edition: the register is" in texts[0]
    assert "MPS-R04" not in text


def test_the_stored_pack_is_served_again_until_an_item_changes(demo, db, client):
    # The module's data was rolled back: check the key instead, on a fresh demo.
    call_command("load_demo", "--until", "2019-09-30", verbosity=0)
    paper = PanelPaper.objects.get()
    meeting = paper.panel_meeting
    client.force_login(get_user_model().objects.get(username="panel-member"))
    url = reverse("reports:meeting_pack", args=[meeting.pk])
    first = pack_services.pack_request(
        meeting=meeting, edition="full", user=paper.created_by
    )
    again = pack_services.pack_request(
        meeting=meeting, edition="full", user=paper.created_by
    )
    assert first.started and not again.started
    assert again.pack.pk == first.pack.pk
    response = client.get(url)
    assert response.status_code == 202  # still rendering: no worker in this test
    assert "The agenda pack is being rendered" in response.content.decode()
    _publish(paper)  # a published version: a new key, a new pack
    changed = pack_services.pack_request(
        meeting=meeting, edition="full", user=paper.created_by
    )
    assert changed.started and changed.pack.pk != first.pack.pk


def test_the_finance_request_is_answered_in_the_papers_matters_arising(demo):
    pdf = " ".join(" ".join(_texts(demo.paper_pdf)).split())
    assert "Matters arising" in pdf
    assert FINANCE in pdf
    assert "19 June 2019" in pdf
    assert "Answered" in pdf
    assert "In this paper, section 3, Aligned Finance risk (oral update)" in pdf
    document = docx.Document(io.BytesIO(demo.paper_docx))
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert "Matters arising" in headings
    cells = [
        cell.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
    ]
    assert FINANCE in cells
    assert "Answered" in cells
    assert "In this paper, section 3, Aligned Finance risk (oral update)" in cells


def test_the_pack_page_of_the_demo_meeting(demo, db, client):
    call_command("load_demo", "--until", "2019-09-30", verbosity=0)
    meeting = PanelPaper.objects.get().panel_meeting
    client.force_login(get_user_model().objects.get(username="met-governance"))
    page = client.get(meeting.get_absolute_url()).content.decode()
    for text in ("5b", "8a", "8b", FINANCE, "Answered", "Meeting of 18 September 2019"):
        assert text in page
    assert Meeting.objects.filter(date__year=2019).count() == 2
