"""Derived values are pure functions of their inputs."""

import datetime

import pytest

from risks import scoring
from risks.choices import ActionStatus, Direction, RiskStatus

TODAY = datetime.date(2019, 9, 30)


@pytest.mark.parametrize(
    ("likelihood", "impact", "expected"),
    [(1, 1, 1), (3, 4, 12), (5, 5, 25), (None, 3, None), (2, None, None)],
)
def test_score_is_likelihood_times_impact(likelihood, impact, expected):
    assert scoring.score(likelihood, impact) == expected


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (1, "low"),
        (4, "low"),
        (5, "medium"),
        (10, "medium"),
        (12, "high"),
        (16, "high"),
        (20, "very_high"),
        (25, "very_high"),
    ],
)
def test_band_boundaries(value, band):
    assert scoring.band_for(value).key == band


def test_band_of_no_score_is_none():
    assert scoring.band_for(None) is None


def test_bands_come_from_settings(settings):
    settings.RISK_BANDS = [(9, "low", "Low"), (25, "high", "High")]
    assert scoring.band_for(9).key == "low"
    assert scoring.band_for(10).label == "High"
    assert [b.floor for b in scoring.bands()] == [1, 10]


@pytest.mark.parametrize(
    ("value", "appetite", "within"),
    [
        (4, "averse", True),
        (5, "averse", False),
        (6, "minimal", True),
        (10, "cautious", True),
        (12, "cautious", False),
        (15, "open", True),
        (25, "eager", True),
        (None, "open", None),
    ],
)
def test_within_appetite(value, appetite, within):
    assert scoring.within_appetite(value, appetite) is within


def test_appetite_ceilings_are_configuration(settings):
    settings.RISK_APPETITE_CEILINGS = {**settings.RISK_APPETITE_CEILINGS, "open": 12}
    assert scoring.within_appetite(15, "open") is False


@pytest.mark.parametrize(
    ("previous", "current", "direction"),
    [
        (12, 16, Direction.INCREASING),
        (16, 12, Direction.DECREASING),
        (12, 12, Direction.STABLE),
        (None, 12, Direction.NEW),
    ],
)
def test_direction_of_travel(previous, current, direction):
    assert scoring.direction_of_travel(previous, current) == direction


def test_direction_has_text_and_symbol():
    assert Direction.INCREASING.label == "Increasing"
    assert Direction.INCREASING.symbol == "↑"
    assert Direction.DECREASING.symbol == "↓"
    assert Direction.STABLE.symbol == "→"


@pytest.mark.parametrize(
    ("status", "due", "revised", "overdue"),
    [
        (ActionStatus.ON_TRACK, datetime.date(2019, 9, 1), None, True),
        (ActionStatus.ON_TRACK, datetime.date(2019, 9, 30), None, False),
        (
            ActionStatus.AT_RISK,
            datetime.date(2019, 9, 1),
            datetime.date(2019, 12, 1),
            False,
        ),
        (ActionStatus.COMPLETE, datetime.date(2019, 1, 1), None, False),
        (ActionStatus.CANCELLED, datetime.date(2019, 1, 1), None, False),
    ],
)
def test_action_overdue(status, due, revised, overdue):
    assert (
        scoring.action_is_overdue(
            status=status, due_date=due, revised_due_date=revised, today=TODAY
        )
        is overdue
    )


@pytest.mark.parametrize(
    ("status", "next_review", "due", "overdue"),
    [
        (RiskStatus.OPEN, datetime.date(2019, 9, 30), True, False),
        (RiskStatus.OPEN, datetime.date(2019, 9, 1), True, True),
        (RiskStatus.OPEN, datetime.date(2019, 12, 31), False, False),
        (RiskStatus.CLOSED, datetime.date(2019, 9, 1), False, False),
        (RiskStatus.OPEN, None, False, False),
    ],
)
def test_review_due_and_overdue(status, next_review, due, overdue):
    kwargs = {"status": status, "next_review_date": next_review, "today": TODAY}
    assert scoring.review_is_due(**kwargs) is due
    assert scoring.review_is_overdue(**kwargs) is overdue
