"""Reads of API tokens: whose tokens a person may see, and the token of a request."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from risks import access

from . import tokens
from .models import ApiToken


def manageable_tokens(user) -> QuerySet[ApiToken]:
    """Return the tokens the user may see and revoke.

    Everyone their own; governance officers also those of their organisation's
    members (access.managed_organisations decides whose register they run).
    """
    tokens_ = ApiToken.objects.select_related(
        "user", "user__membership", "revoked_by", "revoked_by__membership"
    )
    if not user.is_authenticated or not user.is_active:
        return tokens_.none()
    governed = access.managed_organisations(user)
    return tokens_.filter(Q(user=user) | Q(user__membership__organisation__in=governed))


def authenticated_token(secret: str, now: datetime) -> ApiToken | None:
    """Return the active token with this secret and its active owner, else None."""
    if not tokens.looks_like_token(secret):
        return None
    return (
        ApiToken.objects.active(now)
        .select_related("user")
        .filter(digest=tokens.digest(secret), user__is_active=True)
        .first()
    )


def last_used_granularity() -> timedelta:
    return timedelta(seconds=settings.API_TOKEN_LAST_USED_SECONDS)


def note_use(token: ApiToken, now: datetime) -> None:
    """Record the token's last use, at most once per granularity (not per request).

    A dashboard refresh makes dozens of requests in a minute; one write each
    would cost more than the reads. The conditional update makes concurrent
    requests write once between them.
    """
    stale = now - last_used_granularity()
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    ).update(last_used_at=now)
    token.last_used_at = now
