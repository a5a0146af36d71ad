"""The register as it stood (`as_at`) and the quarter's changes, through the API."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from risks import services
from risks.changes import KINDS

from ..factories import ReportingPeriodFactory, RiskFactory

RISKS = reverse("api:risks")


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def world_created_at():
    """The world's risks were created in January 2019, before the period."""
    return at(2019, 1, 1, 9)


@pytest.fixture
def quarter(world):
    """Q2 2019/20: a rename and rescore, a new control, a new risk; a later change."""
    period = ReportingPeriodFactory(organisation=world.mopac)  # Jul–Sep 2019
    owner = world.users["mopac-owner"]
    services.risk_update(
        risk=world.mopac_risk,
        user=owner,
        data={"title": "Renamed in August", "current_likelihood": 5},
        at=at(2019, 8, 1, 10),
    )
    services.control_create(
        risk=world.mopac_risk,
        user=owner,
        data={"description": "Community Monitoring Network", "owner_post": "Head"},
        at=at(2019, 8, 2, 10),
    )
    later = RiskFactory.build(
        organisation=world.mopac, reference="MOPAC-R02", category="people"
    )
    later._history_date = at(2019, 9, 1, 10)  # read by django-simple-history
    later.save()
    services.risk_update(  # after the period: not a change of the quarter
        risk=world.mopac_risk,
        user=owner,
        data={"current_impact": 5},
        at=at(2019, 10, 5, 10),
    )
    return period


def rows_as_at(api, day: str, **params) -> dict[str, dict]:
    response = api.get(RISKS, as_at=day, **params)
    assert response.status_code == 200, response.content
    return {row["reference"]: row for row in response.json()["results"]}


def test_as_at_gives_each_risk_as_it_stood_that_day(api_as, world, quarter):
    api = api_as("mopac-reader")
    july = rows_as_at(api, "2019-07-31")
    assert set(july) == {"MOPAC-R01"}  # MOPAC-R02 came in September
    assert july["MOPAC-R01"]["title"] != "Renamed in August"
    assert july["MOPAC-R01"]["current"]["score"] == 12  # 3 × 4
    assert july["MOPAC-R01"]["id"] == world.mopac_risk.pk  # ids are stable
    september = rows_as_at(api, "2019-09-30")
    assert set(september) == {"MOPAC-R01", "MOPAC-R02"}
    assert september["MOPAC-R01"]["title"] == "Renamed in August"
    assert september["MOPAC-R01"]["current"]["score"] == 20  # 5 × 4
    assert rows_as_at(api, "2018-12-31") == {}
    now = rows_as_at(api, timezone.localdate().isoformat())
    assert now["MOPAC-R01"]["current"]["score"] == 25  # 5 × 5, since October


def test_as_at_takes_the_register_filters(api_as, world, quarter):
    api = api_as("mopac-reader")
    day = "2019-09-30"
    assert set(rows_as_at(api, day, category="people")) == {"MOPAC-R02"}
    assert set(rows_as_at(api, day, q="renamed")) == {"MOPAC-R01"}
    assert set(rows_as_at(api, day, status="closed")) == set()
    assert set(rows_as_at(api, day, organisation="mopac")) == {
        "MOPAC-R01",
        "MOPAC-R02",
    }
    assert set(rows_as_at(api, day, organisation="mps")) == set()  # none aligned


@pytest.mark.parametrize(
    "params",
    [
        {"as_at": "31/07/2019"},
        {"as_at": ""},
        {"as_at": "2099-01-01"},  # the future: the page refuses it too
        {"as_at": "2019-09-30", "owner": "mopac-owner"},
        {"as_at": "2019-09-30", "category": "astrology"},
    ],
)
def test_as_at_refuses_what_it_cannot_answer_with_a_400(api_as, world, params):
    response = api_as("mopac-reader").get(RISKS, **params)
    assert response.status_code == 400
    assert response.json()  # a sentence naming the parameter, not an empty list


def test_quarters_changes_are_those_of_the_page(client, api_as, world, quarter):
    client.force_login(world.users["mopac-governance"])
    page = client.get(reverse("risks:period_changes", args=[quarter.pk]))
    body = (
        api_as("mopac-governance")
        .get(reverse("api:period_changes", args=[quarter.pk]))
        .json()
    )
    assert [(c["kind"]["label"], c["reference"]) for c in body["results"]] == [
        (c.kind, c.reference) for c in page.context["changes"]
    ]
    kinds = {c["kind"]["code"] for c in body["results"]}
    assert {"new_risk", "score_change", "control_added", "review_overdue"} <= kinds
    by_kind = {c["kind"]["code"]: c for c in body["results"]}
    assert by_kind["score_change"]["risk"] == world.mopac_risk.pk
    assert by_kind["score_change"]["before"].startswith("12 High")
    assert by_kind["control_added"]["detail"] == "Community Monitoring Network"
    assert by_kind["new_risk"]["reference"] == "MOPAC-R02"
    assert by_kind["new_risk"]["when"].startswith("2019-09-01T")


def test_every_kind_of_change_has_a_code():
    from api.rows import CHANGE_KINDS

    assert set(CHANGE_KINDS) == set(KINDS)
    assert len(set(CHANGE_KINDS.values())) == len(KINDS)
    assert all(code.isidentifier() for code in CHANGE_KINDS.values())
