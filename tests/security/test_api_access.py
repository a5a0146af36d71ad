"""The read API against the role × object matrix: a token sees what its browser sees.

For every role, the ids each API list returns are compared, as sets, with the ids
the same person's browser pages list and with the expectations written out from
DESIGN §5 in access_table.py. Every object URL of the API answers 404 to a role
that may not see it. Tokens that are missing, malformed, expired or revoked get
401 on every endpoint.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken
from reports import services as report_services

from ..api.conftest import Api
from .access_table import LINKS_SEEN, PAPERS_SEEN, PERIODS_SEEN, RISKS_SEEN
from .world import ANONYMOUS, ROLES, kind_of, org_of, signed_in

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db

TOKEN_ROLES = tuple(role for role in ROLES if role != ANONYMOUS)
LISTS = (
    "api:organisations",
    "api:risks",
    "api:dashboard_risks",
    "api:controls",
    "api:actions",
    "api:reviews",
    "api:periods",
    "api:links",
    "api:papers",
)

# Every URL of the read API, each probed in this module.
API_URL_NAMES = (
    *(name.removeprefix("api:") for name in LISTS),
    "risk",
    "period_changes",
    "schema",
    "docs",
    "explorer",
)


@pytest.fixture(scope="module")
def tokens(sworld, django_db_blocker):
    """A token for every role, made once for the module (inside its rollback)."""
    with django_db_blocker.unblock():
        return {
            role: services.token_create(owner=sworld.users[role], name="Security")[1]
            for role in TOKEN_ROLES
        }


def seen_by(role: str) -> set[str]:
    return RISKS_SEEN[org_of(role) or role]


def browser_ids(client, path: str, pattern: str) -> set[int]:
    """Follow the page's `page=` links; return the ids its links name."""
    ids, page = set(), 1
    while True:
        response = client.get(path, {"page": page})
        if response.status_code != 200:
            return ids
        found = {int(pk) for pk in re.findall(pattern, response.text)}
        if found <= ids:
            return ids
        ids |= found
        page += 1


def expected_ids(sworld, role: str, endpoint: str) -> set[int]:
    risks = seen_by(role)
    by_kind = kind_of(role)
    if endpoint in ("api:risks", "api:dashboard_risks"):
        return {sworld.risks[key].pk for key in risks}
    if endpoint == "api:controls":
        return {sworld.controls[key].pk for key in risks}
    if endpoint == "api:actions":
        return {sworld.actions[key].pk for key in risks}
    if endpoint == "api:reviews":
        return {
            review.pk for key in risks for review in sworld.risks[key].reviews.all()
        }
    if endpoint == "api:periods":
        return {sworld.periods[key].pk for key in PERIODS_SEEN[org_of(role) or role]}
    if endpoint == "api:links":
        return {sworld.links[key].pk for key in LINKS_SEEN[by_kind]}
    if endpoint == "api:papers":
        # The API lists published papers only, even to governance.
        return {
            sworld.papers[key].pk for key in PAPERS_SEEN[by_kind] if key == "published"
        }
    if endpoint == "api:organisations":
        return {org.pk for org in sworld.organisations.values()}
    raise AssertionError(endpoint)


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_token_lists_exactly_what_the_design_allows(db, sworld, tokens, role, endpoint):
    found = Api(tokens[role]).ids(reverse(endpoint))
    assert found == expected_ids(sworld, role, endpoint)


@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_token_lists_the_ids_of_the_browser_register(db, sworld, tokens, role):
    api = Api(tokens[role])
    browser = browser_ids(
        signed_in(sworld, role), reverse("risks:list"), r'href="/risks/(\d+)/"'
    )
    assert api.ids(reverse("api:risks")) == browser
    assert api.ids(reverse("api:dashboard_risks")) == browser
    assert browser == expected_ids(sworld, role, "api:risks")


@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_token_lists_the_links_and_papers_of_the_browser(db, sworld, tokens, role):
    api = Api(tokens[role])
    client = signed_in(sworld, role)
    links = browser_ids(
        client, reverse("alignment:overview"), r'href="/alignment/(\d+)/"'
    )
    assert api.ids(reverse("api:links")) == links
    published = browser_ids(
        client, reverse("reports:list"), r"/reports/(\d+)/versions/"
    )
    assert api.ids(reverse("api:papers")) == published


@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_token_lists_the_children_of_the_browsers_risk_pages(db, sworld, tokens, role):
    """Controls, actions and reviews: those the person's risk pages show."""
    client = signed_in(sworld, role)
    seen = {"controls": set(), "actions": set(), "reviews": set()}
    register = browser_ids(client, reverse("risks:list"), r'href="/risks/(\d+)/"')
    for pk in register:
        page = client.get(reverse("risks:detail", args=[pk])).context["page"]
        seen["controls"] |= {control.pk for control in page.risk.controls.all()}
        seen["actions"] |= {row.action.pk for row in page.actions}
        seen["reviews"] |= {entry.review.pk for entry in page.timeline}
    api = Api(tokens[role])
    for name, ids in seen.items():
        assert api.ids(reverse(f"api:{name}")) == ids, name
        assert ids == expected_ids(sworld, role, f"api:{name}"), name


@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_token_lists_the_periods_of_the_browsers_register_reports(
    db, sworld, tokens, role
):
    """Reporting periods: those the organisation register report offers the person."""
    client = signed_in(sworld, role)
    browser = set()
    for slug in sworld.organisations:
        response = client.get(reverse("reports:register_report", args=[slug]))
        if response.status_code == 200:
            browser |= {period.pk for period in response.context["periods"]}
    assert Api(tokens[role]).ids(reverse("api:periods")) == browser
    assert browser == expected_ids(sworld, role, "api:periods")


@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_token_lists_the_ids_of_the_browser_register_as_at_a_day(
    db, sworld, tokens, role
):
    day = timezone.localdate().isoformat()
    client = signed_in(sworld, role)
    browser, page = set(), 1
    while True:
        response = client.get(reverse("risks:list"), {"as_at": day, "page": page})
        found = {
            int(pk) for pk in re.findall(r'href="/risks/(\d+)/\?as_at=', response.text)
        }
        if response.status_code != 200 or found <= browser:
            break
        browser |= found
        page += 1
    assert Api(tokens[role]).ids(reverse("api:risks"), as_at=day) == browser
    assert browser == expected_ids(sworld, role, "api:risks")


def test_other_organisations_reader_sees_only_agreed_aligned_risks(sworld, tokens):
    api = Api(tokens["mps-reader"])
    mopac = api.ids(reverse("api:risks"), organisation="mopac")
    assert mopac == {sworld.risks["mopac-aligned"].pk}
    # The other side of a proposal (never agreed) stays hidden.
    for key in ("mopac-own", "mopac-other"):
        path = reverse("api:risk", args=[sworld.risks[key].pk])
        assert api.get(path).status_code == 404


@pytest.mark.parametrize("key", sorted(RISKS_SEEN["mopac"] | RISKS_SEEN["mps"]))
@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_risk_detail_is_404_when_hidden(db, sworld, tokens, role, key):
    response = Api(tokens[role]).get(reverse("api:risk", args=[sworld.risks[key].pk]))
    assert response.status_code == (200 if key in seen_by(role) else 404)
    if response.status_code == 200:
        body = response.json()
        assert {c["id"] for c in body["controls"]} == {sworld.controls[key].pk}
        # Aligned links listed only when the other risk is visible too.
        for link in body["aligned"]:
            for side in ("proposer_risk", "partner_risk"):
                assert link[side]["id"] in expected_ids(sworld, role, "api:risks")


@pytest.mark.parametrize("org", ("mopac", "mps"))
@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_quarter_changes_for_that_organisations_governance(
    db, sworld, tokens, role, org
):
    path = reverse("api:period_changes", args=[sworld.periods[org].pk])
    status = Api(tokens[role]).get(path).status_code
    if role == f"{org}-governance":
        assert status == 200
    elif org_of(role) == org:
        assert status == 403
    else:
        assert status == 404


@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_drafts_never_leak(db, sworld, tokens, role):
    api = Api(tokens[role])
    draft = sworld.papers["draft"]
    body = api.get(reverse("api:papers"), page_size=1000).json()
    assert draft.pk not in {paper["id"] for paper in body["results"]}
    assert draft.title not in str(body)


# --- 401 on every endpoint for tokens that are not valid ------------------------


def _bad_tokens(sworld) -> dict[str, str | None]:
    owner = sworld.users["mopac-governance"]
    expired, expired_secret = services.token_create(owner=owner, name="Old", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=5),
        expires_at=timezone.now() - datetime.timedelta(days=4),
    )
    revoked, revoked_secret = services.token_create(owner=owner, name="Gone")
    services.token_revoke(token=revoked, user=owner)
    return {
        "missing": None,
        "malformed": "rrt_<script>",
        "unknown": "rrt_" + "x" * 43,
        "expired": expired_secret,
        "revoked": revoked_secret,
    }


def test_invalid_tokens_get_401_on_every_endpoint(db, sworld):
    paths = [reverse(name) for name in LISTS]
    paths += [
        reverse("api:risk", args=[sworld.risks["mopac-own"].pk]),
        reverse("api:period_changes", args=[sworld.periods["mopac"].pk]),
        reverse("api:schema"),
    ]
    for kind, secret in _bad_tokens(sworld).items():
        api = Api(secret)
        for path in paths:
            response = api.get(path)
            assert response.status_code == 401, (kind, path, response.status_code)
            assert "results" not in response.content.decode()


@pytest.mark.parametrize("name", ("api:docs", "api:explorer"))
@pytest.mark.parametrize("role", ROLES)
def test_docs_pages_for_anyone_signed_in(db, sworld, role, name):
    response = signed_in(sworld, role).get(reverse(name))
    if role == ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", ("mopac-reader", "panel", "mps-governance"))
def test_papers_are_listed_as_published_with_links_to_their_pdfs(
    db, sworld, tokens, role
):
    paper = sworld.papers["published"]
    published_title = paper.title
    report_services.paper_update(  # a draft since publication: never served
        paper=paper,
        user=sworld.users["mopac-governance"],
        data={"title": "Redrafted after publication"},
    )
    body = Api(tokens[role]).get(reverse("api:papers")).json()
    (row,) = body["results"]
    assert (row["id"], row["title"], row["version"]) == (paper.pk, published_title, 1)
    assert row["marking"]["code"] == paper.marking
    assert "Redrafted" not in str(body)
    # The links open the stored PDFs in the same person's signed-in browser.
    browser = signed_in(sworld, role)
    for url in (row["pdf_url"], row["public_pdf_url"]):
        response = browser.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
