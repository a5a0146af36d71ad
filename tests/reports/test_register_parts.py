"""A large register rendered in parts on several processes and joined into one PDF.

The joined PDF is read back (pypdf and pikepdf) and compared with the same
register rendered in one piece: the same text in the same order, page numbers
"n of N" on every page, the same outline, a consistent structure tree, PDF/UA
markers, and the same bytes every time.
"""

import io
import re
from dataclasses import dataclass

import pikepdf
import pytest
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from reports import pdf_parts, register_pdf, register_report
from reports.fetcher import STATIC_BASE_URL, preloaded_resources
from reports.models import RegisterReport, RegisterReportStatus

from .register_data import build_register_world, bulk_register

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db

HEADER = ("MOPAC corporate risk register", "2019/20 Q2, as at 30 September 2019")
MARKING = "OFFICIAL-SENSITIVE"
PAGE_NUMBER = re.compile(r"Page (\d+) of (\d+)")


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


# WeasyPrint paints the text of inline SVGs after the page's other text: the
# entries' charts (a score beside each point) read as lines of digits at the end
# of the page's body. They are compared on their own.
FOOTER = f"{HEADER[0]} {MARKING}"
CHART_LABELS = re.compile(r"(?:\n\d+)+\n?$")


def split_page(text: str) -> tuple[str, list[str]]:
    """Return the page's text without its charts' labels, and those labels."""
    body, footer = text.rsplit(FOOTER, 1) if FOOTER in text else (text, "")
    labels = CHART_LABELS.search(body)
    if not labels:
        return text, []
    return body[: labels.start()] + "\n" + FOOTER + footer, labels.group().split()


def chart_texts(pdf: bytes) -> list[str]:
    """Return the entries' charts' labels, in order."""
    return [label for text in page_texts(pdf) for label in split_page(text)[1]]


def body_words(pdf: bytes) -> list[str]:
    """Return the words of the PDF without its page furniture and charts."""
    words = []
    for text in page_texts(pdf):
        text = split_page(text)[0]
        for furniture in (*HEADER, MARKING):
            text = text.replace(furniture, " ")
        words.extend(PAGE_NUMBER.sub(" ", text).split())
    return words


def outline(pdf: bytes) -> list:
    """Return the outline as nested (title, [children]) pairs."""

    def read(items):
        return [(item.title, read(item.children)) for item in items]

    with pikepdf.open(io.BytesIO(pdf)) as document, document.open_outline() as tree:
        return read(tree.root)


@pytest.fixture
def rw(db):
    return build_register_world()


@dataclass
class Renders:
    whole: bytes
    two: bytes
    two_again: bytes
    three: bytes
    parts: list[register_pdf.Part]
    figures: dict


@pytest.fixture(scope="module")
def renders(django_db_setup, django_db_blocker) -> Renders:
    from django.conf import settings

    saved = settings.REGISTER_PDF_PART_RISKS, settings.REGISTER_PDF_MAX_PARTS
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_register_world()
        gov = world.users["mopac-governance"]
        bulk_register(world.mopac, 21, user=gov, previous=world.q1, period=world.q2)
        document = register_report.build_register_report(world.mopac, world.q2)
        try:
            settings.REGISTER_PDF_PART_RISKS = 10
            settings.REGISTER_PDF_MAX_PARTS = 1
            whole = register_pdf.render_register_pdf(document)
            settings.REGISTER_PDF_MAX_PARTS = 2
            parts = register_pdf.split_parts(document)
            figures = {}
            two = register_pdf.render_register_pdf(document, figures)
            two_again = register_pdf.render_register_pdf(document)
            settings.REGISTER_PDF_MAX_PARTS = 3
            three = register_pdf.render_register_pdf(document)
        finally:
            settings.REGISTER_PDF_PART_RISKS, settings.REGISTER_PDF_MAX_PARTS = saved
        transaction.set_rollback(True)
    return Renders(whole, two, two_again, three, parts, figures)


# --- Splitting ------------------------------------------------------------------


def test_the_register_is_cut_into_consecutive_parts(renders):
    first, second = renders.parts
    assert (first.continuation, first.continues) == (False, True)
    assert (second.continuation, second.continues) == (True, False)
    # The first part also prints the summary, so it takes fewer entries.
    assert 0 < len(first.risks) < len(second.risks)


def test_split_respects_the_settings(rw, settings):
    document = register_report.build_register_report(rw.mopac, rw.q2)
    count = len(document.risks)
    settings.REGISTER_PDF_PART_RISKS = count
    assert len(register_pdf.split_parts(document)) == 1
    settings.REGISTER_PDF_PART_RISKS = 1
    settings.REGISTER_PDF_MAX_PARTS = 2
    parts = register_pdf.split_parts(document)
    assert len(parts) == 2
    assert [r for p in parts for r in p.risks] == list(document.risks)
    settings.REGISTER_PDF_MAX_PARTS = 1
    assert register_pdf.split_parts(document) == [register_pdf.Part(document.risks)]


def test_render_reports_its_parts_workers_and_phases(renders):
    figures = renders.figures
    assert figures["parts"] == 2
    assert 1 <= figures["workers"] <= 2
    assert figures["pages"] == len(page_texts(renders.two))
    for phase in ("seconds_parts", "seconds_waiting_for_page_numbers", "seconds_join"):
        assert figures[phase] >= 0
    assert figures["worker_peak_rss_mb"] > 0  # a worker process did render


def test_page_ranges_cover_every_page_once():
    assert pdf_parts.ranges(7, 2) == [(1, 4), (5, 7)]
    assert pdf_parts.ranges(2, 3) == [(1, 1), (2, 2)]
    assert pdf_parts.ranges(5, 1) == [(1, 5)]


# --- The joined PDF reads like the whole one --------------------------------------


@pytest.mark.parametrize("parts", ["two", "three"])
def test_joined_pdf_has_the_same_text_in_the_same_order(renders, parts):
    joined = getattr(renders, parts)
    assert body_words(joined) == body_words(renders.whole)
    labels = chart_texts(joined)
    assert len(labels) >= 21  # at least a score for every generated entry
    assert labels == chart_texts(renders.whole)


@pytest.mark.parametrize("parts", ["two", "three"])
def test_every_page_is_numbered_n_of_total_with_its_running_header(renders, parts):
    texts = page_texts(getattr(renders, parts))
    assert len(texts) >= 4
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text, number
        assert [int(n) for n in PAGE_NUMBER.findall(text)[0]] == [number, len(texts)]
        for header in HEADER:
            assert header in text, (number, header)
        assert text.count(MARKING) >= 2, number


@pytest.mark.parametrize("parts", ["two", "three"])
def test_outline_nests_every_entry_under_risks_as_in_the_whole_pdf(renders, parts):
    joined = outline(getattr(renders, parts))
    assert joined == outline(renders.whole)
    titles = [title for title, _ in joined]
    assert titles.count("Risks") == 1
    risks = dict(joined)["Risks"]
    assert len(risks) == 24  # the world's 3 open risks and the 21 added


def test_same_parts_give_the_same_bytes(renders):
    assert renders.two == renders.two_again
    assert renders.two != renders.whole  # parts start on a new page of their own


# --- Tagged PDF -------------------------------------------------------------------


def _marked_content_ids(page: pikepdf.Page) -> set[int]:
    ids = set()
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
            if "/MCID" in operands[1]:
                ids.add(int(operands[1].MCID))
    return ids


@pytest.mark.parametrize("parts", ["whole", "two", "three"])
def test_structure_tree_points_at_every_marked_text_of_every_page(renders, parts):
    with pikepdf.open(io.BytesIO(getattr(renders, parts))) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "en-GB"
        assert root.ViewerPreferences.DisplayDocTitle is True
        assert b"pdfuaid:part" in root.Metadata.read_bytes()
        tree = root.StructTreeRoot
        (document,) = tree.K
        assert document.S == "/Document"
        numbers = tree.ParentTree.Nums
        parent_tree = {
            int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)
        }
        page_ids = {page.obj.objgen for page in pdf.pages}
        keys = [int(page.obj.StructParents) for page in pdf.pages]
        assert len(set(keys)) == len(keys)  # each page its own parent tree entry
        for element in document.K:
            assert element.P.objgen == document.objgen
        for page, key in zip(pdf.pages, keys, strict=True):
            elements = parent_tree[key]
            for mcid in _marked_content_ids(page):
                element = elements[mcid]
                assert "/S" in element
                assert element.Pg.objgen == page.obj.objgen
                assert element.Pg.objgen in page_ids


def _empty_elements(pdf: bytes) -> list[str]:
    """Return the roles of structure elements with no content, in order."""
    empty = []

    def walk(element):
        kids = element.get("/K")
        if kids is None or (isinstance(kids, pikepdf.Array) and not len(kids)):
            empty.append(str(element.S))
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)

    with pikepdf.open(io.BytesIO(pdf)) as document:
        walk(document.Root.StructTreeRoot.K[0])
    return empty


@pytest.mark.parametrize("parts", ["two", "three"])
def test_joining_adds_no_empty_structure_elements(renders, parts):
    assert _empty_elements(getattr(renders, parts)) == _empty_elements(renders.whole)


def test_page_numbers_are_drawn_as_artifacts(renders):
    with pikepdf.open(io.BytesIO(renders.two)) as pdf:
        for index, page in enumerate(pdf.pages, start=1):
            content = page.obj.Contents
            streams = content if isinstance(content, pikepdf.Array) else [content]
            last = streams[-1].read_bytes()
            assert f"/Artifact BMC\nq /PageNumber{index} Do Q\nEMC".encode() in last


# --- What a worker process may load -----------------------------------------------


def test_worker_fetcher_serves_only_what_it_was_given():
    resources = preloaded_resources()
    fetcher = pdf_parts.PreloadedFetcher(resources)
    url = f"{STATIC_BASE_URL}css/register.css"
    assert url in resources
    assert b"register-page-number" in fetcher.fetch(url).read()
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"
    with pytest.raises(pdf_parts.RefusedResource):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(pdf_parts.RefusedResource):
        fetcher.fetch(f"{STATIC_BASE_URL}../settings.py")
    with pytest.raises(pdf_parts.RefusedResource):
        fetcher.fetch("https://example.org/tracker.css")


def test_css_strings_escape_everything_but_letters_digits_and_spaces():
    quoted = register_pdf.css_string('MOPAC "risk" </style> \\ \n')
    assert quoted == '"MOPAC \\22 risk\\22  \\3c \\2f style\\3e  \\5c  \\a "'
    assert "<" not in quoted and "\n" not in quoted


# --- Through the background task ----------------------------------------------------


def test_the_background_task_stores_the_register_rendered_in_parts(
    client, rw, settings, django_capture_on_commit_callbacks
):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 2
    settings.REGISTER_PDF_PART_RISKS = 2
    client.force_login(rw.users["mopac-governance"])
    url = reverse("reports:register_pdf", args=["mopac"]) + "?period=2019%2F20+Q2"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 202
    report = RegisterReport.objects.get()
    assert report.status == RegisterReportStatus.READY
    response = client.get(url)
    assert response.status_code == 200
    document = register_report.build_register_report(rw.mopac, rw.q2)
    assert len(register_pdf.split_parts(document)) == 2
    data = response.getvalue()  # streamed from the storage
    assert data == register_pdf.render_register_pdf(document)
    texts = page_texts(data)
    assert f"Page {len(texts)} of {len(texts)}" in texts[-1]


def test_without_worker_processes_the_register_renders_in_one_piece(
    rw, settings, monkeypatch, caplog
):
    settings.REGISTER_PDF_PART_RISKS = 2
    document = register_report.build_register_report(rw.mopac, rw.q2)

    def no_processes(workers):
        raise OSError("no processes here")

    monkeypatch.setattr(pdf_parts, "_worker_pool", no_processes)
    figures = {}
    pdf = register_pdf.render_register_pdf(document, figures)
    assert figures["parts"] == 1
    assert "rendering in one piece" in caplog.text
    settings.REGISTER_PDF_MAX_PARTS = 1
    assert pdf == register_pdf.render_register_pdf(document)
