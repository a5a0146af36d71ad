"""Who may see and change what (DESIGN.md §5), decided in the query.

This is the one module that decides access to risks. It is also the one place in
`risks` that knows about agreed alignment links, because an agreed link is what
grants the other organisation (and the Audit Panel) read access.
"""

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast

from .choices import Role
from .models import (
    Membership,
    Organisation,
    Panel,
    PanelMember,
    ReportingPeriod,
    Risk,
    RiskUserObjectPermission,
)

User = AbstractBaseUser | AnonymousUser
CHANGE_RISK = "change_risk"


def _agreed_links() -> QuerySet:
    link_model = apps.get_model("alignment", "AlignmentLink")
    return link_model.objects.filter(status="agreed")


# An organisation rarely has more risks aligned with another's than this; beyond
# it, visibility falls back to subqueries rather than a long literal list.
ALIGNED_IDS_LIMIT = 500


def _other_sides(own_side: str, other_side: str) -> Subquery:
    """The ids of the other risks of agreed links whose `own_side` is ours, as text."""
    return Subquery(
        _agreed_links()
        .filter(**{f"{own_side}__organisation_id": OuterRef("organisation_id")})
        .order_by()
        .values("status")  # a single group: every row is "agreed"
        .annotate(ids=StringAgg(Cast(f"{other_side}_id", CharField()), Value(",")))
        .values("ids")
    )


# Bumped by every change to an agreed link in this process (links_changed): a
# membership read before it was read with the old aligned risks, so is read again.
_links_generation = 0


def links_changed() -> None:
    """Note that an alignment link was agreed or ended: re-read visibility."""
    global _links_generation
    _links_generation += 1


def membership_of(user: User) -> Membership | None:
    """Return the user's organisation membership, cached on the user object.

    Read with it, in the same query, are what visibility needs: whether the user
    sits on the Audit Panel, and which other organisations' risks their
    organisation sees through agreed links. The cache lives as long as the user
    object (one request) and is dropped when a link changes (links_changed).
    """
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_membership_cache", None)
    if cached is None or cached[0] != _links_generation:
        membership = (
            Membership.objects.select_related("organisation")
            .annotate(
                on_panel=Exists(PanelMember.objects.filter(user=user)),
                aligned_as_partner=_other_sides("partner_risk", "proposer_risk"),
                aligned_as_proposer=_other_sides("proposer_risk", "partner_risk"),
            )
            .filter(user=user)
            .first()
        )
        cached = user._membership_cache = (_links_generation, membership)
    return cached[1]


def _aligned_risk_ids(membership: Membership) -> list[int]:
    text = (
        f"{membership.aligned_as_partner or ''},{membership.aligned_as_proposer or ''}"
    )
    return sorted({int(pk) for pk in text.split(",") if pk})


def is_panel_member(user: User) -> bool:
    """Say whether the user holds the Audit Panel capability."""
    if not user.is_authenticated:
        return False
    membership = membership_of(user)  # read with the panel seat, for members
    if membership is not None:
        return membership.on_panel
    return PanelMember.objects.filter(user=user).exists()


def is_governance(user: User, organisation: Organisation | None = None) -> bool:
    """Say whether the user is a governance officer (of the organisation, if given)."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.GOVERNANCE:
        return False
    return organisation is None or membership.organisation_id == organisation.pk


def _on_agreed_link() -> Q:
    """Risks on either side of an agreed link: what the Audit Panel reads."""
    agreed = _agreed_links()
    return Q(pk__in=agreed.values("proposer_risk")) | Q(
        pk__in=agreed.values("partner_risk")
    )


def viewable_risks(user: User, risks: QuerySet[Risk] | None = None) -> QuerySet[Risk]:
    """Return the risks the user may read (of `risks`, all risks by default)."""
    if risks is None:
        risks = Risk.objects.all()
    if not user.is_authenticated or not user.is_active:
        return risks.none()
    if user.is_superuser:
        return risks
    membership = membership_of(user)
    if membership is None:
        on_panel = Q(Exists(PanelMember.objects.filter(user=user)))
        return risks.filter(on_panel & _on_agreed_link())
    # The organisation, the risks aligned with its own and the panel seat were
    # read with the membership for this request: literals in the query rather
    # than subqueries in each (cheaper to build, to plan and to run).
    own = membership.organisation_id
    aligned = _aligned_risk_ids(membership)
    visible = Q(organisation_id=own)
    if len(aligned) <= ALIGNED_IDS_LIMIT:
        if aligned:
            visible |= Q(pk__in=aligned)
    else:
        # The other side of an agreed link with one of the organisation's risks;
        # uncorrelated `pk IN (...)`: planned once, not once per risk row.
        agreed = _agreed_links()
        visible |= Q(
            pk__in=agreed.filter(partner_risk__organisation_id=own).values(
                "proposer_risk"
            )
        ) | Q(
            pk__in=agreed.filter(proposer_risk__organisation_id=own).values(
                "partner_risk"
            )
        )
    if membership.on_panel:
        visible |= _on_agreed_link()
    return risks.filter(visible)


def visible_agreed_links(user: User, risk: Risk) -> QuerySet:
    """Return the risk's agreed links whose other risk the user may view."""
    visible = viewable_risks(user).values("pk")
    return _agreed_links().filter(
        Q(proposer_risk=risk, partner_risk__in=visible)
        | Q(partner_risk=risk, proposer_risk__in=visible)
    )


def editable_risks(user: User) -> QuerySet[Risk]:
    """Return the risks the user may change (with their controls and actions)."""
    risks = Risk.objects.all()
    if not user.is_authenticated or not user.is_active:
        return risks.none()
    if user.is_superuser:
        return risks
    governed = Membership.objects.filter(user=user, role=Role.GOVERNANCE).values(
        "organisation"
    )
    # Owners and delegates hold guardian's change_risk on the risk itself; the
    # grant counts only while they still edit for that risk's organisation, so a
    # user who changes role or organisation loses it at once.
    editors = Membership.objects.filter(
        user=user, role__in=(Role.RISK_OWNER, Role.GOVERNANCE)
    ).values("organisation")
    granted = Q(organisation__in=editors) & Exists(
        RiskUserObjectPermission.objects.filter(
            user=user,
            content_object=OuterRef("pk"),
            permission__codename=CHANGE_RISK,
        )
    )
    return risks.filter(Q(organisation__in=governed) | granted)


def assigned_risks(user: User) -> QuerySet[Risk]:
    """Return the risks the user owns or is delegated, while they may still edit them.

    Governance officers may edit every risk of their organisation; only the ones
    named to them count here.
    """
    delegated = RiskUserObjectPermission.objects.filter(
        user=user, content_object=OuterRef("pk"), permission__codename=CHANGE_RISK
    )
    return editable_risks(user).filter(Q(owner=user) | Exists(delegated))


def can_view_risk(user: User, risk: Risk) -> bool:
    return viewable_risks(user).filter(pk=risk.pk).exists()


def can_edit_risk(user: User, risk: Risk) -> bool:
    return editable_risks(user).filter(pk=risk.pk).exists()


def can_manage_register(user: User, organisation: Organisation) -> bool:
    """Create and close risks, run reviews and close periods for the organisation."""
    return user.is_authenticated and (
        user.is_superuser or is_governance(user, organisation)
    )


def viewable_periods(user: User) -> QuerySet:
    """Return the reporting periods of the user's own organisation."""
    periods = ReportingPeriod.objects.select_related("organisation")
    if not user.is_authenticated or not user.is_active:
        return periods.none()
    if user.is_superuser:
        return periods
    own = Membership.objects.filter(user=user).values("organisation")
    return periods.filter(organisation__in=own)


def manages_a_register(user: User) -> bool:
    """Say whether managed_organisations(user) is non-empty, without a query."""
    return user.is_authenticated and (user.is_superuser or is_governance(user))


def managed_organisations(user: User) -> QuerySet[Organisation]:
    """Return the organisations whose register the user manages."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        memberships__user=user, memberships__role=Role.GOVERNANCE
    )


def _governs_panel(user: User) -> Exists:
    """The panel oversees an organisation the user is a governance officer of."""
    return Exists(
        Panel.organisations.through.objects.filter(
            panel=OuterRef("pk"),
            organisation__memberships__user=user,
            organisation__memberships__role=Role.GOVERNANCE,
        )
    )


def viewable_panels(user: User) -> QuerySet[Panel]:
    """Return the panels whose meetings the user may read.

    Members of a panel read its meetings (and of those, only what is published);
    governance officers of an organisation it oversees prepare them. Members of
    another panel, and readers and risk owners, see none.
    """
    panels = Panel.objects.all()
    if not user.is_authenticated or not user.is_active:
        return panels.none()
    if user.is_superuser:
        return panels
    seat = Exists(PanelMember.objects.filter(user=user, panel=OuterRef("pk")))
    return panels.filter(seat | _governs_panel(user))


def managed_panels(user: User) -> QuerySet[Panel]:
    """Return the panels whose meetings and requests the user may change."""
    panels = Panel.objects.all()
    if not user.is_authenticated or not user.is_active:
        return panels.none()
    if user.is_superuser:
        return panels
    return panels.filter(_governs_panel(user))
