"""Drift flags of agreed links, offered to the period dashboard of `risks`."""

from collections.abc import Collection
from datetime import date

from django.db import models
from django.db.models import Q

from risks.choices import RiskStatus
from risks.models import Risk

from .drift import RiskState, drift_flags
from .models import AlignmentLink
from .selectors import overdue_joint_actions


def _state(risk: Risk, today: date) -> RiskState:
    return RiskState(
        score=risk.current_score,
        is_closed=risk.status == RiskStatus.CLOSED,
        review_overdue=risk.review_is_overdue(today),
    )


def risk_drift_flags(risk_ids: Collection[int], today: date) -> dict[int, list[str]]:
    """Return the drift flags of the risks' agreed links, naming the other risk.

    One query whatever the number of risks or links.
    """
    ids = set(risk_ids)
    if not ids:
        return {}
    overdue_joint = overdue_joint_actions(today)
    links = (
        AlignmentLink.objects.agreed()
        .filter(Q(proposer_risk_id__in=ids) | Q(partner_risk_id__in=ids))
        .select_related("proposer_risk", "partner_risk")
        .annotate(overdue_joint_actions=overdue_joint)
        .order_by("pk")
        .fetch_mode(models.FETCH_RAISE)
    )
    flags: dict[int, list[str]] = {}
    for link in links:
        pair = (link.proposer_risk, link.partner_risk)
        found = drift_flags(
            _state(pair[0], today),
            _state(pair[1], today),
            overdue_joint_actions=link.overdue_joint_actions,
        )
        for risk, other in (pair, pair[::-1]):
            if risk.pk in ids:
                flags.setdefault(risk.pk, []).extend(
                    f"{flag.label} (link with {other.reference})" for flag in found
                )
    return flags
