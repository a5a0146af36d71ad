"""The quarter's changes page and its CSV."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from risks import services

from ..factories import ReportingPeriodFactory


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def world_created_at():
    """The world's risks were created before the period."""
    return at(2019, 1, 1, 9)


@pytest.fixture
def quarter(world):
    """A period with a score change, a new control and an unreviewed risk."""
    period = ReportingPeriodFactory(organisation=world.mopac)  # Jul–Sep 2019
    owner = world.users["mopac-owner"]
    services.risk_update(
        risk=world.mopac_risk,
        user=owner,
        data={"current_likelihood": 5},
        reason='=HYPERLINK("http://x")',
        at=at(2019, 8, 1, 10),
    )
    services.control_create(
        risk=world.mopac_risk,
        user=owner,
        data={"description": "Community Monitoring Network", "owner_post": "Head"},
        at=at(2019, 8, 2, 10),
    )
    services.risk_update(  # after the period: not listed
        risk=world.mopac_risk,
        user=owner,
        data={"current_impact": 5},
        at=at(2019, 10, 5, 10),
    )
    return period


def url(period, **params):
    base = reverse("risks:period_changes", args=[period.pk])
    return base + ("?format=csv" if params.get("csv") else "")


def test_lists_score_change_control_and_missing_review(client, world, quarter):
    client.force_login(world.users["mopac-governance"])
    page = client.get(url(quarter)).content.decode()
    assert "Score change" in page
    assert "12 High (3×4) → 20 Very high (5×4)" in page
    assert "Control added" in page and "Community Monitoring Network" in page
    assert "No review recorded for 2019/20 Q2" in page
    assert "25 Very high" not in page  # the October change is outside the period


def test_csv_export_neutralises_formulas(client, world, quarter):
    client.force_login(world.users["mopac-governance"])
    response = client.get(url(quarter, csv=True))
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Change,Reference,Title")
    assert "Score change,MOPAC-R01" in body
    assert "'=HYPERLINK" in body


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("mopac-governance", 200),
        ("mopac-owner", 403),
        ("mopac-reader", 403),
        ("mps-governance", 404),
        ("panel", 404),
    ],
)
def test_governance_only(client, world, quarter, username, status):
    client.force_login(world.users[username])
    assert client.get(url(quarter)).status_code == status
