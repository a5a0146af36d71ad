"""Faults: the database goes away, a write fails half-way, a PDF render fails.

The database failures are made with connection.execute_wrapper, Django's
documented hook around every query: it raises OperationalError as a dropped
connection would, before or in the middle of a request's writes.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import weasyprint
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from reports.models import Publication, PublicationStatus
from risks.models import Risk

from ..risks.spreadsheet_files import make_xlsx, risk_row
from ..risks.test_edit_views import edit_data
from .world import (
    SecurityWorld,
    changed_tables,
    signed_in,
    snapshot,
)

DOWN = "server closed the connection unexpectedly"


def database_down(execute, sql, params, many, context):
    raise OperationalError(DOWN)


class FailOn:
    """Let queries through until the nth INSERT into the table, which fails."""

    def __init__(self, table: str, nth: int = 1):
        self.insert = f'INSERT INTO "{table}"'.upper()
        self.nth, self.inserts, self.writes_before = nth, 0, 0

    def __call__(self, execute, sql, params, many, context):
        statement = sql.lstrip().upper()
        if statement.startswith(self.insert):
            self.inserts += 1
            if self.inserts == self.nth:
                raise OperationalError(DOWN)
        if statement.startswith(("INSERT", "UPDATE", "DELETE")):
            self.writes_before += 1
        return execute(sql, params, many, context)


def assert_503_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Sorry, the service is unavailable" in page
    assert "Nothing you were saving has been half-saved" in page
    assert DOWN not in page and "Traceback" not in page


# --- The database is down ------------------------------------------------------------


def test_healthz_answers_503_when_the_database_does_not(db):
    client = Client()
    assert client.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
    }
    with connection.execute_wrapper(database_down):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "unavailable",
        "storage": "ok",
    }
    assert "no-cache" in response["Cache-Control"]


def pages(world: SecurityWorld) -> list[str]:
    risk, link = world.risks["mopac-own"].pk, world.links["agreed"].pk
    paper = world.papers["draft"].pk
    return [
        reverse("dashboard"),
        reverse("risks:list"),
        reverse("risks:detail", args=[risk]),
        reverse("risks:update", args=[risk]),
        reverse("risks:history", args=[risk]),
        reverse("risks:export_csv"),
        reverse("risks:period_changes", args=[world.periods["mopac"].pk]),
        reverse("alignment:overview"),
        reverse("alignment:detail", args=[link]),
        reverse("reports:list"),
        reverse("reports:detail", args=[paper]),
        reverse("reports:pdf", args=[paper]),
        reverse("reports:register_report", args=["mopac"]),
    ]


def test_every_page_shows_the_clear_503_page_when_the_database_is_down(db, sworld):
    client = signed_in(sworld, "mopac-governance")
    failures = []
    with connection.execute_wrapper(database_down):
        for url in pages(sworld):
            try:
                assert_503_page(client.get(url))
            except AssertionError as error:
                failures.append(f"{url}: {error}")
    assert not failures, "\n".join(failures)


def test_signing_in_and_saving_while_the_database_is_down(db, sworld):
    risk = sworld.risks["mopac-own"]
    data = edit_data(risk, title="Saved while the database was down")
    before = snapshot()
    with connection.execute_wrapper(database_down):
        login = Client().post(
            reverse("login"),
            {"username": "mopac-owner", "password": "correct-horse-battery"},
        )
        edit = signed_in(sworld, "mopac-owner").post(
            reverse("risks:update", args=[risk.pk]), data
        )
    assert_503_page(login)
    assert_503_page(edit)
    assert changed_tables(before, snapshot()) == []


# --- A write that fails half-way ---------------------------------------------------


@dataclass(frozen=True)
class Write:
    """A POST whose transaction fails at an INSERT after earlier writes."""

    role: str
    url: Callable[[SecurityWorld], str]
    data: Callable[[SecurityWorld], dict]
    fails_on: str  # the table whose INSERT fails


def _url(name: str, collection: str, key: str, *extra) -> Callable:
    return lambda w: reverse(name, args=[getattr(w, collection)[key].pk, *extra])


WRITES = {
    # The version is claimed and the row updated before its history row fails.
    "risk edit": Write(
        "mopac-owner",
        _url("risks:update", "risks", "mopac-own"),
        lambda w: edit_data(w.risks["mopac-own"], title="Half-saved"),
        "risks_historicalrisk",
    ),
    # The risk and its history are written before the owner's grant fails.
    "new risk with an owner": Write(
        "mopac-governance",
        lambda w: reverse("risks:create"),
        lambda w: {
            **{
                k: str(v)
                for k, v in edit_data(
                    w.risks["mopac-own"], reference="MOPAC-R77"
                ).items()
                if k not in ("version", "themes")
            },
            "organisation": w.organisations["mopac"].pk,
            "owner": w.users["mopac-owner"].pk,
            "status": "open",
        },
        "risks_historicalriskuserobjectpermission",
    ),
    # The review and its history are written before the risk's history fails.
    "quarterly review": Write(
        "mopac-governance",
        _url("risks:review_create", "risks", "mopac-aligned"),
        lambda w: {
            "period": w.periods["mopac"].pk,
            "likelihood": "1",
            "impact": "1",
            "commentary": "Half-saved",
        },
        "risks_historicalrisk",
    ),
    "control delete": Write(
        "mopac-owner",
        _url("risks:control_delete", "controls", "mopac-own"),
        lambda w: {"reason": "Half-deleted"},
        "risks_historicalcontrol",
    ),
    "agree a proposal": Write(
        "mps-governance",
        _url("alignment:agree", "links", "by-mopac"),
        lambda w: {"reason": "Half-agreed"},
        "alignment_historicalalignmentlink",
    ),
    "joint action": Write(
        "mopac-governance",
        _url("alignment:joint_action_create", "links", "agreed", "mopac"),
        lambda w: {
            "description": "Half-saved",
            "owner_post": "Head",
            "due_date": "2030-01-31",
            "status": "not_started",
        },
        "alignment_historicaljointaction",
    ),
    # The section and its history are written, the revision claimed, before the
    # paper's own history row fails.
    "paper section": Write(
        "mopac-governance",
        _url("reports:section_create", "papers", "draft"),
        lambda w: {"kind": "body", "heading": "Half", "body": "x", "order": "3"},
        "reports_historicalpanelpaper",
    ),
    "clearance": Write(
        "mps-governance",
        _url("reports:clear", "papers", "draft"),
        lambda w: {"revision": str(w.papers["draft"].revision)},
        "reports_historicalclearance",
    ),
}


@pytest.mark.parametrize("name", WRITES)
def test_a_write_that_fails_half_way_leaves_nothing_behind(db, sworld, name):
    write = WRITES[name]
    client = signed_in(sworld, write.role)
    url, data = write.url(sworld), write.data(sworld)
    before = snapshot()
    failure = FailOn(write.fails_on)
    with connection.execute_wrapper(failure):
        response = client.post(url, data)
    assert failure.inserts == 1, "the failing INSERT was never reached"
    assert failure.writes_before >= 1, "nothing was written before the failure"
    assert_503_page(response)
    assert changed_tables(before, snapshot()) == []
    # Nothing is left locked or half-done: the same POST now goes through.
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert changed_tables(before, snapshot()) != []


# --- A PDF render that fails ----------------------------------------------------------


def test_a_failed_render_leaves_a_draft_that_can_be_published_again(
    db, sworld, monkeypatch, django_capture_on_commit_callbacks
):
    """See also tests/reports/test_editor_views.py (the renderer itself failing)."""
    paper = sworld.papers["draft"]
    for org in ("mopac", "mps"):
        clear = reverse("reports:clear", args=[paper.pk])
        signed_in(sworld, f"{org}-governance").post(clear, {"revision": paper.revision})
    governance = signed_in(sworld, "mps-governance")
    publish = reverse("reports:publish", args=[paper.pk])

    def broken(self, *args, **kwargs):
        raise MemoryError("WeasyPrint ran out of memory")

    with monkeypatch.context() as patch:
        patch.setattr(weasyprint.HTML, "write_pdf", broken)
        with django_capture_on_commit_callbacks(execute=True):
            response = governance.post(publish, {"revision": paper.revision})
    assert response.status_code == 302
    publication = Publication.objects.get(paper=paper)
    assert publication.status == PublicationStatus.FAILED
    assert not publication.full_pdf and not publication.public_sha256
    editor = governance.get(reverse("reports:update", args=[paper.pk])).content
    editor = editor.decode()
    assert "could not be rendered" in editor
    assert "WeasyPrint ran out of memory" in editor
    assert "Cleared by both organisations" in editor  # still a draft, cleared
    # Nobody else sees a version that does not exist.
    reader = signed_in(sworld, "mps-reader")
    assert paper.title not in reader.get(reverse("reports:list")).content.decode()
    pdf = reverse("reports:publication_pdf", args=[paper.pk, 1])
    assert reader.get(pdf).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        response = governance.post(publish, {"revision": paper.revision})
    publication = Publication.objects.get(paper=paper)  # tried again in place
    assert (publication.version, publication.status) == (1, "published")
    assert reader.get(pdf).status_code == 200


# --- An import that crashes --------------------------------------------------------


def test_an_import_that_crashes_half_way_writes_nothing_and_can_be_retried(db, sworld):
    rows = [risk_row(Reference=f"MOPAC-R4{n}", Owner="") for n in range(3)]
    client = signed_in(sworld, "mopac-governance")
    response = client.post(
        reverse("risks:import"),
        {
            "organisation": sworld.organisations["mopac"].pk,
            "file": SimpleUploadedFile("register.xlsx", make_xlsx(rows)),
        },
    )
    preview = response["Location"]
    page = client.get(preview).content.decode()
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page)[1]
    before = snapshot()
    failure = FailOn("risks_risk", nth=2)  # the second new risk
    with connection.execute_wrapper(failure):
        response = client.post(preview, {"fingerprint": fingerprint})
    assert failure.inserts == 2 and failure.writes_before >= 2
    assert_503_page(response)
    assert changed_tables(before, snapshot()) == []
    response = client.post(preview, {"fingerprint": fingerprint})
    assert response.status_code == 302
    assert Risk.objects.filter(reference__startswith="MOPAC-R4").count() == 3
