"""Alignment links' history, offered to the risk timeline of `risks`."""

from django.db.models import Q

from .models import AlignmentLink, JointAction


def _link_subject(row) -> str:
    return f"Alignment link ({row.get_relationship_display().lower()})"


def _joint_action_subject(row) -> str:
    return f"Joint action: {row.description[:80]}"


def risk_link_history(risk_id: int):
    """Yield history rows of the links (and their joint actions) touching a risk."""
    touching = Q(proposer_risk_id=risk_id) | Q(partner_risk_id=risk_id)
    yield AlignmentLink.history.filter(touching), _link_subject
    link_ids = AlignmentLink.history.filter(touching).values("id")
    yield JointAction.history.filter(link_id__in=link_ids), _joint_action_subject
