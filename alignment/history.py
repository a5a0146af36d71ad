"""Alignment links' history, offered to the risk timeline of `risks`."""

from django.db.models import Q

from .models import AlignmentLink, JointAction
from .selectors import viewable_links


def _link_subject(row) -> str:
    return f"Alignment link ({row.get_relationship_display().lower()})"


def _joint_action_subject(row) -> str:
    return f"Joint action: {row.description[:80]}"


def risk_link_history(risk_id: int, viewer):
    """Yield history rows of the viewer's visible links (and joint actions) of a risk.

    A proposal names the other organisation's risk, so it appears only to those
    who may see the link itself (governance of either side).
    """
    visible = viewable_links(viewer).filter(
        Q(proposer_risk_id=risk_id) | Q(partner_risk_id=risk_id)
    )
    link_ids = visible.values("id")
    yield AlignmentLink.history.filter(id__in=link_ids), _link_subject
    yield JointAction.history.filter(link_id__in=link_ids), _joint_action_subject
