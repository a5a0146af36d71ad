"""Sign-out ends the session, and the provider's session when it offers an endpoint."""

import json
import logging
from urllib.parse import parse_qs, urlsplit

import requests
from django.urls import reverse

from accounts.provider_config import parse_providers
from tests.factories import OrganisationFactory

from .conftest import provider_entry, sign_in


def test_sign_out_after_a_provider_sign_in_goes_to_its_end_session_endpoint(
    client, providers, idp, db
):
    OrganisationFactory(short_name="MPS", slug="mps")
    sign_in(client, "mps-gov-1")
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{idp.url}/session/end"
    )
    query = parse_qs(location.query)
    assert query["client_id"] == ["register"]
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert "_auth_user_id" not in client.session
    # The provider accepts the request: it asks the person to confirm signing out.
    answer = requests.get(response["Location"], timeout=10)
    assert answer.status_code == 200
    assert "logout" in answer.text.lower()


def test_sign_out_without_an_end_session_endpoint_returns_to_the_sign_in_page(
    client, providers, no_logout_idp, db
):
    OrganisationFactory(short_name="MPS", slug="mps")
    providers(nologout=no_logout_idp.issuer)
    sign_in(client, "mps-gov-1", name="nologout")
    assert "_auth_user_id" in client.session
    discovery = requests.get(
        f"{no_logout_idp.url}/.well-known/openid-configuration", timeout=10
    ).json()
    assert "end_session_endpoint" not in discovery
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_sign_out_ends_the_session_even_when_the_provider_is_down(
    client, providers, closed_port, settings, db, caplog
):
    OrganisationFactory(short_name="MPS", slug="mps")
    sign_in(client, "mps-gov-1")
    # The same provider name, now at a port nothing listens on.
    entry = provider_entry("mps", f"http://127.0.0.1:{closed_port}")
    settings.OIDC_PROVIDERS = parse_providers(json.dumps([entry]))
    with caplog.at_level(logging.WARNING, logger="accounts.sign_in"):
        response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert any("No end-session endpoint from mps" in r.message for r in caplog.records)


def test_sign_out_after_a_password_sign_in_returns_to_the_sign_in_page(
    client, world, providers
):
    client.force_login(world.users["mps-reader"])
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post(client, world):
    client.force_login(world.users["mps-reader"])
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
