"""Drift between two aligned risks, as pure functions of their derived values."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models


class DriftFlag(models.TextChoices):
    SCORE_GAP = "score_gap", "Scores differ"
    STATUS_MISMATCH = "status_mismatch", "One closed, one open"
    REVIEW_OVERDUE = "review_overdue", "Review overdue"
    JOINT_ACTION_OVERDUE = "joint_action_overdue", "Joint action overdue"


@dataclass(frozen=True)
class RiskState:
    """What drift needs to know about one side of a link."""

    score: int | None
    is_closed: bool
    review_overdue: bool


def score_gap_threshold() -> int:
    """Return the score difference at or above which a pair is flagged."""
    return settings.ALIGNMENT_SCORE_GAP_THRESHOLD


def drift_flags(
    left: RiskState,
    right: RiskState,
    *,
    overdue_joint_actions: int,
    threshold: int | None = None,
) -> list[DriftFlag]:
    """Return the drift flags of an aligned pair, in a stable order."""
    threshold = score_gap_threshold() if threshold is None else threshold
    flags = []
    if (
        left.score is not None
        and right.score is not None
        and abs(left.score - right.score) >= threshold
    ):
        flags.append(DriftFlag.SCORE_GAP)
    if left.is_closed != right.is_closed:
        flags.append(DriftFlag.STATUS_MISMATCH)
    if left.review_overdue or right.review_overdue:
        flags.append(DriftFlag.REVIEW_OVERDUE)
    if overdue_joint_actions:
        flags.append(DriftFlag.JOINT_ACTION_OVERDUE)
    return flags
