"""The alignment workflow: propose, agree or decline, end; joint actions."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from notifications.models import Kind
from notifications.services import notify
from risks import access
from risks.choices import RiskStatus
from risks.models import Organisation, Risk, Theme
from risks.recording import (
    apply_changes,
    check_version,
    claim_version,
    record,
    record_delete,
)
from risks.services import ACTION_FIELDS

from .models import AlignmentLink, JointAction, LinkStatus

ACTIVE_STATUSES = (LinkStatus.PROPOSED, LinkStatus.AGREED)


def _require_governance(user, organisation: Organisation, doing: str) -> None:
    if not access.can_manage_register(user, organisation):
        raise PermissionDenied(
            f"Only {organisation.short_name} governance officers may {doing}."
        )


def _require_status(link: AlignmentLink, *statuses: str) -> None:
    if link.status not in statuses:
        raise ValidationError(
            f"This link is {link.get_status_display().lower()}; that step is not "
            "possible now."
        )


def _require_reason(reason: str, message: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": message})


def _lock(link: AlignmentLink) -> AlignmentLink:
    return (
        AlignmentLink.objects.select_for_update()
        .select_related("proposer_risk__organisation", "partner_risk__organisation")
        .get(pk=link.pk)
    )


@transaction.atomic
def link_propose(
    *,
    proposer_risk: Risk,
    partner_risk: Risk,
    theme: Theme,
    relationship: str,
    rationale: str,
    user,
    at: datetime | None = None,
) -> AlignmentLink:
    """Propose that a risk of the user's organisation aligns with one of the other's."""
    organisation = proposer_risk.organisation
    _require_governance(user, organisation, "propose alignment for its risks")
    if partner_risk.organisation_id == organisation.pk:
        raise ValidationError(
            {"partner_risk": "Choose a risk of the other organisation."}
        )
    if RiskStatus.CLOSED in (proposer_risk.status, partner_risk.status):
        raise ValidationError("Closed risks cannot be aligned.")
    pair = Q(proposer_risk=proposer_risk, partner_risk=partner_risk) | Q(
        proposer_risk=partner_risk, partner_risk=proposer_risk
    )
    if AlignmentLink.objects.filter(pair, status__in=ACTIVE_STATUSES).exists():
        raise ValidationError(
            "These two risks are already linked or proposed for alignment."
        )
    _require_reason(rationale, "Explain why these risks are aligned.")
    link = AlignmentLink(
        proposer_risk=proposer_risk,
        partner_risk=partner_risk,
        theme=theme,
        relationship=relationship,
        rationale=rationale,
        proposed_by_organisation=organisation,
        proposed_by=user,
    )
    record(link, user=user, reason="Alignment proposed", at=at)
    notify(Kind.ALIGNMENT_PROPOSED, link.pk)
    return link


@transaction.atomic
def link_agree(
    *, link: AlignmentLink, user, reason: str = "", at: datetime | None = None
) -> AlignmentLink:
    """Agree the other organisation's proposal; both sides may then see both risks."""
    link = _lock(link)
    _require_governance(user, link.partner_risk.organisation, "agree this proposal")
    _require_status(link, LinkStatus.PROPOSED)
    link.status, link.decided_by, link.decision_reason = (
        LinkStatus.AGREED,
        user,
        reason,
    )
    record(link, user=user, reason=reason or "Alignment agreed", at=at)
    access.links_changed()  # both sides now see both risks
    notify(Kind.ALIGNMENT_AGREED, link.pk)
    return link


@transaction.atomic
def link_decline(
    *, link: AlignmentLink, user, reason: str, at: datetime | None = None
) -> AlignmentLink:
    """Decline the other organisation's proposal, saying why."""
    link = _lock(link)
    _require_governance(user, link.partner_risk.organisation, "decline this proposal")
    _require_status(link, LinkStatus.PROPOSED)
    _require_reason(reason, "Say why the proposal is declined.")
    link.status, link.decided_by, link.decision_reason = (
        LinkStatus.DECLINED,
        user,
        reason,
    )
    record(link, user=user, reason=reason, at=at)
    notify(Kind.ALIGNMENT_DECLINED, link.pk)
    return link


@transaction.atomic
def link_end(
    *, link: AlignmentLink, user, reason: str, at: datetime | None = None
) -> AlignmentLink:
    """End an agreed link (either side) or withdraw a proposal (proposer's side)."""
    link = _lock(link)
    if link.status == LinkStatus.PROPOSED:
        _require_governance(user, link.proposer_risk.organisation, "withdraw it")
    else:
        _require_status(link, LinkStatus.AGREED)
        if not any(
            access.can_manage_register(user, risk.organisation)
            for risk in (link.proposer_risk, link.partner_risk)
        ):
            raise PermissionDenied(
                "Only governance officers of the two organisations may end a link."
            )
    _require_reason(reason, "Say why the link is ending.")
    link.status = LinkStatus.ENDED
    record(link, user=user, reason=reason, at=at)
    access.links_changed()  # read access ends at once
    return link


def _require_joint_action_owner(user, link: AlignmentLink, organisation) -> None:
    if organisation.pk not in (
        link.proposer_risk.organisation_id,
        link.partner_risk.organisation_id,
    ):
        raise ValidationError(
            {"organisation": "A joint action belongs to one of the two organisations."}
        )
    _require_governance(user, organisation, "change this joint action")


@transaction.atomic
def joint_action_create(
    *,
    link: AlignmentLink,
    organisation: Organisation,
    user,
    data: dict,
    reason: str = "",
    at: datetime | None = None,
) -> JointAction:
    """Add a joint action to an agreed link, owned by one organisation."""
    _require_joint_action_owner(user, link, organisation)
    _require_status(link, LinkStatus.AGREED)
    action = JointAction(link=link, organisation=organisation)
    apply_changes(action, data, ACTION_FIELDS)
    record(action, user=user, reason=reason, at=at)
    return action


@transaction.atomic
def joint_action_update(
    *,
    action: JointAction,
    user,
    data: dict,
    expected_version: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> JointAction:
    """Change a joint action (its organisation's governance only)."""
    fresh = JointAction.objects.select_related(
        "link__proposer_risk", "link__partner_risk", "organisation"
    ).get(pk=action.pk)
    _require_joint_action_owner(user, fresh.link, fresh.organisation)
    check_version(fresh, expected_version)
    if not apply_changes(fresh, data, ACTION_FIELDS):
        return fresh
    claim_version(fresh, expected_version)
    record(fresh, user=user, reason=reason, at=at)
    return fresh


@transaction.atomic
def joint_action_delete(
    *, action: JointAction, user, reason: str = "", at: datetime | None = None
) -> None:
    """Remove a joint action (its history is kept)."""
    _require_joint_action_owner(user, action.link, action.organisation)
    record_delete(action, user=user, reason=reason, at=at)
