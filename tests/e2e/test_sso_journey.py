"""Signing in with the organisation's account in real Chromium, through a real
OpenID Provider (npm oidc-provider) and its own sign-in and consent pages."""

import json

import pytest
from django.utils.csp import CSP
from playwright.sync_api import expect

from accounts.provider_config import parse_providers, provider_origins
from risks.models import Membership
from tests.oidc.server import CLIENT_SECRET, OidcServer, client

from .conftest import check_accessibility, screenshot

MPS_GOVERNANCE = "3f0c8a52-1b7e-4d2a-9c61-5e8f0b7a2d11"
UNMAPPED = "3f0c8a52-1b7e-4d2a-9c61-5e8f0b7a2d99"


@pytest.fixture(scope="module")
def browser_idp(live_server):
    """A provider whose client sends people back to the live server."""
    server = OidcServer(
        clients=[client("register", live_server.url, ["mps", "mopac"])],
        accounts={
            "mps-governance-officer": {
                "groups": [MPS_GOVERNANCE],
                "preferred_username": "governance.officer@mps.test",
            },
            "mps-visitor": {"groups": [UNMAPPED]},
        },
    ).start()
    yield server
    server.stop()


@pytest.fixture
def signed_in_with_providers(settings, browser_idp, demo):
    entries = [
        {
            "name": name,
            "label": f"Sign in with {name.upper()} account",
            "issuer": browser_idp.issuer,
            "client_id": "register",
            "client_secret": CLIENT_SECRET,
            "groups": {MPS_GOVERNANCE: "mps:governance"},
        }
        for name in ("mps", "mopac")
    ]
    settings.OIDC_PROVIDERS = parse_providers(json.dumps(entries))
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": [CSP.SELF, *provider_origins(settings.OIDC_PROVIDERS)],
    }
    settings.AUTH_LOCAL_PASSWORDS = False


@pytest.fixture
def page(page):
    """The page, with the provider's web font served empty.

    oidc-provider's development sign-in pages link a Google font; these tests
    reach nothing outside this machine, so the browser gets an empty stylesheet.
    """
    page.route(
        "https://fonts.googleapis.com/**",
        lambda route: route.fulfill(status=200, content_type="text/css", body=""),
    )
    return page


def _sign_in_at_provider(page, account: str) -> None:
    page.locator("input[name=login]").fill(account)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_mps_governance_signs_in_with_their_account(
    page, live_server, browser_idp, signed_in_with_providers
):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Sign in with MPS account")).to_be_visible()
    expect(
        page.get_by_role("button", name="Sign in with MOPAC account")
    ).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    check_accessibility(page)
    screenshot(page, "sign-in-providers")

    page.get_by_role("button", name="Sign in with MPS account").click()
    page.wait_for_url(f"{browser_idp.url}/**")
    _sign_in_at_provider(page, "mps-governance-officer")

    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("governance.officer@mps.test", exact=True)).to_be_visible()
    expect(page.get_by_text("Metropolitan Police Service (MPS)")).to_be_visible()
    expect(page.get_by_text("Governance officer").first).to_be_visible()
    check_accessibility(page)
    membership = Membership.objects.get(user__username="governance.officer@mps.test")
    assert membership.history.get().history_change_reason == "from sign-in groups"

    # MPS governance pages: the register, opening periods, a new risk.
    page.goto(f"{live_server.url}/risks/?organisation=mps")
    expect(page.get_by_role("heading", name="Risk register")).to_be_visible()
    expect(page.get_by_text("MPS-").first).to_be_visible()
    page.goto(f"{live_server.url}/risks/periods/")
    expect(page.get_by_role("button", name="Open a new period")).to_be_visible()
    page.goto(f"{live_server.url}/risks/new/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page)
    screenshot(page, "sso-governance-new-risk")

    # Signing out ends the provider's session too.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{browser_idp.url}/**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/risks/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/risks/")


def test_a_person_in_no_mapped_group_is_refused(
    page, live_server, browser_idp, signed_in_with_providers
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with MPS account").click()
    _sign_in_at_provider(page, "mps-visitor")
    expect(
        page.get_by_role("heading", name="You cannot sign in to the risk register")
    ).to_be_visible()
    expect(page.get_by_text("not in any group")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "sso-refused")
    assert not Membership.objects.filter(user__username__contains="visitor").exists()
