"""Bad input on the sign-in flow gets a clear page, no 500, and creates nothing.

Each case is a real provider (npm oidc-provider) misbehaving, or a request
tampered with on its way, never a mocked HTTP answer.
"""

import json
import logging
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.oidc import RegisterOIDCAdapter
from accounts.provider_config import parse_providers
from risks.models import Membership
from tests.factories import OrganisationFactory
from tests.oidc.server import provider_sign_in

from .conftest import come_back, provider_entry, start_sign_in

User = get_user_model()
FAILED = "Sign-in did not complete"


@pytest.fixture(autouse=True)
def sign_in_log(caplog):
    caplog.set_level(logging.WARNING, logger="accounts.sign_in")


@pytest.fixture
def mps(db):
    return OrganisationFactory(short_name="MPS", slug="mps")


def _replace_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def logged(caplog, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records)


def assert_refused_and_nothing_created(client, response, *, says=FAILED, status=400):
    assert response.status_code == status, response.content.decode()[:300]
    assert says in response.content.decode()
    assert not User.objects.exclude(username="").exists()
    assert not SocialAccount.objects.exists()
    assert not Membership.objects.exists()
    assert "_auth_user_id" not in client.session


def rows() -> tuple[int, int, int]:
    """Count people, provider accounts and memberships."""
    return (
        User.objects.exclude(username="").count(),
        SocialAccount.objects.count(),
        Membership.objects.count(),
    )


def assert_refused_and_nothing_added(client, response, before, *, status=400):
    """A replay after a real sign-in: refused, signed out, no row added.

    History is append-only, so the person the first use created stays (deleting
    them would rewrite their history rows).
    """
    assert response.status_code == status, response.content.decode()[:300]
    assert FAILED in response.content.decode()
    assert rows() == before
    assert "_auth_user_id" not in client.session


def test_a_tampered_state_is_refused(client, providers, mps, caplog):
    back = provider_sign_in(start_sign_in(client), "mps-gov-1")
    response = come_back(client, _replace_query(back, state="forged-state"))
    assert_refused_and_nothing_created(client, response)
    assert logged(caplog, "state missing or not recognised")


def test_a_missing_state_is_refused(client, providers, mps):
    back = provider_sign_in(start_sign_in(client), "mps-gov-1")
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k != "state"}
    response = client.get(f"{parts.path}?{urlencode(query)}")
    assert_refused_and_nothing_created(client, response)


def test_a_state_from_another_browser_is_refused(client, providers, mps):
    back = provider_sign_in(start_sign_in(client), "mps-gov-1")
    other = Client()  # the attacker's browser holds no such state
    response = come_back(other, back)
    assert_refused_and_nothing_created(other, response)


def test_a_token_signed_with_another_key_is_refused(
    client, providers, mps, rogue_idp, caplog
):
    providers(rogue=rogue_idp.issuer)
    back = provider_sign_in(start_sign_in(client, "rogue"), "mps-gov-1")
    response = come_back(client, back)
    assert_refused_and_nothing_created(client, response)
    assert logged(caplog, "InvalidSignatureError: Signature verification failed")


def test_a_token_signed_with_a_shared_secret_is_refused(
    client, providers, mps, idp, settings, caplog
):
    entry = {**provider_entry("hs256", idp.issuer), "client_id": "register-hs256"}
    settings.OIDC_PROVIDERS = parse_providers(json.dumps([entry]))
    back = provider_sign_in(start_sign_in(client, "hs256"), "mps-gov-1")
    assert_refused_and_nothing_created(client, come_back(client, back))
    assert logged(caplog, "The ID token is signed with 'HS256'")


def test_a_token_issued_to_another_client_is_refused(
    client, providers, mps, monkeypatch, caplog
):
    """The provider's real token, checked as if this register were another client.

    A provider issues ID tokens to the client that redeemed the code, so no real
    flow yields a foreign audience; the register's own client id is swapped at
    the check instead, and the library's audience check must refuse the token.
    """
    decode = RegisterOIDCAdapter._decode_id_token

    def as_another_client(adapter, app, id_token):
        return decode(adapter, SocialApp(client_id="another-client"), id_token)

    monkeypatch.setattr(RegisterOIDCAdapter, "_decode_id_token", as_another_client)
    back = provider_sign_in(start_sign_in(client), "mps-gov-1")
    assert_refused_and_nothing_created(client, come_back(client, back))
    assert logged(caplog, "InvalidAudienceError")


def test_an_expired_token_is_refused(client, providers, mps, skewed_idp, caplog):
    providers(skewed=skewed_idp.issuer)
    back = provider_sign_in(start_sign_in(client, "skewed"), "mps-gov-1")
    response = come_back(client, back)
    assert_refused_and_nothing_created(client, response)
    assert logged(caplog, "ExpiredSignatureError: Signature has expired")


def test_a_wrong_nonce_is_refused(client, providers, mps, caplog):
    authorize = _replace_query(start_sign_in(client), nonce="not-the-one-we-sent")
    response = come_back(client, provider_sign_in(authorize, "mps-gov-1"))
    assert_refused_and_nothing_created(client, response)
    assert logged(caplog, "nonce mismatch")


def test_a_replayed_code_is_refused(client, providers, mps, caplog):
    back = provider_sign_in(start_sign_in(client), "mps-gov-1")
    assert come_back(client, back).status_code == 302  # the first use signs in
    client.logout()
    before = rows()
    # The replay brings a fresh, valid state of this browser with the spent code.
    fresh_state = parse_qs(urlsplit(start_sign_in(client)).query)["state"][0]
    response = come_back(client, _replace_query(back, state=fresh_state))
    assert_refused_and_nothing_added(client, response, before)
    assert logged(caplog, "invalid_grant")


def test_a_replayed_callback_is_refused(client, providers, mps):
    back = provider_sign_in(start_sign_in(client), "mps-gov-1")
    assert come_back(client, back).status_code == 302
    client.logout()
    before = rows()
    assert_refused_and_nothing_added(client, come_back(client, back), before)


def test_an_unknown_issuer_is_refused_before_leaving(
    client, providers, imposter_idp, caplog
):
    providers(imposter=imposter_idp.url)
    response = client.post("/accounts/oidc/imposter/login/")
    assert_refused_and_nothing_created(client, response)
    assert logged(caplog, "not the configured")


def test_a_provider_that_does_not_answer_is_refused(
    client, providers, silent_port, caplog
):
    providers(silent=f"http://127.0.0.1:{silent_port}")
    response = client.post("/accounts/oidc/silent/login/")
    assert_refused_and_nothing_created(client, response)
    assert logged(caplog, "timed out")


def test_a_provider_that_stops_answering_before_the_callback_is_refused(
    client, providers, mps, silent_port, settings, caplog
):
    back = provider_sign_in(start_sign_in(client), "mps-gov-1")
    # The same provider name, now at a port that accepts and never answers.
    entry = provider_entry("mps", f"http://127.0.0.1:{silent_port}")
    settings.OIDC_PROVIDERS = parse_providers(json.dumps([entry]))
    assert_refused_and_nothing_created(client, come_back(client, back))
    assert logged(caplog, "timed out")


def test_a_provider_that_is_down_is_refused(client, providers, closed_port, caplog):
    providers(closed=f"http://127.0.0.1:{closed_port}")
    response = client.post("/accounts/oidc/closed/login/")
    assert_refused_and_nothing_created(client, response)
    assert logged(caplog, "Connection refused")


def test_a_provider_gone_down_before_the_callback_is_refused(
    client, providers, mps, closed_port, settings, caplog
):
    back = provider_sign_in(start_sign_in(client), "mps-gov-1")
    # The same provider name, now at a port nothing listens on.
    entry = provider_entry("mps", f"http://127.0.0.1:{closed_port}")
    settings.OIDC_PROVIDERS = parse_providers(json.dumps([entry]))
    assert_refused_and_nothing_created(client, come_back(client, back))
    assert logged(caplog, "Connection refused")


def test_an_error_from_the_provider_is_refused(client, providers, mps):
    state = parse_qs(urlsplit(start_sign_in(client)).query)["state"][0]
    response = client.get(
        "/accounts/oidc/mps/login/callback/",
        {"error": "access_denied", "state": state},
    )
    assert_refused_and_nothing_created(client, response)


def test_only_sign_in_is_offered_not_linking_accounts(client, providers, mps):
    response = client.post("/accounts/oidc/mps/login/?process=connect")
    assert_refused_and_nothing_created(client, response)
