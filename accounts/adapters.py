"""Who gets in through an OpenID Connect provider, and as what (allauth's adapter).

The provider has vouched for the person (accounts.oidc checked the token); here
their groups decide their place (accounts.services), at every sign-in.
"""

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.utils.crypto import constant_time_compare

from . import services
from .oidc import configured_provider, social_app

logger = logging.getLogger("accounts.sign_in")


def _refuse(request, sociallogin, message: str, detail: str, *, groups_hint=True):
    account = sociallogin.account
    logger.warning(
        "Sign-in refused: provider %s, subject %s: %s",
        account.provider,
        account.uid,
        detail,
    )
    response = render(
        request,
        "accounts/sign_in_refused.html",
        {
            "message": message,
            "groups_hint": groups_hint,
            "provider": configured_provider(account.provider),
        },
        status=403,
    )
    return ImmediateHttpResponse(response)


def _fail(request, sociallogin, detail: str):
    """The sign-in could not be confirmed: the same page as any other failed flow."""
    account = sociallogin.account
    logger.warning(
        "Sign-in failed: provider %s, subject %s: %s",
        account.provider,
        account.uid,
        detail,
    )
    response = render(
        request,
        "accounts/sign_in_failed.html",
        {"provider": configured_provider(account.provider)},
        status=400,
    )
    return ImmediateHttpResponse(response)


def _claims(sociallogin) -> dict:
    return sociallogin.account.extra_data.get("id_token") or {}


class RegisterSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Providers from OIDC_PROVIDERS; people let in by their groups only."""

    def list_apps(self, request, provider=None, client_id=None) -> list:
        apps = [social_app(p) for p in settings.OIDC_PROVIDERS]
        if provider:
            apps = [a for a in apps if provider in (a.provider_id, a.provider)]
        if client_id:
            apps = [a for a in apps if a.client_id == client_id]
        return apps

    def pre_social_login(self, request, sociallogin) -> None:
        """Check the nonce, then let the person in only as their groups say."""
        state = sociallogin.state or {}
        if state.get("process") != AuthProcess.LOGIN:
            raise _fail(request, sociallogin, "not a sign-in process")
        expected, received = state.get("nonce"), _claims(sociallogin).get("nonce")
        if not (expected and isinstance(received, str)) or not constant_time_compare(
            expected, received
        ):
            raise _fail(request, sociallogin, "nonce mismatch")
        user = sociallogin.user if sociallogin.is_existing else None
        if user is not None and not user.is_active:
            raise _refuse(
                request,
                sociallogin,
                "Your account on the risk register is disabled.",
                f"inactive user {user.username}",
                groups_hint=False,
            )
        provider = configured_provider(sociallogin.account.provider)
        try:
            access = services.access_from_groups(
                provider=provider, claims=_claims(sociallogin)
            )
        except services.SignInRefused as refusal:
            if user is not None:
                # Their groups now give them nothing: take their place away too.
                services.membership_sync_from_sign_in(
                    user=user, access=services.NO_ACCESS
                )
            raise _refuse(
                request, sociallogin, refusal.message, refusal.detail
            ) from None
        if user is not None:
            services.membership_sync_from_sign_in(user=user, access=access)

    def save_user(self, request, sociallogin, form=None):
        """Create the person, their provider link and their membership together."""
        provider = configured_provider(sociallogin.account.provider)
        access = services.access_from_groups(
            provider=provider, claims=_claims(sociallogin)
        )
        try:
            with transaction.atomic():
                user = super().save_user(request, sociallogin, form=form)
                services.membership_sync_from_sign_in(user=user, access=access)
        except IntegrityError:
            user = self._created_meanwhile(sociallogin)
            if user is None:
                raise  # not that race: a real fault
            services.membership_sync_from_sign_in(user=user, access=access)
            return user
        logger.info(
            "New user %s from provider %s", user.username, sociallogin.account.provider
        )
        return user

    @staticmethod
    def _created_meanwhile(sociallogin):
        """The person a simultaneous first sign-in created after our look-up.

        Two tabs (or a double click) can both find no account and both create
        one; the database keeps one, and this sign-in continues as that person.
        """
        account = sociallogin.account
        existing = (
            SocialAccount.objects.select_related("user")
            .filter(provider=account.provider, uid=account.uid)
            .first()
        )
        if existing is None:
            return None
        sociallogin.user, sociallogin.account = existing.user, existing
        logger.info("Simultaneous first sign-in of %s joined", existing.user.username)
        return existing.user

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        claims = _claims(sociallogin)
        # The sign-in name (Entra's UPN) when free; allauth makes it unique if not.
        user.username = str(claims.get("preferred_username") or "")[:150]
        return user

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return True

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        """Log the failure and show the sign-in failure page, whatever went wrong."""
        cause = getattr(exception, "__cause__", None)
        logger.warning(
            "Sign-in failed: provider %s, error %s: %s%s",
            provider.app.provider_id,
            error,
            exception or "state missing or not recognised",
            f" ({type(cause).__name__}: {cause})" if cause else "",
        )
        response = render(
            request,
            "accounts/sign_in_failed.html",
            {"provider": configured_provider(provider.app.provider_id)},
            status=400,
        )
        raise ImmediateHttpResponse(response)
