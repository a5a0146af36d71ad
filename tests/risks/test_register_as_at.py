"""The register and the risk page as at a past day."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from risks import services

from ..factories import RiskFactory


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def world_created_at():
    """The world's risks were created in January 2019."""
    return at(2019, 1, 10, 9)


def test_as_at_before_an_edit_shows_old_values_read_only(client, world):
    services.risk_update(
        risk=world.mopac_risk,
        user=world.users["mopac-owner"],
        data={"title": "Renamed later", "current_likelihood": 5},
        reason="Refresh",
        at=at(2019, 10, 2, 9),
    )
    client.force_login(world.users["mopac-reader"])
    page = client.get(reverse("risks:list"), {"as_at": "2019-09-30"}).content.decode()
    assert "Historical view" in page and "read-only" in page
    assert world.mopac_risk.title in page and "Renamed later" not in page
    assert "12 High" in page
    assert "Edit risk" not in page and "New risk" not in page
    now = client.get(reverse("risks:list"), {"as_at": "2019-10-03"}).content.decode()
    assert "Renamed later" in now and "20 Very high" in now


def test_as_at_omits_later_risks_and_keeps_closed_ones(client, world):
    services.risk_close(
        risk=world.mopac_risk,
        user=world.users["mopac-governance"],
        reason="Merged",
        at=at(2019, 10, 1, 9),
    )
    RiskFactory(organisation=world.mopac, reference="MOPAC-R77")  # created today
    client.force_login(world.users["mopac-reader"])
    page = client.get(reverse("risks:list"), {"as_at": "2019-09-30"}).content.decode()
    assert "MOPAC-R01" in page and "Open" in page
    assert "MOPAC-R77" not in page
    assert "MPS-R01" not in page  # another organisation's unaligned risk


def test_risk_page_as_at(client, world):
    services.risk_update(
        risk=world.mopac_risk,
        user=world.users["mopac-owner"],
        data={"title": "Renamed later"},
        at=at(2019, 10, 2, 9),
    )
    client.force_login(world.users["mopac-owner"])
    url = reverse("risks:detail", args=[world.mopac_risk.pk])
    page = client.get(url, {"as_at": "2019-09-30"}).content.decode()
    assert "Historical view" in page and world.mopac_risk.title in page
    assert "Edit risk" not in page
    assert client.get(url, {"as_at": "2018-01-01"}).status_code == 404
    assert client.get(url, {"as_at": "nonsense"}).status_code == 404
    client.force_login(world.users["mps-reader"])
    assert client.get(url, {"as_at": "2019-09-30"}).status_code == 404


def test_bad_as_at_date_gets_a_clear_message(client, world):
    client.force_login(world.users["mopac-reader"])
    response = client.get(reverse("risks:list"), {"as_at": "30/09/2019"})
    assert response.status_code == 400
    assert "Enter the date as year-month-day" in response.content.decode()


def test_as_at_query_count_constant(client, world):
    client.force_login(world.users["mopac-reader"])
    counts = []
    for start, total in ((0, 10), (10, 60)):
        for n in range(start, total):
            RiskFactory(organisation=world.mopac, reference=f"MOPAC-Q{n:03d}")
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("risks:list"), {"as_at": timezone.localdate()})
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12
