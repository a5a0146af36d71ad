"""The Word documents over HTTP: who may download them, publication, renders."""

import datetime
import hashlib
import io

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import (
    docx_register,
    register_pdf,
    register_report,
    register_services,
    services,
)
from reports.models import (
    CONTENT_TYPES,
    FileFormat,
    Publication,
    PublicationStatus,
    RegisterReport,
    RegisterReportStatus,
    SectionKind,
)

from .register_data import build_register_world, bulk_register

DOCX = CONTENT_TYPES[FileFormat.DOCX]
GOVERNANCE = ["mopac-governance", "mps-governance"]
MEMBERS = ["mopac-owner", "mopac-reader", "mps-owner", "mps-reader"]
SECRET = "Budget gap under negotiation with the Treasury"


@pytest.fixture
def paper(world):
    user = world.users["mopac-governance"]
    paper = services.paper_create(
        user=user,
        data={
            "meeting_date": datetime.date(2019, 9, 18),
            "agenda_item": "5b",
            "title": "Alignment of MOPAC and Met Risks",
            "report_by": "MOPAC Chief Executive Officer",
            "period_label": "2019/20 Q2",
            "period_end": datetime.date(2019, 9, 30),
        },
    )
    services.section_create(
        paper=paper,
        user=user,
        data={
            "kind": SectionKind.BODY,
            "heading": "Alignment of risk",
            "body": "First paragraph.",
        },
    )
    services.section_create(
        paper=paper,
        user=user,
        data={
            "kind": SectionKind.BODY,
            "heading": "Aligned Finance risk",
            "body": SECRET,
            "is_sensitive": True,
        },
    )
    paper.refresh_from_db()
    return paper


@pytest.fixture
def published(world, paper, django_capture_on_commit_callbacks):
    for org in (world.mopac, world.mps):
        services.paper_clear(
            paper=paper, organisation=org, user=world.users[f"{org.slug}-governance"]
        )
    with django_capture_on_commit_callbacks(execute=True):
        publication = services.paper_publish(
            paper=paper, user=world.users["mps-governance"]
        )
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.PUBLISHED
    return publication


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


# --- The paper ---------------------------------------------------------------------


@pytest.mark.parametrize("username", GOVERNANCE)
def test_governance_downloads_the_draft_docx_of_both_editions(
    client, world, paper, username
):
    client.force_login(world.users[username])
    full = client.get(reverse("reports:docx", args=[paper.pk]))
    assert full.status_code == 200
    assert full["Content-Type"] == DOCX
    assert full["Cache-Control"] == "private, no-store"
    assert "attachment" in full["Content-Disposition"]
    assert f"-draft-r{paper.revision}.docx" in full["Content-Disposition"]
    assert SECRET in text_of(full.getvalue())
    public = client.get(reverse("reports:docx", args=[paper.pk]), {"edition": "public"})
    assert public.status_code == 200
    assert SECRET not in text_of(public.getvalue())
    assert "public" in public["Content-Disposition"]


@pytest.mark.parametrize("username", [*MEMBERS, "panel", "outsider"])
def test_others_cannot_download_a_draft_docx(client, world, paper, username):
    client.force_login(world.users[username])
    response = client.get(reverse("reports:docx", args=[paper.pk]))
    assert response.status_code == 404
    assert SECRET.encode() not in response.getvalue()


def test_anonymous_users_are_sent_to_sign_in(client, paper):
    response = client.get(reverse("reports:docx", args=[paper.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_edition_is_not_found(client, world, paper):
    client.force_login(world.users["mopac-governance"])
    url = reverse("reports:docx", args=[paper.pk])
    assert client.get(url, {"edition": "leaked"}).status_code == 404


def test_publication_stores_both_editions_as_docx_with_their_sha256(published):
    for edition in ("full", "public"):
        stored = getattr(published, f"{edition}_docx")
        expected = getattr(published, f"{edition}_docx_sha256")
        assert stored.name.endswith(".docx")
        with stored.open("rb") as file:
            data = file.read()
        assert hashlib.sha256(data).hexdigest() == expected
    assert published.full_docx_sha256 != published.public_docx_sha256
    assert published.full_sha256 != published.full_docx_sha256  # the PDFs stay


@pytest.mark.parametrize("username", [*GOVERNANCE, *MEMBERS, "panel"])
def test_everyone_with_access_downloads_the_published_docx(
    client, world, published, username
):
    client.force_login(world.users[username])
    for edition, expected in (
        ("full", published.full_docx_sha256),
        ("public", published.public_docx_sha256),
    ):
        response = client.get(
            reverse("reports:publication_docx", args=[published.paper_id, 1]),
            {"edition": edition},
        )
        assert response.status_code == 200
        assert response["Content-Type"] == DOCX
        assert response["X-Content-SHA256"] == expected
        assert hashlib.sha256(response.getvalue()).hexdigest() == expected


@pytest.mark.parametrize("username", [*MEMBERS, "panel"])
def test_readers_get_the_stored_docx_never_a_render_of_the_draft(
    client, world, published, username
):
    # Governance edits the draft after publishing: readers still get version 1.
    paper = published.paper
    services.section_create(
        paper=paper,
        user=world.users["mopac-governance"],
        data={"kind": SectionKind.BODY, "heading": "Late", "body": "Draft only."},
    )
    client.force_login(world.users[username])
    response = client.get(reverse("reports:docx", args=[paper.pk]))
    assert response.status_code == 200
    data = response.getvalue()  # streamed from storage: read once
    assert hashlib.sha256(data).hexdigest() == published.full_docx_sha256
    assert "-v1.docx" in response["Content-Disposition"]
    assert "Draft only." not in text_of(data)


def test_outsider_gets_404_for_the_published_docx(client, world, published):
    client.force_login(world.users["outsider"])
    for name, args in (
        ("reports:docx", [published.paper_id]),
        ("reports:publication_docx", [published.paper_id, 1]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404


def test_a_docx_that_does_not_match_its_sha256_is_refused_and_logged(
    client, world, published, caplog
):
    Publication.objects.filter(pk=published.pk).update(full_docx_sha256="0" * 64)
    client.force_login(world.users["panel"])
    url = reverse("reports:publication_docx", args=[published.paper_id, 1])
    response = client.get(url)
    assert response.status_code == 500
    assert "does not match its SHA-256" in caplog.text
    assert client.get(url, {"edition": "public"}).status_code == 200


def test_a_version_published_before_word_has_no_docx(client, world, published):
    Publication.objects.filter(pk=published.pk).update(
        full_docx="", full_docx_sha256=""
    )
    client.force_login(world.users["panel"])
    url = reverse("reports:publication_docx", args=[published.paper_id, 1])
    assert client.get(url).status_code == 404
    assert client.get(
        reverse("reports:docx", args=[published.paper_id])
    ).status_code == (404)
    # The PDF of that version is still served.
    pdf = reverse("reports:publication_pdf", args=[published.paper_id, 1])
    assert client.get(pdf).status_code == 200


# --- The register report -------------------------------------------------------


@pytest.fixture
def rw(db):
    return build_register_world()


def register_url(slug="mopac", period="2019/20 Q2") -> str:
    from urllib.parse import urlencode

    url = reverse("reports:register_docx", args=[slug])
    return f"{url}?{urlencode({'period': period})}"


@pytest.mark.parametrize(
    "username", ["mopac-governance", "mopac-owner", "mopac-reader", "admin"]
)
def test_members_download_the_register_docx(client, rw, username):
    client.force_login(rw.users[username])
    response = client.get(register_url())
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment")
    assert (
        "mopac-corporate-risk-register-2019-20-q2-as-at-2019-09-30.docx"
        in (response["Content-Disposition"])
    )
    assert "MOPAC-R10" in text_of(response.getvalue())


@pytest.mark.parametrize(
    "username", ["mps-governance", "mps-owner", "mps-reader", "panel", "outsider"]
)
def test_others_get_404_for_the_register_docx(client, rw, username):
    client.force_login(rw.users[username])
    response = client.get(register_url())
    assert response.status_code == 404
    assert b"MOPAC-R01" not in response.getvalue()


def test_unknown_period_is_404_with_the_periods_there_are(client, rw):
    client.force_login(rw.users["mopac-reader"])
    response = client.get(register_url(period="1999/00 Q9"))
    assert response.status_code == 404
    assert "2019/20 Q2" in response.getvalue().decode()


def test_large_registers_render_the_docx_in_the_background_then_serve_it(
    client, rw, settings, django_capture_on_commit_callbacks
):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 2
    client.force_login(rw.users["mopac-reader"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(register_url())
    assert response.status_code == 202
    page = response.getvalue().decode()
    assert "Word (.docx) file is produced in the background" in page
    assert reverse("reports:register_docx", args=["mopac"]) in page
    report = RegisterReport.objects.get()
    assert report.file_format == FileFormat.DOCX
    assert report.status == RegisterReportStatus.RENDERING
    assert len(callbacks) == 1

    callbacks[0]()
    report.refresh_from_db()
    assert report.status == RegisterReportStatus.READY
    assert report.docx.name.endswith(".docx") and not report.pdf
    response = client.get(register_url())
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    data = response.getvalue()  # streamed from storage: read once
    assert hashlib.sha256(data).hexdigest() == report.sha256
    document = register_report.build_register_report(rw.mopac, rw.q2)
    assert docx_register.write_register_docx(document) == data

    # The PDF is a render of its own, stored beside the .docx.
    with django_capture_on_commit_callbacks(execute=True):
        pdf = client.get(
            reverse("reports:register_pdf", args=["mopac"]), {"period": "2019/20 Q2"}
        )
    assert pdf.status_code == 202
    formats = set(RegisterReport.objects.values_list("file_format", flat=True))
    assert formats == {"pdf", "docx"}


def test_a_docx_stored_with_an_older_word_layout_is_rendered_again(
    client, rw, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 2
    client.force_login(rw.users["mopac-reader"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(register_url()).status_code == 202
    old = RegisterReport.objects.get()
    assert old.status == RegisterReportStatus.READY
    assert old.layout_version == register_services.DOCX_LAYOUT_VERSION
    assert client.get(register_url()).status_code == 200
    # The Word layout changed (same data): the stored .docx is not served again.
    monkeypatch.setattr(
        register_services,
        "DOCX_LAYOUT_VERSION",
        register_services.DOCX_LAYOUT_VERSION + 1,
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.get(register_url()).status_code == 202
    assert len(callbacks) == 1
    new = RegisterReport.objects.exclude(pk=old.pk).get()
    assert new.data_version == old.data_version
    assert new.layout_version == register_services.DOCX_LAYOUT_VERSION


def test_the_word_and_pdf_layouts_are_versioned_apart(monkeypatch):
    assert register_services.layout_version(FileFormat.DOCX) == (
        register_services.DOCX_LAYOUT_VERSION
    )
    # .docx files stored before the glance table and charts carry the PDF's 5.
    assert register_services.DOCX_LAYOUT_VERSION > 5
    monkeypatch.setattr(register_pdf, "LAYOUT_VERSION", 99)
    assert register_services.layout_version(FileFormat.PDF) == 99
    assert register_services.layout_version(FileFormat.DOCX) != 99


def test_a_failed_docx_render_can_be_tried_again(
    client, rw, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 2
    client.force_login(rw.users["mopac-reader"])

    def broken(document):
        raise RuntimeError("the word processor is on fire")

    monkeypatch.setattr(docx_register, "write_register_docx", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(register_url())
    report = RegisterReport.objects.get()
    assert report.status == RegisterReportStatus.FAILED
    assert "on fire" in report.error
    page = client.get(register_url()).content.decode()
    assert "could not be rendered" in page and "Try again" in page
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url())
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == RegisterReportStatus.READY
    assert client.get(response["Location"])["Content-Type"] == DOCX


def test_register_render_service_stores_the_format_asked_for(
    rw, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        state = register_services.register_report_request(
            organisation=rw.mopac,
            period=rw.q2,
            user=rw.users["mopac-reader"],
            risk_count=3,
            file_format=FileFormat.DOCX,
        )
    report = RegisterReport.objects.get(pk=state.report.pk)
    assert report.status == RegisterReportStatus.READY
    with report.stored_file.open("rb") as file:
        assert hashlib.sha256(file.read()).hexdigest() == report.sha256


# --- Query budget ----------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_docx_costs_the_queries_of_the_pdf_whatever_the_register_size(
    client, rw, settings
):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 1000
    gov = rw.users["mopac-governance"]
    client.force_login(gov)
    pdf_url = register_url().replace("/docx/", "/pdf/")
    client.get(register_url())  # warm up: one-off lookups are not the budget
    small = _queries(client, register_url())
    assert small == _queries(client, pdf_url)
    bulk_register(rw.mopac, 40, user=gov, previous=rw.q1, period=rw.q2, prefix="B")
    assert _queries(client, register_url()) == small
    assert small <= 15


def test_the_paper_docx_costs_the_queries_of_the_paper_pdf(client, world, paper):
    client.force_login(world.users["mopac-governance"])
    docx_url = reverse("reports:docx", args=[paper.pk])
    client.get(docx_url)
    assert _queries(client, docx_url) == _queries(
        client, reverse("reports:pdf", args=[paper.pk])
    )
