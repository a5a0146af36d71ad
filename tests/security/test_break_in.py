"""Break-in: every object URL probed by every role, for objects of both organisations.

DESIGN.md §5: an object the user may not see answers 404, one they may see but
not change answers 403, anonymous users are sent to sign in, and a denied POST
changes nothing (every row of every tracked table and history table is compared
before and after). A hidden object's answer is the same as a missing one's.

The expectations come from the compact tables of access_table.py, written out
from §5, not from the selectors. The risk pages themselves (page, edit, close,
owner, review, controls, actions, period close) are covered by
tests/risks/test_permission_matrix.py; test_every_url_is_probed fails when a URL
is covered by neither.
"""

import csv
import io
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from alignment.models import AlignmentLink
from reports import register_pdf, rendering
from reports import services as report_services
from risks.models import Risk

from ..factories import UserFactory
from ..risks.spreadsheet_files import make_xlsx, risk_row
from ..risks.test_edit_views import edit_data
from .access_table import (
    ACCEPTED,
    CASES,
    FORBIDDEN,
    GOVERNANCE,
    HIDDEN,
    KINDS,
    LOGIN,
    MISSING_PK,
    OK,
    RISKS_SEEN,
    UNCHANGED,
    Kind,
    expected_outcome,
    joint_action_form,
    sees,
    url_of,
)
from .test_api_access import API_URL_NAMES
from .world import (
    ANONYMOUS,
    LINK_KEYS,
    PAPER_KEYS,
    PERIOD_LABEL,
    REFERENCES,
    ROLES,
    TODAY,
    SecurityWorld,
    changed_tables,
    org_of,
    risk_data,
    row_counts,
    signed_in,
    snapshot,
)


def send(client: Client, method: str, url: str, data: dict):
    return client.get(url) if method == "GET" else client.post(url, data)


def normalised(response, path: str) -> tuple:
    """The response with the path, CSP nonce and CSRF token taken out."""
    body = response.content.decode(errors="replace").replace(path, "{path}")
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", body)
    location = response.get("Location", "").replace(path, "{path}")
    return response.status_code, response.get("Content-Type"), location, body


def assert_outcome(response, outcome: str, method: str, before: dict) -> None:
    # A GET adds no row; a POST neither adds nor changes one unless allowed.
    after = snapshot() if method == "POST" else {"counts": row_counts()}
    status = response.status_code
    detail = f"expected {outcome}, got {status} {response.get('Location', '')}"
    if outcome == LOGIN:
        assert status == 302, detail
        assert response["Location"].startswith(f"{reverse('login')}?next="), detail
    elif outcome in (HIDDEN, FORBIDDEN, ACCEPTED):
        assert status == int(outcome), detail
    elif outcome == UNCHANGED:
        assert status in (200, 302), detail
        assert not response.get("Location", "").startswith(reverse("login")), detail
    elif method == "GET":
        assert status == 200, detail
    else:
        assert status == 302, response.content.decode()[:2000]
        assert not response["Location"].startswith(reverse("login"))
        assert after != before, "the allowed POST did nothing"
        return
    assert changed_tables(before, after) == [], f"a {outcome} {method} wrote"


def probe(
    world: SecurityWorld, kind: Kind, role: str, key: str, method: str, before: dict
) -> None:
    """Request as the role; check the outcome, and that a denial wrote nothing."""
    outcome = expected_outcome(kind, role, key, method)
    args = kind.args(world, key)
    url = url_of(kind, args)
    data = kind.post(world, key) if method == "POST" else {}
    client = signed_in(world, role)
    response = send(client, method, url, data)
    assert_outcome(response, outcome, method, before)
    if outcome in (HIDDEN, LOGIN):
        # An id that exists but is hidden tells nothing a missing id would not.
        missing = [MISSING_PK, *args[1:]]
        other = send(client, method, url_of(kind, missing), data)
        assert normalised(response, reverse(kind.url, args=args)) == normalised(
            other, reverse(kind.url, args=missing)
        ), "a hidden object answers differently from a missing one"
        assert changed_tables(before, {"counts": row_counts()}) == []


def every_role(check: Callable[[str, dict], None]) -> None:
    """Run the check for every role, each in a savepoint rolled back afterwards."""
    before = snapshot()
    failures = []
    for role in ROLES:
        with transaction.atomic():
            try:
                check(role, before)
            except AssertionError as error:
                failures.append(f"{role}: {error}")
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


@pytest.fixture
def quick_pdfs(monkeypatch):
    """Access is decided before rendering; the renders are tested elsewhere.

    (test_injection.py renders every PDF for real, through the same views.)
    """
    monkeypatch.setattr(rendering, "render_pdf", lambda paper, edition: b"%PDF-1.7")
    monkeypatch.setattr(register_pdf, "render_register_pdf", lambda doc: b"%PDF")


@pytest.mark.parametrize(("name", "key", "method"), CASES)
def test_object_urls(db, sworld, quick_pdfs, name, key, method):
    every_role(
        lambda role, before: probe(sworld, KINDS[name], role, key, method, before)
    )


# --- Pages without an object: lists, exports, forms --------------------------------


def visible_references(role: str) -> set[str]:
    if role == ANONYMOUS:
        return set()
    return {REFERENCES[key] for key in RISKS_SEEN[org_of(role) or role]}


ALL_REFERENCES = set(REFERENCES.values())


def references_in(text: str) -> set[str]:
    return {ref for ref in ALL_REFERENCES if re.search(rf"\b{ref}\b", text)}


def test_register_and_exports_list_only_visible_risks(db, sworld):
    def check(role: str, before: dict) -> None:
        client = signed_in(sworld, role)
        responses = {
            name: client.get(reverse(name))
            for name in ("risks:list", "risks:export_csv", "risks:export_xlsx")
        }
        if role == ANONYMOUS:
            for response in responses.values():
                assert response.status_code == 302
                assert response["Location"].startswith(reverse("login"))
            return
        expected = visible_references(role)
        assert all(r.status_code == 200 for r in responses.values())
        assert references_in(responses["risks:list"].content.decode()) == expected
        exported = responses["risks:export_csv"].getvalue().decode("utf-8-sig")
        assert {row["Reference"] for row in csv.DictReader(io.StringIO(exported))} == (
            expected
        )
        book = load_workbook(io.BytesIO(responses["risks:export_xlsx"].getvalue()))
        cells = " ".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
        assert references_in(cells) == expected

    every_role(check)


# Each link names its two risks.
LINKED_RISKS = {
    "agreed": ("mopac-aligned", "mps-aligned"),
    "by-mopac": ("mopac-own", "mps-other"),
    "by-mps": ("mps-own", "mopac-other"),
}


def test_alignment_overview_shows_only_visible_links(db, sworld):
    def check(role: str, before: dict) -> None:
        response = signed_in(sworld, role).get(reverse("alignment:overview"))
        if role == ANONYMOUS:
            assert response.status_code == 302
            return
        seen = [key for key in LINK_KEYS if sees(role, "links", key)]
        expected = {REFERENCES[risk] for key in seen for risk in LINKED_RISKS[key]}
        assert references_in(response.content.decode()) == expected

    every_role(check)


def test_paper_list_shows_only_visible_papers(db, sworld):
    def check(role: str, before: dict) -> None:
        response = signed_in(sworld, role).get(reverse("reports:list"))
        if role == ANONYMOUS:
            assert response.status_code == 302
            return
        page = response.content.decode()
        for key in PAPER_KEYS:
            shown = sworld.papers[key].title in page
            assert shown is sees(role, "papers", key), key

    every_role(check)


def nameable_references(role: str) -> set[str]:
    """References a page may show the role: risks it sees, and the two risks of
    each link it sees (governance sees proposals, naming the other's risk)."""
    names = visible_references(role)
    for key in LINK_KEYS:
        if sees(role, "links", key):
            names |= {REFERENCES[risk] for risk in LINKED_RISKS[key]}
    return names


def named_risks(role: str, world: SecurityWorld, kinds: dict) -> dict[str, set]:
    """Every page of these kinds the role may open, with the references it shows."""
    client = signed_in(world, role)
    named = {}
    for name, kind in kinds.items():
        for key in kind.keys if kind.get else ():
            if expected_outcome(kind, role, key, "GET") == OK:
                url = url_of(kind, kind.args(world, key))
                # getvalue(): stored PDFs are streamed (FileResponse).
                page = client.get(url).getvalue().decode(errors="replace")
                named[f"{name} {key}"] = references_in(page)
    return named


def test_no_page_names_a_risk_the_viewer_may_not_see(db, sworld, quick_pdfs):
    others = {name: kind for name, kind in KINDS.items() if name != "risk history"}

    def check(role: str, before: dict) -> None:
        if role != ANONYMOUS:
            allowed = nameable_references(role)
            for page, names in named_risks(role, sworld, others).items():
                assert names <= allowed, (page, sorted(names - allowed))

    every_role(check)


# Forms without an object: governance only (403 for everyone else signed in).
GOVERNANCE_PAGES = {
    "alignment:propose": lambda w: {
        "proposer_risk": w.risks["mopac-other"].pk,
        "partner_risk": w.risks["mps-other"].pk,
        "theme": w.theme.pk,
        "relationship": "shared",
        "rationale": "Proposed in a break-in test",
    },
    "reports:create": lambda w: {
        "meeting": "MPS-MOPAC Joint Audit Panel",
        "meeting_date": "2030-01-01",
        "agenda_item": "9",
        "title": "Created in a break-in test",
        "report_by": "Head of Governance",
        "period_label": PERIOD_LABEL,
        "period_end": TODAY.isoformat(),
        "marking": "official",
    },
    "risks:import": lambda w: {"organisation": w.organisations["mopac"].pk},
    "reports:meeting_create": lambda w: {
        "panel": w.meetings["panel"].panel_id,
        "date": "2031-01-15",
        "marking": "official",
    },
    "risks:import_template": None,
    "reports:questions": None,
    "risks:history_integrity": None,
    "risks:period_create": lambda w: {
        "organisation": w.organisations["mopac"].pk,
        "label": "2030/31 Q1",
        "start": "2030-04-01",
        "end": "2030-06-30",
    },
}
EVERYONE_PAGES = (
    "dashboard",
    "alignment:overview",
    "reports:list",
    "reports:meetings",
    "notifications:preferences",
)
# What governance officers' own POSTs to those forms do with the payloads above.
GOVERNANCE_POSTS = {
    "alignment:propose": {"mopac-governance": OK, "mps-governance": UNCHANGED},
    "reports:create": {"mopac-governance": OK, "mps-governance": OK},
    "risks:import": {"mopac-governance": UNCHANGED, "mps-governance": UNCHANGED},
    "risks:period_create": {"mopac-governance": OK, "mps-governance": UNCHANGED},
    "reports:meeting_create": {"mopac-governance": OK, "mps-governance": OK},
}
PAGE_CASES = [(name, "GET") for name in [*GOVERNANCE_PAGES, *EVERYONE_PAGES]] + [
    (name, "POST") for name, payload in GOVERNANCE_PAGES.items() if payload
]


def page_outcome(role: str, name: str, method: str) -> str:
    if role == ANONYMOUS:
        return LOGIN
    if method == "POST" and role in GOVERNANCE:
        return GOVERNANCE_POSTS[name][role]
    return OK if name in EVERYONE_PAGES or role in GOVERNANCE else FORBIDDEN


@pytest.mark.parametrize(("name", "method"), PAGE_CASES)
def test_pages_without_an_object(db, sworld, name, method):
    payload = GOVERNANCE_PAGES.get(name)
    data = payload(sworld) if payload and method == "POST" else {}

    def check(role: str, before: dict) -> None:
        response = send(signed_in(sworld, role), method, reverse(name), data)
        assert_outcome(response, page_outcome(role, name, method), method, before)

    every_role(check)


# --- Every URL is probed -------------------------------------------------------------

# The register's own pages, probed by tests/risks/test_permission_matrix.py.
IN_PERMISSION_MATRIX = {
    "risks:list",
    "risks:create",
    "risks:detail",
    "risks:update",
    "risks:close",
    "risks:owner",
    "risks:review_create",
    "risks:control_create",
    "risks:control_update",
    "risks:control_delete",
    "risks:action_create",
    "risks:action_update",
    "risks:action_delete",
    "risks:periods",
    "risks:period_close",
}
# Not about any object: sign-in, health, register lists above and in the matrix;
# the import preview is keyed by a session token (tests/risks/test_import_views.py).
ELSEWHERE = {
    "login",
    "logout",
    # Sign-in through the identity providers and break-glass links: tests/accounts/.
    "openid_connect_login",
    "openid_connect_callback",
    "accounts:signin_link",
    "healthz",
    "risks:export_csv",
    "risks:export_xlsx",
    "risks:import_preview",
    # Counts of the reviews the user may see, per organisation, read through
    # access.viewable_risks: tests/risks/test_charts.py (a reader sees no more).
    "risks:trends",
    # The read API, by token and role: tests/security/test_api_access.py; the
    # tokens page, every role allowed and denied: tests/accounts/test_tokens.py.
    *(f"api:{name}" for name in API_URL_NAMES),
    "accounts:tokens",
    "accounts:token_revoke",
}


def url_names(patterns=None, namespace: str = "") -> set[str]:
    names = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_url_is_probed():
    probed = {kind.url for kind in KINDS.values()} | set(GOVERNANCE_PAGES)
    probed |= set(EVERYONE_PAGES) | IN_PERMISSION_MATRIX | ELSEWHERE
    assert url_names() - probed == set(), "add these URLs to a table in this module"


# --- CSRF --------------------------------------------------------------------------


def dummy_url(pattern: URLPattern, prefix: str) -> str:
    """A URL the pattern matches, with made-up arguments (CSRF is checked first)."""
    route = str(pattern.pattern)
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"<(?:str|slug):\w+>|<\w+>", "x", route)
    return prefix + route


def post_urls(patterns=None, prefix: str = "/") -> list[str]:
    urls = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                urls += post_urls(entry.url_patterns, prefix + str(entry.pattern))
        else:
            urls.append(dummy_url(entry, prefix))
    return [*urls, "/admin/login/"] if patterns is None else urls


@pytest.mark.parametrize("role", ("mopac-governance", ANONYMOUS))
def test_every_post_needs_a_csrf_token(db, sworld, role):
    """Every URL, real objects or not: the token is checked before any view runs."""
    client = signed_in(sworld, role, enforce_csrf_checks=True)
    real = [
        url_of(kind, kind.args(sworld, kind.keys[0]))
        for kind in KINDS.values()
        if kind.post
    ]
    before = snapshot()
    for url in [*post_urls(), *real]:
        response = client.post(url, {"reason": "x", "revision": "1"})
        if url.startswith("/api/") and response.status_code in (401, 404, 405):
            # The read API's endpoints (csrf-exempt: token clients send no
            # cookie) take no POST from anyone, so there is nothing to forge.
            continue
        assert response.status_code == 403, url
        assert "Your form has expired" in response.content.decode(), url
    assert changed_tables(before, snapshot()) == []


def test_an_allowed_post_with_its_token_goes_through(db, sworld):
    """The control for the test above: the same client, with the form's token."""
    client = signed_in(sworld, "mps-governance", enforce_csrf_checks=True)
    url = reverse("alignment:detail", args=[sworld.links["by-mopac"].pk])
    page = client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    agree = reverse("alignment:agree", args=[sworld.links["by-mopac"].pk])
    response = client.post(agree, {"reason": "", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert AlignmentLink.objects.get(pk=sworld.links["by-mopac"].pk).status == "agreed"


# --- Tampered forms: another organisation's objects slipped into a valid POST ------


def _create_for_the_other_organisation(w: SecurityWorld) -> dict:
    return {
        **{k: str(v) for k, v in risk_data("MPS-R99").items()},
        "organisation": w.organisations["mps"].pk,
        "status": "open",
        "horizon": "long_term",
        "treatment": "treat",
        "appetite": "cautious",
        "proximity": "6_12m",
        "marking": "official",
    }


def _owner_from_the_other_organisation(w: SecurityWorld) -> dict:
    owner = w.users["mps-owner"].pk
    return {"step": "owner", "owner": owner, "owner_post": "Director", "reason": ""}


def _import_into_the_other_register(w: SecurityWorld) -> dict:
    content = make_xlsx([risk_row(Reference="MPS-R98", Owner="")])
    return {
        "organisation": w.organisations["mps"].pk,
        "file": SimpleUploadedFile("register.xlsx", content),
    }


# (role, URL name, object, payload): the form refuses the other organisation's
# object (200 with an error, or 403), and nothing at all is written.
TAMPERED = {
    "a risk in the other register": (
        "mopac-governance",
        "risks:create",
        None,
        _create_for_the_other_organisation,
    ),
    "an owner from the other organisation": (
        "mopac-governance",
        "risks:owner",
        ("risks", "mopac-own"),
        _owner_from_the_other_organisation,
    ),
    "a review in the other organisation's period": (
        "mopac-owner",
        "risks:review_create",
        ("risks", "mopac-own"),
        lambda w: {
            "period": w.periods["mps"].pk,
            "likelihood": "1",
            "impact": "1",
            "commentary": "x",
        },
    ),
    "a proposal on the other organisation's behalf": (
        "mopac-governance",
        "alignment:propose",
        None,
        lambda w: {
            "proposer_risk": w.risks["mps-other"].pk,
            "partner_risk": w.risks["mopac-other"].pk,
            "theme": w.theme.pk,
            "relationship": "shared",
            "rationale": "x",
        },
    ),
    "an import into the other register": (
        "mopac-governance",
        "risks:import",
        None,
        _import_into_the_other_register,
    ),
    "a period for the other organisation": (
        "mopac-governance",
        "risks:period_create",
        None,
        lambda w: {
            "organisation": w.organisations["mps"].pk,
            "label": "2030/31 Q1",
            "start": "2030-04-01",
            "end": "2030-06-30",
        },
    ),
    "a clearance for the other organisation": (
        "mopac-governance",
        "reports:clear",
        ("papers", "draft"),
        lambda w: {"organisation": "mps", "revision": str(w.papers["draft"].revision)},
    ),
    "a joint action for the other organisation": (
        "mopac-governance",
        "alignment:joint_action_create",
        ("links", "agreed", "mps"),
        lambda w: joint_action_form(w, "agreed"),
    ),
}


@pytest.mark.parametrize("case", TAMPERED)
def test_another_organisations_objects_cannot_be_slipped_in(db, sworld, case):
    role, name, target, payload = TAMPERED[case]
    args = []
    if target:
        args = [getattr(sworld, target[0])[target[1]].pk, *target[2:]]
    before = snapshot()
    response = signed_in(sworld, role).post(reverse(name, args=args), payload(sworld))
    assert response.status_code in (200, 403), response.get("Location")
    assert changed_tables(before, snapshot()) == []


def test_fields_the_form_does_not_offer_are_ignored(db, sworld):
    """Mass assignment: organisation, status, owner, version cannot be posted in."""
    risk = sworld.risks["mopac-own"]
    data = edit_data(risk, title="Edited", reference="MPS-R01")
    data.update(
        organisation=sworld.organisations["mps"].pk,
        status="closed",
        owner=sworld.users["mps-owner"].pk,
        closed_on="2020-01-01",
    )
    client = signed_in(sworld, "mopac-owner")
    response = client.post(reverse("risks:update", args=[risk.pk]), data)
    assert response.status_code == 302
    saved = Risk.objects.get(pk=risk.pk)
    assert saved.title == "Edited"  # the offered field was saved...
    assert (saved.organisation_id, saved.reference, saved.status) == (
        risk.organisation_id,
        risk.reference,
        risk.status,
    )  # ...and nothing else
    assert (saved.owner_id, saved.closed_on) == (risk.owner_id, None)


# --- Sign-in ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"]
)
def test_signing_in_never_redirects_off_site(db, sworld, target):
    response = Client().post(
        f"{reverse('login')}?next={target}",
        {"username": "mopac-reader", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_signing_in_starts_a_new_session_and_signing_out_needs_a_post(db, sworld):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    anonymous_key = client.session.session_key
    client.post(
        reverse("login"),
        {"username": "mopac-reader", "password": "correct-horse-battery"},
    )
    assert client.session.session_key != anonymous_key  # no session fixation
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("dashboard")).status_code == 200


# --- Findings of the break-in review, fixed: the behaviour we want ---------------


def test_the_history_page_names_no_risk_the_viewer_may_not_see(db, sworld):
    history = {"risk history": KINDS["risk history"]}

    def check(role: str, before: dict) -> None:
        if role != ANONYMOUS:
            allowed = nameable_references(role)
            for page, names in named_risks(role, sworld, history).items():
                assert names <= allowed, (page, sorted(names - allowed))

    every_role(check)


def test_the_admin_is_for_superusers_only_even_for_staff(client, db, sworld):
    staff = UserFactory(username="staff", is_staff=True)  # not a superuser
    staff.user_permissions.add(Permission.objects.get(codename="change_risk"))
    client.force_login(staff)
    change = f"/admin/risks/risk/{sworld.risks['mps-other'].pk}/change/"
    assert client.get("/admin/").status_code == 302
    assert client.get(change).status_code in (302, 403, 404)


def test_readers_never_see_the_draft_of_a_published_paper(db, sworld):
    paper = sworld.papers["published"]
    report_services.paper_update(
        paper=paper,
        user=sworld.governance("mopac"),
        data={"title": "Draft title not yet cleared", "agenda_item": "9z"},
    )
    for role in ("mps-reader", "mopac-owner", "panel"):
        client = signed_in(sworld, role)
        for url in (
            reverse("reports:list"),
            reverse("reports:detail", args=[paper.pk]),
        ):
            page = client.get(url).content.decode()
            assert "The published paper" in page, (role, url)
            assert "Draft title not yet cleared" not in page, (role, url)
        pdf = client.get(reverse("reports:pdf", args=[paper.pk]))
        assert "draft-title" not in pdf["Content-Disposition"], role
