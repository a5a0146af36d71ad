"""The read API's endpoints: shapes, filters, 404 for what is hidden, errors."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment.models import AlignmentLink, LinkStatus
from risks.choices import ActionStatus, Category, Marking

from ..factories import (
    ActionFactory,
    ControlFactory,
    ReportingPeriodFactory,
    ReviewFactory,
    RiskFactory,
    ThemeFactory,
    UserFactory,
)

RISKS = reverse("api:risks")


def agree(proposer_risk, partner_risk, status=LinkStatus.AGREED):
    return AlignmentLink.objects.create(
        proposer_risk=proposer_risk,
        partner_risk=partner_risk,
        theme=ThemeFactory(name="Violence", slug="violence"),
        rationale="Same concern.",
        status=status,
        proposed_by_organisation=proposer_risk.organisation,
        proposed_by=UserFactory(username="proposer"),
    )


def test_risk_list_shape(api_as, world):
    risk = world.mopac_risk
    risk.themes.add(ThemeFactory(name="Finance", slug="finance"))
    body = api_as("mopac-reader").get(RISKS).json()
    assert body["count"] == 1
    assert body["next"] is None
    (row,) = body["results"]
    assert row["id"] == risk.pk
    assert row["url"] == f"http://testserver{reverse('api:risk', args=[risk.pk])}"
    assert row["reference"] == "MOPAC-R01"
    assert row["organisation"] == "mopac"
    assert row["category"] == {"code": "operations", "label": "Operations"}
    assert row["status"] == {"code": "open", "label": "Open"}
    assert row["themes"] == [{"slug": "finance", "name": "Finance"}]
    assert row["owner"] == "mopac-owner"
    assert row["current"] == {
        "likelihood": 3,
        "impact": 4,
        "score": 12,
        "band": {"code": "high", "label": "High"},
    }
    assert row["within_appetite"] is False  # cautious: at most 10
    assert row["direction"] == {"code": "new", "label": "New"}
    assert row["next_review_date"] == "2019-12-31"
    assert row["review_overdue"] is True


def test_risk_filters(api_as, world):
    RiskFactory(organisation=world.mopac, reference="MOPAC-R02", category="people")
    third = RiskFactory(
        organisation=world.mopac,
        reference="MOPAC-R03",
        title="Custody deaths",
        status="closed",
    )
    third.themes.add(ThemeFactory(name="Custody", slug="custody"))
    agree(world.mopac_risk, world.mps_risk)
    api = api_as("mopac-governance")
    refs = lambda **p: [r["reference"] for r in api.get(RISKS, **p).json()["results"]]  # noqa: E731
    assert refs() == ["MOPAC-R01", "MOPAC-R02", "MOPAC-R03", "MPS-R01"]
    assert refs(organisation="mopac") == ["MOPAC-R01", "MOPAC-R02", "MOPAC-R03"]
    assert refs(organisation="mps") == ["MPS-R01"]  # aligned with ours
    assert refs(status="closed") == ["MOPAC-R03"]
    assert refs(category="people") == ["MOPAC-R02"]
    assert refs(theme="custody") == ["MOPAC-R03"]
    assert refs(q="custody") == ["MOPAC-R03"]
    assert refs(owner="mopac-owner") == ["MOPAC-R01"]
    assert refs(organisation="mopac", status="open", category="people") == ["MOPAC-R02"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "astrology"}, "filters"),
        ({"organisation": "nowhere"}, "filters"),
        ({"as_at": "2019-13-40"}, "as_at"),
        ({"as_at": "2019-09-30", "theme": "finance"}, "as_at"),
    ],
)
def test_bad_risk_filters_are_a_clear_400(api_as, world, params, field):
    response = api_as("mopac-reader").get(RISKS, **params)
    assert response.status_code == 400
    assert field in response.json()


def test_page_size_is_capped_at_1000(api_as, world):
    RiskFactory.create_batch(3, organisation=world.mopac)
    body = api_as("mopac-reader").get(RISKS, page_size=2).json()
    assert (body["count"], len(body["results"])) == (4, 2)
    assert "page=2" in body["next"]
    assert api_as("mopac-reader").get(RISKS, page=9).status_code == 404


def test_as_at_lists_the_register_as_it_stood(api_as, world):
    later = RiskFactory(organisation=world.mopac, reference="MOPAC-R09")
    api = api_as("mopac-reader")
    today = timezone.localdate().isoformat()
    rows = api.get(RISKS, as_at=today).json()["results"]
    assert {r["reference"] for r in rows} == {"MOPAC-R01", "MOPAC-R09"}
    assert all(r["themes"] is None for r in rows)
    assert later.pk in {r["id"] for r in rows}
    assert api.get(RISKS, as_at="2000-01-01").json()["count"] == 0


def test_risk_detail_with_children_and_aligned_risks(api_as, world):
    risk = world.mopac_risk
    control = ControlFactory(risk=risk)
    late = ActionFactory(risk=risk, due_date=datetime.date(2019, 1, 1))
    done = ActionFactory(
        risk=risk, due_date=datetime.date(2019, 1, 1), status=ActionStatus.COMPLETE
    )
    period = ReportingPeriodFactory(organisation=world.mopac)
    review = ReviewFactory(risk=risk, period=period, likelihood=2, impact=2)
    link = agree(risk, world.mps_risk)
    body = api_as("mopac-reader").get(reverse("api:risk", args=[risk.pk])).json()
    assert [c["id"] for c in body["controls"]] == [control.pk]
    assert {a["id"]: a["overdue"] for a in body["actions"]} == {
        late.pk: True,
        done.pk: False,
    }
    (row,) = body["reviews"]
    assert (row["id"], row["score"], row["period"]["label"]) == (
        review.pk,
        4,
        "2019/20 Q2",
    )
    (aligned,) = body["aligned"]
    assert aligned["id"] == link.pk
    assert aligned["partner_risk"]["reference"] == "MPS-R01"


def test_hidden_risk_is_404_like_the_page(api_as, world):
    path = reverse("api:risk", args=[world.mps_risk.pk])
    assert api_as("mopac-reader").get(path).status_code == 404
    agree(world.mopac_risk, world.mps_risk)
    assert api_as("mopac-reader").get(path).status_code == 200
    assert api_as("mopac-reader").get(reverse("api:risk", args=[0])).status_code == 404


def test_actions_overdue_filter(api_as, world):
    late = ActionFactory(risk=world.mopac_risk, due_date=datetime.date(2019, 1, 1))
    ActionFactory(risk=world.mopac_risk, due_date=datetime.date(2099, 1, 1))
    ActionFactory(
        risk=world.mopac_risk,
        due_date=datetime.date(2019, 1, 1),
        revised_due_date=datetime.date(2099, 1, 1),
    )
    ActionFactory(risk=world.mps_risk, due_date=datetime.date(2019, 1, 1))
    api = api_as("mopac-reader")
    assert api.ids(reverse("api:actions"), overdue="true") == {late.pk}
    assert len(api.ids(reverse("api:actions"), overdue="false")) == 2
    assert api.get(reverse("api:actions"), overdue="maybe").status_code == 400


def test_reviews_by_period(api_as, world):
    q2 = ReportingPeriodFactory(organisation=world.mopac)
    q3 = ReportingPeriodFactory(
        organisation=world.mopac,
        label="2019/20 Q3",
        start=datetime.date(2019, 10, 1),
        end=datetime.date(2019, 12, 31),
    )
    in_q2 = ReviewFactory(risk=world.mopac_risk, period=q2)
    ReviewFactory(risk=world.mopac_risk, period=q3)
    api = api_as("mopac-reader")
    assert api.ids(reverse("api:reviews"), period=q2.pk) == {in_q2.pk}
    assert api.get(reverse("api:reviews"), period="q2").status_code == 400
    assert api.ids(reverse("api:periods")) == {q2.pk, q3.pk}
    assert api_as("mps-reader").ids(reverse("api:periods")) == set()


def test_period_changes_for_governance_only(api_as, world):
    period = ReportingPeriodFactory(
        organisation=world.mopac,
        label="Now",
        start=timezone.localdate() - datetime.timedelta(days=5),
        end=timezone.localdate() + datetime.timedelta(days=5),
    )
    RiskFactory(organisation=world.mopac, reference="MOPAC-R05")
    path = reverse("api:period_changes", args=[period.pk])
    body = api_as("mopac-governance").get(path).json()
    assert any(
        c["kind"] == {"code": "new_risk", "label": "New risk"}
        and c["reference"] == "MOPAC-R05"
        for c in body["results"]
    )
    assert api_as("mopac-reader").get(path).status_code == 403
    assert api_as("mps-governance").get(path).status_code == 404


def test_dashboard_rows_are_flat(api_as, world):
    risk = world.mopac_risk
    risk.marking = Marking.OFFICIAL_SENSITIVE
    risk.public_summary = "A public summary."
    risk.category = Category.PEOPLE
    risk.save()
    risk.themes.add(ThemeFactory(name="People", slug="people"))
    ActionFactory(risk=risk, due_date=datetime.date(2019, 1, 1))
    agree(risk, world.mps_risk)
    rows = api_as("mopac-reader").get(reverse("api:dashboard_risks")).json()["results"]
    row = next(r for r in rows if r["id"] == risk.pk)
    assert row["display_title"] == "A public summary."
    assert row["marking"] == "OFFICIAL-SENSITIVE"
    assert (row["category"], row["category_label"]) == ("people", "People")
    assert row["themes"] == "People"
    assert (row["current_score"], row["current_band"]) == (12, "High")
    assert row["overdue_actions"] == 1 and row["has_overdue_actions"] is True
    assert row["aligned_references"] == "MPS-R01"
    assert all(not isinstance(v, dict | list) for v in row.values())
    assert {r["reference"] for r in rows} == {"MOPAC-R01", "MPS-R01"}


def test_organisations(api_as, world):
    body = api_as("panel").get(reverse("api:organisations")).json()
    assert [o["slug"] for o in body["results"]] == ["mopac", "mps"]


def test_only_reads(api_as, world):
    api = api_as("mopac-governance")
    response = api.client.post(RISKS, {}, headers=api.headers)
    assert response.status_code == 405
    response = api.client.delete(
        reverse("api:risk", args=[world.mopac_risk.pk]), headers=api.headers
    )
    assert response.status_code == 405


def test_no_cors_headers(api_as, world):
    api = api_as("mopac-reader")
    origin = {"Origin": "https://evil.example"}
    response = api.client.get(RISKS, headers=api.headers | origin)
    assert response.status_code == 200
    assert not [h for h in response.headers if h.lower().startswith("access-control")]
    # A browser's preflight gets no permission either.
    preflight = api.client.options(
        RISKS,
        headers=origin
        | {
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert not [h for h in preflight.headers if h.lower().startswith("access-control")]


@pytest.mark.parametrize(
    "name", ["api:dashboard_risks", "api:controls", "api:actions", "api:reviews"]
)
def test_organisation_filter_of_every_list(api_as, world, name):
    agree(world.mopac_risk, world.mps_risk)
    ControlFactory(risk=world.mopac_risk)
    ControlFactory(risk=world.mps_risk)
    ActionFactory(risk=world.mopac_risk)
    ActionFactory(risk=world.mps_risk)
    for risk in (world.mopac_risk, world.mps_risk):
        ReviewFactory(
            risk=risk, period=ReportingPeriodFactory(organisation=risk.organisation)
        )
    api = api_as("mopac-reader")
    body = api.get(reverse(name), organisation="mps").json()
    assert body["count"] == 1
    assert {row["organisation"] for row in body["results"]} <= {"mps", "MPS"}
    assert api.get(reverse(name)).json()["count"] == 2
    # A slug that names no organisation is a 400, not an empty list.
    refused = api.get(reverse(name), organisation="nowhere")
    assert refused.status_code == 400
    assert "nowhere" in str(refused.json()["organisation"])


@pytest.mark.parametrize("path", ["/api/v1/risks/-1/", "/api/v1/nothing/"])
def test_unknown_api_paths_are_a_json_404(api_as, world, path):
    response = api_as("mopac-reader").get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
