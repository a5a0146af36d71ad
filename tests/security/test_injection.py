"""Injection: script, HTML and javascript: payloads in every free-text field.

Each field carries its own marked payload. Every page that shows it must show it
as text (escaped), the PDFs must print it as inert text with no JavaScript or
javascript: link, Markdown must neither run scripts nor load remote resources,
and hostile uploads are refused. That the PDF fetcher itself refuses file:// and
network URLs is tested in tests/reports/test_fetcher.py.
"""

import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from reports import fetcher
from risks import services
from risks.models import Risk

from ..risks.spreadsheet_files import make_xlsx, risk_row
from .world import (
    LINK_KEYS,
    PAPER_KEYS,
    RISK_KEYS,
    TODAY,
    build_world,
    changed_tables,
    risk_data,
    signed_in,
    snapshot,
)

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"


def payload(field: str) -> str:
    """The field's own marked payload: a script, an attribute breakout, JS links."""
    return f'[{field}] {SCRIPT} {BREAKOUT} <a href="{JS_URL}">a</a> [b]({JS_URL})'


def escaped_marker(field: str) -> str:
    """How a page shows the start of the field's payload as text."""
    return f"[{field}] &lt;script&gt;alert(1)&lt;/script&gt;"


# Markdown's own ways in: raw HTML, images and links to elsewhere, odd schemes.
MARKDOWN_ATTACKS = "\n\n".join(
    [
        payload("section.body"),
        '<iframe src="https://evil.example/frame"></iframe>',
        "<style>body { background: url(https://evil.example/style) }</style>",
        "![tracker](https://evil.example/pixel.png) ![local](file:///etc/passwd)",
        "[c1](JavaScript:alert(1)) [c2]( javascript:alert(1)) [c3](vbscript:x)",
        "[c4](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[reference link][evil]",
        "[evil]: javascript:alert(1)",
        "<http://evil.example/autolink>",
        '<img src="https://evil.example/raw.png" onerror="alert(1)">',
        '<a href="javascript:alert(1)" onclick="alert(1)">raw link</a>',
    ]
)
FIELDS = (
    "risk.title",
    "risk.cause",
    "risk.event",
    "risk.effect",
    "risk.owner_post",
    "risk.public_summary",
    "risk.reason",
    "control.description",
    "control.owner_post",
    "action.description",
    "action.owner_post",
    "review.commentary",
    "link.rationale",
    "link.decision_reason",
    "joint_action.description",
    "joint_action.owner_post",
    "paper.meeting",
    "paper.title",
    "paper.report_by",
    "section.heading",
    "section.body",
    "question.text",
    "question.answer",
)
TEXTS = {field: payload(field) for field in FIELDS} | {"section.body": MARKDOWN_ATTACKS}
# A reference is free text too (30 characters): exactly an attribute breakout.
HOSTILE_REFERENCE = BREAKOUT


@pytest.fixture(scope="module")
def iworld(django_db_setup, django_db_blocker):
    """The security world with a payload in every free-text field."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world(texts=TEXTS)
        # A sensitive aligned risk: the public edition prints its public summary.
        services.risk_update(
            risk=world.risks["mps-aligned"],
            user=world.governance("mps"),
            data={"marking": "official_sensitive"},
        )
        yield world
        transaction.set_rollback(True)


class _Tags(HTMLParser):
    """Collect the start tags of a page with their attributes, as a browser would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


URL_ATTRIBUTES = ("href", "src", "action", "formaction", "srcset", "poster", "data")
FOREIGN_TAGS = ("iframe", "frame", "object", "embed", "style", "base", "meta")


def assert_inert(html: str, where: str) -> None:
    """No payload survives as markup: no script, handler, foreign tag or JS link."""
    assert SCRIPT not in html, where
    assert "<img src=x onerror" not in html, where
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        shown = f"{where}: <{tag} {attrs}>"
        assert not [name for name in attrs if name.startswith("on")], shown
        if tag == "script":  # ours carry the CSP nonce or load our own file
            assert "nonce" in attrs or attrs.get("src", "").startswith("/static/"), (
                shown
            )
        if tag in FOREIGN_TAGS and tag != "meta":
            raise AssertionError(f"foreign tag {shown}")
        if tag == "meta":
            assert "http-equiv" not in attrs, shown
        if tag == "img":
            assert attrs.get("src", "").startswith("/static/"), shown
        for name in URL_ATTRIBUTES:
            value = re.sub(r"\s", "", attrs.get(name, "")).lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:")), shown
            assert "evil.example" not in value, shown


def pages_of(world) -> dict[str, str]:
    """Every page that shows a free-text field, as the users who may open it."""
    urls = {"mopac-governance": [], "mps-governance": [], "mopac-owner": []}
    for role, org in (("mopac-governance", "mopac"), ("mps-governance", "mps")):
        for key in RISK_KEYS:
            if not key.startswith(org):
                continue
            risk = world.risks[key].pk
            urls[role] += [
                reverse("risks:detail", args=[risk]),
                f"{reverse('risks:detail', args=[risk])}?as_at={TODAY.isoformat()}",
                reverse("risks:history", args=[risk]),
                reverse("risks:update", args=[risk]),
                reverse("risks:control_update", args=[world.controls[key].pk]),
                reverse("risks:action_update", args=[world.actions[key].pk]),
            ]
        urls[role] += [
            reverse("risks:list"),
            f"{reverse('risks:list')}?as_at={TODAY.isoformat()}",
            reverse("risks:period_changes", args=[world.periods[org].pk]),
            reverse("risks:period_detail", args=[world.periods[org].pk]),
            reverse("alignment:overview"),
            reverse(
                "alignment:joint_action_update", args=[world.joint_actions[org].pk]
            ),
            reverse("reports:list"),
            reverse("reports:register_report", args=[org]),
        ]
        urls[role] += [
            reverse("alignment:detail", args=[world.links[k].pk]) for k in LINK_KEYS
        ]
    for key in PAPER_KEYS:
        paper, section = world.papers[key].pk, world.sections[key].pk
        urls["mopac-governance"] += [
            reverse("reports:detail", args=[paper]),
            f"{reverse('reports:detail', args=[paper])}?edition=public",
            reverse("reports:update", args=[paper]),
            reverse("reports:section_update", args=[section]),
            reverse("reports:section_delete", args=[section]),
        ]
    urls["mopac-owner"] += [reverse("dashboard")]
    question = world.questions["published"].pk
    urls["mopac-governance"] += [
        reverse("reports:questions"),
        reverse("reports:question_answer", args=[question]),
    ]
    urls["panel"] = [
        reverse("reports:detail", args=[world.papers["published"].pk]),
        reverse("reports:question_create", args=[world.papers["published"].pk]),
    ]
    pages = {}
    for role, addresses in urls.items():
        client = signed_in(world, role)
        for url in addresses:
            response = client.get(url)
            assert response.status_code == 200, url
            pages[f"{role} {url}"] = response.content.decode()
    return pages


def test_every_page_shows_every_payload_as_text(db, iworld):
    pages = pages_of(iworld)
    for where, html in pages.items():
        assert_inert(html, where)
    everything = "\n".join(pages.values())
    unseen = [f for f in FIELDS if escaped_marker(f) not in everything]
    assert unseen == [], "these fields were never shown: is the page list complete?"


def test_a_hostile_reference_and_statement_through_the_form(db, iworld):
    client = signed_in(iworld, "mopac-governance")
    data = {
        **{k: str(v) for k, v in risk_data(HOSTILE_REFERENCE).items()},
        "title": payload("form.title"),
        "organisation": iworld.organisations["mopac"].pk,
        "status": "open",
        "horizon": "long_term",
        "treatment": "treat",
        "appetite": "cautious",
        "proximity": "6_12m",
        "marking": "official",
    }
    response = client.post(reverse("risks:create"), data, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert_inert(html, "risk page after create")
    assert escaped_marker("form.title") in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html  # the reference
    risk = Risk.objects.get(reference=HOSTILE_REFERENCE)
    for url in (reverse("risks:list"), reverse("risks:history", args=[risk.pk])):
        assert_inert(client.get(url).content.decode(), url)


def test_the_conflict_page_shows_both_versions_as_text(db, iworld):
    risk = iworld.risks["mopac-own"]
    client = signed_in(iworld, "mopac-owner")
    form = client.get(reverse("risks:update", args=[risk.pk])).content.decode()
    version = re.search(r'name="version" value="(\d+)"', form)[1]
    services.risk_update(
        risk=risk, user=iworld.governance("mopac"), data={"title": payload("saved")}
    )
    data = {
        name: "" if value is None else str(value)
        for name in services.RISK_EDITABLE_FIELDS
        for value in [getattr(risk, name)]
    }
    data.update(title=payload("mine"), version=version, reason=payload("reason"))
    data["themes"] = [str(iworld.theme.pk)]
    response = client.post(reverse("risks:update", args=[risk.pk]), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert_inert(html, "conflict page")
    assert escaped_marker("mine") in html and escaped_marker("saved") in html


# --- Markdown --------------------------------------------------------------------


def test_markdown_cannot_run_scripts_or_load_anything(db, iworld):
    client = signed_in(iworld, "mopac-governance")
    html = client.get(reverse("reports:detail", args=[iworld.papers["draft"].pk]))
    html = html.content.decode()
    assert_inert(html, "paper preview")
    body = html[html.index("[section.body]") :]
    assert "&lt;iframe" in body and "&lt;style&gt;" in body  # shown as typed
    assert "evil.example/pixel.png" not in body  # an image leaves its description
    assert "tracker" in body
    for label in ("c1", "c2", "c3", "c4", "reference link"):
        assert label in body  # the text of a dropped link stays


# --- PDFs --------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def assert_pdf_inert(pdf: bytes) -> None:
    """No document or link action that could run script or open a javascript: URL."""
    for marker in (b"/JavaScript", b"/JS ", b"/JS(", b"/Launch", b"/SubmitForm"):
        assert marker not in pdf, marker
    assert not re.search(rb"/URI\s*\(\s*(javascript|vbscript|data|file):", pdf, re.I)
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert "/OpenAction" not in catalog and "/AA" not in catalog
    names = resolved(catalog.get("/Names")) or {}
    assert "/JavaScript" not in names
    for page in reader.pages:
        assert "/AA" not in page
        for annotation in resolved(page.get("/Annots")) or []:
            action = resolved(resolved(annotation).get("/A")) or {}
            assert action.get("/S") not in ("/JavaScript", "/Launch"), action
            uri = str(action.get("/URI", ""))
            assert not uri or uri.lower().startswith(("https:", "mailto:")), uri


PDF_FIELDS = (
    "paper.title",
    "paper.report_by",
    "section.heading",
    "section.body",
    "risk.title",
    "risk.cause",
    "control.description",
    "action.description",
)


REGISTER_FIELDS = (
    "risk.title",
    "risk.cause",
    "risk.event",
    "risk.effect",
    "control.description",
    "action.description",
)


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Record every URL WeasyPrint asks the fetcher for."""
    urls: list[str] = []
    real = fetcher.SafeFetcher.fetch

    def recording(self, url, headers=None):
        urls.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(fetcher.SafeFetcher, "fetch", recording)
    return urls


def test_pdfs_print_payloads_as_inert_text_and_load_nothing(db, iworld, fetched):
    client = signed_in(iworld, "mopac-governance")
    draft, published = iworld.papers["draft"].pk, iworld.papers["published"].pk
    pdfs = {
        "MOPAC register": client.get(
            reverse("reports:register_pdf", args=["mopac"])
        ).content,
        "draft": client.get(reverse("reports:pdf", args=[draft])).content,
        "draft public": client.get(
            f"{reverse('reports:pdf', args=[draft])}?edition=public"
        ).content,
        "published": client.get(
            reverse("reports:publication_pdf", args=[published, 1])
        ).content,
    }
    for name, pdf in pdfs.items():
        assert pdf.startswith(b"%PDF"), name
        assert_pdf_inert(pdf)
        text = pdf_text(pdf)
        fields = REGISTER_FIELDS if name.endswith("register") else PDF_FIELDS
        for field in fields:
            printed = re.sub(r"\s+", "", f"[{field}] {SCRIPT} {BREAKOUT}")
            assert printed in text, (name, field)
    assert re.sub(r"\s+", "", f"[risk.public_summary] {SCRIPT}") in pdf_text(
        pdfs["draft public"]
    )
    assert fetched, "the renderer fetched nothing: is the recording in place?"
    for url in fetched:
        assert url.startswith((fetcher.STATIC_BASE_URL, "data:")), url


# --- Uploads -----------------------------------------------------------------------


def zip_bomb() -> bytes:
    """A small .xlsx-named zip that unpacks to far more than the import allows."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (120 * 1024 * 1024))
    return buffer.getvalue()


def entity_bomb() -> bytes:
    """A workbook whose sheet XML expands one entity a billion times."""
    source = zipfile.ZipFile(io.BytesIO(make_xlsx([risk_row()])))
    entities = "".join(
        f'<!ENTITY e{n} "{(f"&e{n - 1};" if n else "lol") * 10}">' for n in range(10)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = data.decode().split("?>", 1)[-1].replace("<v>", "<v>&e9;", 1)
                data = f"<!DOCTYPE bomb [{entities}]>{body}".encode()
            archive.writestr(info, data)
    return buffer.getvalue()


HOSTILE_UPLOADS = {
    "html as a workbook": ("register.xlsx", lambda: f"<html>{SCRIPT}</html>".encode()),
    "a page": ("register.html", lambda: f"<html>{SCRIPT}</html>".encode()),
    "a program": ("register.xlsx.exe", lambda: b"MZ\x90\x00"),
    "an image": ("register.svg", lambda: f"<svg>{SCRIPT}</svg>".encode()),
    "no extension": ("register", lambda: b"Reference,Title\n"),
    "a zip bomb": ("register.xlsx", zip_bomb),
    "an XML entity bomb": ("register.xlsx", entity_bomb),
}


@pytest.mark.parametrize("case", HOSTILE_UPLOADS)
def test_hostile_uploads_are_refused_and_write_nothing(db, iworld, case):
    name, content = HOSTILE_UPLOADS[case]
    content = content()
    client = signed_in(iworld, "mopac-governance")
    before = snapshot()
    response = client.post(
        reverse("risks:import"),
        {
            "organisation": iworld.organisations["mopac"].pk,
            "file": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert_inert(html, case)
    assert changed_tables(before, snapshot()) == []


def test_an_upload_over_the_limit_is_refused(db, iworld, settings):
    settings.RISK_IMPORT_MAX_BYTES = 10_000
    client = signed_in(iworld, "mopac-governance")
    before = snapshot()
    response = client.post(
        reverse("risks:import"),
        {
            "organisation": iworld.organisations["mopac"].pk,
            "file": SimpleUploadedFile("register.csv", b"Reference\n" + b"x" * 20_000),
        },
    )
    assert response.status_code == 200
    assert "must be smaller than" in response.content.decode()
    assert changed_tables(before, snapshot()) == []


def test_an_imported_payload_is_shown_as_text(db, iworld):
    content = make_xlsx(
        [
            risk_row(
                Reference="MOPAC-R50",
                Title=payload("import.title"),
                Cause=payload("import.cause"),
                Owner="",
            )
        ]
    )
    client = signed_in(iworld, "mopac-governance")
    response = client.post(
        reverse("risks:import"),
        {
            "organisation": iworld.organisations["mopac"].pk,
            "file": SimpleUploadedFile(f"{BREAKOUT}.xlsx", content),
        },
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200, html[:2000]
    assert_inert(html, "import preview")
    assert escaped_marker("import.title") in html
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', html)[1]
    preview = response.redirect_chain[-1][0]
    response = client.post(preview, {"fingerprint": fingerprint}, follow=True)
    html = response.content.decode()
    assert_inert(html, "register after import")
    assert "&lt;img src=x onerror=alert(1)&gt;.xlsx" in html  # the file name


def test_a_payload_typed_into_a_joint_action_form_is_shown_as_text(db, iworld):
    link = iworld.links["agreed"]
    client = signed_in(iworld, "mopac-governance")
    url = reverse("alignment:joint_action_create", args=[link.pk, "mopac"])
    response = client.post(
        url,
        {
            "description": payload("typed.description"),
            "owner_post": payload("typed.post")[:200],
            "due_date": "2030-01-31",
            "status": "not_started",
        },
        follow=True,
    )
    html = response.content.decode()
    assert_inert(html, "link page")
    assert escaped_marker("typed.description") in html


@pytest.mark.parametrize(
    "live",
    [
        f"<p>{SCRIPT}</p>",
        f'<input value="{BREAKOUT}">',
        f'<a href="{JS_URL}">x</a>',
        '<a href = " JavaScript:alert(1)">x</a>',
        '<img src="https://evil.example/x.png" alt="">',
        '<iframe src="/"></iframe>',
    ],
)
def test_the_inert_check_catches_live_payloads(live):
    with pytest.raises(AssertionError):
        assert_inert(live, "a live payload")
