"""Writes of the accounts app: roles from sign-in groups, sign-in links, API tokens."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from risks.choices import Role
from risks.models import Membership, Organisation, Panel, PanelMember
from risks.recording import record, record_delete

from . import selectors, tokens
from .models import ApiToken, SignInLink
from .provider_config import Provider

logger = logging.getLogger("accounts.sign_in")

SIGN_IN_REASON = "from sign-in groups"
# The panel a "panel" group seats people on when no panel exists yet.
DEFAULT_PANEL_NAME = "MPS-MOPAC Joint Audit Panel"
ROLES = {"reader": Role.READER, "owner": Role.RISK_OWNER, "governance": Role.GOVERNANCE}
RANK = {Role.READER: 1, Role.RISK_OWNER: 2, Role.GOVERNANCE: 3}
SIGN_IN_LINK_LIFETIME = timedelta(minutes=10)


class SignInRefused(Exception):
    """The provider vouched for the person, but their groups give no place here."""

    def __init__(self, message: str, *, detail: str = ""):
        super().__init__(message)
        self.message = message  # shown to the person
        self.detail = detail or message  # logged


@dataclass(frozen=True)
class SignInAccess:
    """What a person's groups give them: a role in one organisation, the panel seat."""

    organisation: Organisation | None
    role: str
    panel: bool


NO_ACCESS = SignInAccess(organisation=None, role="", panel=False)


def _groups(claims: dict) -> list[str]:
    if "groups" not in claims:
        if "groups" in (claims.get("_claim_names") or {}):
            # Entra ID leaves the claim out when a person is in more than 200
            # groups; the application must then emit only the groups assigned to it.
            raise SignInRefused(
                "Your account is in too many groups for your organisation to list "
                "them at sign-in.",
                detail="groups claim overage (_claim_names)",
            )
        raise SignInRefused(
            "Your organisation did not say which groups you are in.",
            detail="no groups claim in the ID token",
        )
    groups = claims["groups"]
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise SignInRefused(
            "Your organisation sent your groups in a form this register cannot read.",
            detail=f"groups claim is not a list of strings: {type(groups).__name__}",
        )
    return groups


def access_from_groups(*, provider: Provider, claims: dict) -> SignInAccess:
    """Decide a person's organisation, role and panel seat from their groups claim.

    Several groups of one organisation give the highest of their roles. Groups of
    two organisations, or none of the provider's mapped groups, give nothing: the
    person is refused, never let in as a reader by default.
    """
    grants = [provider.groups[g] for g in _groups(claims) if g in provider.groups]
    panel = any(grant.is_panel for grant in grants)
    roles = [grant for grant in grants if not grant.is_panel]
    slugs = sorted({grant.organisation for grant in roles})
    if len(slugs) > 1:
        raise SignInRefused(
            "Your groups give you a role in more than one organisation; a person "
            "may belong to one. Ask your organisation's governance team to correct "
            "your groups.",
            detail=f"groups map to several organisations: {', '.join(slugs)}",
        )
    if not roles and not panel:
        raise SignInRefused(
            "Your account is not in any group that gives access to the risk register.",
            detail="no mapped group",
        )
    if not roles:
        return SignInAccess(organisation=None, role="", panel=True)
    organisation = Organisation.objects.filter(slug=slugs[0]).first()
    if organisation is None:
        raise SignInRefused(
            "The register is not set up for your organisation yet.",
            detail=f'group map names organisation "{slugs[0]}", which does not exist',
        )
    role = max((ROLES[grant.role] for grant in roles), key=RANK.__getitem__)
    return SignInAccess(organisation=organisation, role=role, panel=panel)


def _signed_in_panel(user) -> Panel:
    """Return the panel the "panel" group seats people on: the first one.

    With one panel (today) that is the panel; a database with none yet gets one
    over every organisation, recorded like any other sign-in change.
    """
    panel = Panel.objects.order_by("pk").first()
    if panel is None:
        panel = Panel(name=DEFAULT_PANEL_NAME)
        record(panel, user=user, reason=SIGN_IN_REASON, at=None)
        panel.organisations.set(Organisation.objects.all())
    return panel


@transaction.atomic
def membership_sync_from_sign_in(*, user, access: SignInAccess) -> list[str]:
    """Make the user's membership and panel seat follow their groups; say what changed.

    Every change is in the membership's (or panel seat's) history with the reason
    "from sign-in groups". Named owner and delegate grants are left alone: they
    count again whenever the person is once more an owner or governance officer.
    """
    changes = []
    membership = Membership.objects.select_for_update().filter(user=user).first()
    if access.organisation is None:
        if membership is not None:
            record_delete(membership, user=user, reason=SIGN_IN_REASON, at=None)
            changes.append(f"left {membership.organisation.short_name}")
    elif membership is None:
        membership = Membership(
            user=user,
            organisation=access.organisation,
            role=access.role,
            post_title=Role(access.role).label,
        )
        record(membership, user=user, reason=SIGN_IN_REASON, at=None)
        changes.append(f"joined {access.organisation.short_name} as {access.role}")
    elif (membership.organisation_id, membership.role) != (
        access.organisation.pk,
        access.role,
    ):
        if membership.post_title == Role(membership.role).label:
            # The title a sign-in gave them (their role's name) follows the role;
            # a post title someone typed in stays.
            membership.post_title = Role(access.role).label
        membership.organisation = access.organisation
        membership.role = access.role
        record(membership, user=user, reason=SIGN_IN_REASON, at=None)
        changes.append(f"now {access.role} of {access.organisation.short_name}")
    seat = PanelMember.objects.filter(user=user).first()
    if access.panel and seat is None:
        seat = PanelMember(user=user, panel=_signed_in_panel(user))
        record(seat, user=user, reason=SIGN_IN_REASON, at=None)
        changes.append("joined the Audit Panel")
    elif seat is not None and not access.panel:
        record_delete(seat, user=user, reason=SIGN_IN_REASON, at=None)
        changes.append("left the Audit Panel")
    if changes:
        logger.info("Sign-in groups changed %s: %s", user.username, "; ".join(changes))
    return changes


# --- Break-glass sign-in links ----------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def signin_link_create(*, user, created_by: str, now: datetime | None = None) -> str:
    """Create a one-time sign-in link for a superuser; return its secret token.

    Only the token's SHA-256 is stored, so the database alone cannot sign anyone in.
    """
    if not (user.is_superuser and user.is_active):
        raise ValidationError(
            f"{user.username} is not an active superuser; sign-in links are for "
            "break-glass superusers only."
        )
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    link = SignInLink(
        user=user,
        token_digest=_digest(token),
        created_by=created_by,
        expires_at=now + SIGN_IN_LINK_LIFETIME,
    )
    link.full_clean()
    link.save()
    logger.warning(
        "Sign-in link %s created for %s by OS user %s, valid until %s",
        link.pk,
        user.username,
        created_by,
        link.expires_at.isoformat(),
    )
    return token


@transaction.atomic
def signin_link_use(*, token: str, now: datetime | None = None):
    """Spend a sign-in link; return its user, or None if it is unknown, used or old."""
    now = now or timezone.now()
    link = (
        SignInLink.objects.select_for_update()
        .select_related("user")
        .filter(token_digest=_digest(token))
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        state = "unknown" if link is None else "used" if link.used_at else "expired"
        logger.warning("Refused a sign-in link (%s)", state)
        return None
    link.used_at = now
    link.save(update_fields=["used_at"])
    user = link.user
    if not (user.is_superuser and user.is_active):
        logger.warning(
            "Refused sign-in link %s: %s is no longer a superuser", link.pk, user
        )
        return None
    logger.warning("Sign-in link %s used by %s", link.pk, user.username)
    return user


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
