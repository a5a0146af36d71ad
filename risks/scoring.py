"""Derived risk values as pure functions: score, band, appetite, travel, due dates."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings

from .choices import ActionStatus, Direction, RiskStatus

CLOSED_ACTION_STATUSES = frozenset({ActionStatus.COMPLETE, ActionStatus.CANCELLED})


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    floor: int
    ceiling: int


def score(likelihood: int | None, impact: int | None) -> int | None:
    """Return likelihood × impact, or None when either is missing."""
    if likelihood is None or impact is None:
        return None
    return likelihood * impact


def bands() -> tuple[Band, ...]:
    """Return the configured rating bands, lowest first."""
    configured = settings.RISK_BANDS
    # Built again only when the setting is another object (an overridden
    # setting takes effect at once); the cache holds it, so its id stays unique.
    if _bands_cache[0] is not configured:
        _bands_cache[:] = [configured, _build_bands(configured)]
    return _bands_cache[1]


_bands_cache: list = [None, ()]


def _build_bands(configured) -> tuple[Band, ...]:
    result, floor = [], 1
    for ceiling, key, label in sorted(configured):
        result.append(Band(key=key, label=label, floor=floor, ceiling=ceiling))
        floor = ceiling + 1
    return tuple(result)


def band_for(value: int | None) -> Band | None:
    """Return the rating band of a score (None for no score)."""
    if value is None:
        return None
    for band in bands():
        if value <= band.ceiling:
            return band
    raise ValueError(f"Score {value} is above every configured band.")


def appetite_ceiling(appetite: str) -> int:
    """Return the highest score within an appetite level."""
    return settings.RISK_APPETITE_CEILINGS[appetite]


def within_appetite(value: int | None, appetite: str) -> bool | None:
    """Say whether a score is within the appetite (None when unscored)."""
    if value is None:
        return None
    return value <= appetite_ceiling(appetite)


def direction_of_travel(previous: int | None, current: int | None) -> Direction:
    """Compare this period's score with the previous period's."""
    if previous is None or current is None:
        return Direction.NEW
    if current > previous:
        return Direction.INCREASING
    if current < previous:
        return Direction.DECREASING
    return Direction.STABLE


def action_is_overdue(
    *, status: str, due_date: date | None, revised_due_date: date | None, today: date
) -> bool:
    """An open action is overdue once its (revised) due date has passed."""
    if status in CLOSED_ACTION_STATUSES:
        return False
    deadline = revised_due_date or due_date
    return deadline is not None and deadline < today


def review_is_due(*, status: str, next_review_date: date | None, today: date) -> bool:
    """An open risk is due for review on or after its next review date."""
    if status != RiskStatus.OPEN or next_review_date is None:
        return False
    return next_review_date <= today


def review_is_overdue(
    *, status: str, next_review_date: date | None, today: date
) -> bool:
    """An open risk is overdue for review once its next review date has passed."""
    if status != RiskStatus.OPEN or next_review_date is None:
        return False
    return next_review_date < today
