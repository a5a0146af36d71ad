"""django-allauth's OpenID Connect provider, with the checks it leaves out made.

allauth (65.x) runs the authorization code flow with PKCE and checks the state
and the ID token's issuer, audience and expiry. Read in its source, three checks
this register needs are missing, and are added here by configuration points it
offers (a provider class, its OAuth2 adapter), not by protocol code of our own:

- the ID token's signature: allauth skips it for a token fetched straight from
  the token endpoint (OpenID Connect Core 3.1.3.7 allows that over TLS); we
  always check it against the provider's JWKS, and allow only the RSA/EC
  signature algorithms, never "none" or a shared-secret one;
- the nonce: allauth sends none; we send one with each sign-in, keep it in the
  server-side state and compare it with the token's (accounts.adapters);
- the issuer: allauth trusts whatever issuer the discovery document names; we
  require the one configured in OIDC_PROVIDERS.

Provider faults (unreachable, bad answers) become a clear page, never a 500.
"""

import secrets

from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2CallbackView,
    OAuth2LoginView,
)
from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider,
)
from allauth.socialaccount.providers.openid_connect.views import (
    OpenIDConnectOAuth2Adapter,
)
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from jwt import PyJWTError, get_unverified_header
from requests import RequestException

from .provider_config import Provider

SIGNATURE_ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256"}
REQUIRED_CLAIMS = {"iss", "sub", "aud", "exp", "iat"}
# What may go wrong talking to a provider; each becomes the sign-in failure page.
PROVIDER_FAULTS = (RequestException, OAuth2Error, ValueError, KeyError, TypeError)


def configured_provider(name: str) -> Provider | None:
    """Return the OIDC_PROVIDERS entry of that name."""
    return next((p for p in settings.OIDC_PROVIDERS if p.name == name), None)


def social_app(provider: Provider) -> SocialApp:
    """Describe a configured provider to allauth (an unsaved SocialApp)."""
    return SocialApp(
        provider=OpenIDConnectProvider.id,
        provider_id=provider.name,
        name=provider.label,
        client_id=provider.client_id,
        secret=provider.client_secret,
        settings={
            "server_url": provider.issuer,
            "issuer": provider.issuer,
            "oauth_pkce_enabled": True,
            "token_auth_method": "client_secret_post",
            # Everything is read from the signed ID token: Entra ID's userinfo
            # endpoint (Microsoft Graph) does not carry the groups claim.
            "fetch_userinfo": False,
            "uid_field": provider.subject_claim,
            "scope": ["openid", "profile", "email"],
        },
    )


class RegisterOIDCAdapter(OpenIDConnectOAuth2Adapter):
    """The OAuth2 side: the configured issuer only, and every ID token verified."""

    @property
    def openid_config(self) -> dict:
        config = super().openid_config
        expected = self.get_provider().app.settings["issuer"]
        if str(config.get("issuer", "")).rstrip("/") != expected:
            raise OAuth2Error(
                f"The provider names its issuer {config.get('issuer')!r}, "
                f"not the configured {expected!r}."
            )
        return config

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        try:
            algorithm = get_unverified_header(id_token).get("alg")
        except PyJWTError as error:
            raise OAuth2Error("The ID token is malformed.") from error
        if algorithm not in SIGNATURE_ALGORITHMS:
            raise OAuth2Error(f"The ID token is signed with {algorithm!r}.")
        claims = jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )
        missing = REQUIRED_CLAIMS - claims.keys()
        if missing:
            raise OAuth2Error(f"The ID token lacks {', '.join(sorted(missing))}.")
        return claims


class RegisterOIDCProvider(OpenIDConnectProvider):
    """The provider side: sign-in only, a nonce with every request."""

    oauth2_adapter_class = RegisterOIDCAdapter

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        if process != AuthProcess.LOGIN:
            # Linking an account to another, or redirect-only flows, are not
            # offered: a person's identity is their provider account alone.
            return render_authentication_error(
                request, self, exception=OAuth2Error(f"Unsupported process {process}")
            )
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        auth_params = {**auth_params, "nonce": nonce}
        try:
            return super().redirect(
                request,
                process,
                next_url,
                data,
                auth_params=auth_params,
                nonce=nonce,
                **kwargs,
            )
        except PROVIDER_FAULTS as error:
            return render_authentication_error(request, self, exception=error)

    def extract_uid(self, data) -> str:
        # A person is their issuer (one tenant) and their subject there: the
        # token's "sub", or Entra's "oid" when configured. Never their e-mail.
        claims = data["id_token"]
        return f"{claims['iss']}#{claims[self.app.settings['uid_field']]}"

    def extract_email_addresses(self, data) -> list:
        # An address is not an identity here: no allauth e-mail records to match on.
        return []


@login_not_required
def oidc_login(request, provider_id: str):
    """Start signing in with a configured provider (POST; a GET asks first)."""
    try:
        view = OAuth2LoginView.adapter_view(RegisterOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404("No such sign-in provider.") from None


@login_not_required
def oidc_callback(request, provider_id: str):
    """Finish signing in: the provider sends the person back here with a code."""
    adapter = RegisterOIDCAdapter(request, provider_id)
    try:
        return OAuth2CallbackView.adapter_view(adapter)(request)
    except SocialApp.DoesNotExist:
        raise Http404("No such sign-in provider.") from None
    except PROVIDER_FAULTS as error:
        # Raised before allauth's own handling starts (e.g. discovery unreachable).
        return render_authentication_error(
            request, adapter.get_provider(), exception=error
        )
