"""Writes of the accounts app: API tokens made and revoked, both in history."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from risks.recording import record

from . import selectors, tokens
from .models import ApiToken

MAX_DAYS = 365  # a token lives at most a year: long-lived secrets leak
DEFAULT_DAYS = 90


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            {"days": f"A token must expire in 1 to {MAX_DAYS} days."}, code="range"
        )


@transaction.atomic
def token_create(
    *, owner, name: str, days: int = DEFAULT_DAYS, user=None, reason: str = ""
) -> tuple[ApiToken, str]:
    """Make a token for `owner`; return it and its secret, which is never kept.

    `user` is who makes it: the owner on /accounts/tokens/, None from the
    create_api_token command (run by an operator on the server).
    """
    if user is not None and user.pk != owner.pk:
        raise PermissionDenied("You may make tokens for yourself only.")
    if not owner.is_active:
        raise ValidationError("That account is not active.")
    _check_days(days)
    secret = tokens.new_secret()
    now = timezone.now()
    token = ApiToken(
        user=owner,
        name=name.strip(),
        prefix=tokens.shown_prefix(secret),
        digest=tokens.digest(secret),
        created_at=now,
        created_by=user,
        expires_at=now + timedelta(days=days),
    )
    record(token, user=user, reason=reason or "Token created", at=now)
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, user, reason: str = "") -> ApiToken:
    """Revoke a token at once; revoking a revoked token changes nothing."""
    # Locked on its own: FOR UPDATE cannot take the outer-joined membership.
    may_revoke = selectors.manageable_tokens(user).filter(pk=token.pk).values("pk")
    token = ApiToken.objects.select_for_update().filter(pk__in=may_revoke).first()
    if token is None:
        raise PermissionDenied("You may not revoke that token.")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = user
    record(token, user=user, reason=reason or "Token revoked", at=token.revoked_at)
    return token
