"""The period dashboard: review status per risk, filters, drift, no-change reviews."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from alignment import services as alignment_services
from alignment.models import Relationship
from risks import services
from risks.models import Review
from risks.services import _grant_change

from ..factories import (
    ActionFactory,
    ReportingPeriodFactory,
    ReviewFactory,
    RiskFactory,
    ThemeFactory,
)

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def owned(world, reference: str, *, org="mopac", owner="owner", **fields):
    """Create an open risk owned (with the edit grant) by one of the world's users."""
    user = world.users[f"{org}-{owner}"]
    fields.setdefault("next_review_date", TODAY + 30 * DAY)
    risk = RiskFactory(
        organisation=getattr(world, org), reference=reference, owner=user, **fields
    )
    _grant_change(risk, user, by=None, reason="Risk owner assigned", at=None)
    return risk


@pytest.fixture
def period(world):
    """MOPAC's period running today."""
    return ReportingPeriodFactory(
        organisation=world.mopac,
        label="Current quarter",
        start=TODAY - 30 * DAY,
        end=TODAY + 30 * DAY,
    )


@pytest.fixture
def previous_period(world, period):
    return ReportingPeriodFactory(
        organisation=world.mopac,
        label="Last quarter",
        start=period.start - 91 * DAY,
        end=period.start - DAY,
        is_closed=True,
    )


def url(period) -> str:
    return reverse("risks:period_detail", args=[period.pk])


def page(client, period, **params) -> str:
    response = client.get(url(period), params)
    assert response.status_code == 200
    return response.content.decode()


def row_html(html: str, risk) -> str:
    """Return the dashboard table row of one risk."""
    match = re.search(
        rf'<tr class="govuk-table__row" id="risk-{risk.pk}">(.*?)</tr>', html, re.S
    )
    assert match, f"no row for {risk.reference}"
    return match.group(1)


def shown_references(html: str) -> list[str]:
    return re.findall(r'<span class="app-register__ref">([^<]+)</span>', html)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Access -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("mopac-governance", 200),
        ("mopac-owner", 403),
        ("mopac-reader", 403),
        ("mps-governance", 404),
        ("mps-owner", 404),
        ("panel", 404),
        ("outsider", 404),
    ],
)
def test_dashboard_is_for_the_organisations_governance(
    client, world, period, username, status
):
    client.force_login(world.users[username])
    assert client.get(url(period)).status_code == status


def test_dashboard_anonymous_goes_to_login(client, world, period):
    response = client.get(url(period))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_no_change_refused_to_owner_and_other_organisation(client, world, period):
    no_change = reverse("risks:period_no_change", args=[period.pk, world.mopac_risk.pk])
    client.force_login(world.users["mopac-owner"])
    assert client.post(no_change).status_code == 403
    client.force_login(world.users["mps-governance"])
    assert client.post(no_change).status_code == 404
    # A risk of another organisation is not in this period's register.
    client.force_login(world.users["mopac-governance"])
    other = reverse("risks:period_no_change", args=[period.pk, world.mps_risk.pk])
    assert client.post(other).status_code == 404
    assert client.get(no_change).status_code == 405
    assert not Review.objects.exists()


# --- Rows, counts, movement -------------------------------------------------------


def test_rows_show_review_status_owner_movement_and_actions(
    client, world, period, previous_period
):
    reviewed = world.mopac_risk
    ReviewFactory(risk=reviewed, period=previous_period, likelihood=4, impact=3)
    ReviewFactory(
        risk=reviewed,
        period=period,
        likelihood=2,
        impact=3,
        reviewed_by=world.users["mopac-owner"],
        reviewed_on=TODAY - 2 * DAY,
    )
    due = owned(world, "MOPAC-R02", owner_post="Director of Finance")
    overdue = owned(world, "MOPAC-R03", next_review_date=TODAY - DAY)
    ActionFactory(risk=overdue, due_date=TODAY - 5 * DAY)
    ActionFactory(risk=overdue, due_date=TODAY - 9 * DAY)
    ActionFactory(risk=overdue, due_date=TODAY - 9 * DAY, status="complete")
    ActionFactory(risk=due, due_date=TODAY + 9 * DAY)
    closed_in = RiskFactory(
        organisation=world.mopac,
        reference="MOPAC-R04",
        status="closed",
        closed_on=period.start + DAY,
    )
    RiskFactory(
        organisation=world.mopac,
        reference="MOPAC-R05",
        status="closed",
        closed_on=period.start - DAY,
    )
    RiskFactory(organisation=world.mopac, reference="MOPAC-R06", status="draft")
    RiskFactory(organisation=world.mps, reference="MPS-R09")

    client.force_login(world.users["mopac-governance"])
    html = page(client, period)

    assert shown_references(html) == [
        "MOPAC-R01",
        "MOPAC-R02",
        "MOPAC-R03",
        "MOPAC-R04",  # in the separate "Closed during" table
    ]
    assert "Closed during Current quarter" in html
    assert closed_in.closed_on.strftime("%-d %B %Y") in html

    first = text(row_html(html, reviewed))
    assert "Reviewed" in first
    assert (TODAY - 2 * DAY).strftime("%-d %B %Y") in first
    assert "by mopac-owner (Director of Strategy)" in first
    assert "12 to 6" in first and "Decreasing" in first
    assert "Director of Strategy mopac-owner" in first

    second = text(row_html(html, due))
    assert "Due" in second and "Overdue" not in second
    assert "Director of Finance" in second
    assert "Not yet reviewed" in second
    assert "Record no change" in second

    third = row_html(html, overdue)
    assert "Overdue" in text(third)
    assert '<span class="app-overdue">2</span>' in third  # the complete one not

    summary = text(html.split('<h2 class="govuk-heading-m">Summary</h2>')[1])
    assert "Reviewed 1 of 3 open risks" in summary
    assert "Due 1" in summary
    assert "Overdue 1" in summary
    assert "Overdue actions 2" in summary
    assert "Flagged for drift 0 risks" in summary


def test_unreviewed_risks_are_overdue_once_the_period_has_ended(client, world):
    ended = ReportingPeriodFactory(
        organisation=world.mopac,
        label="Ended",
        start=TODAY - 60 * DAY,
        end=TODAY - DAY,
    )
    risk = owned(world, "MOPAC-R02", next_review_date=TODAY + 60 * DAY)
    client.force_login(world.users["mopac-governance"])
    assert "Overdue" in text(row_html(page(client, ended), risk))


def test_new_risk_reviewed_for_the_first_time_is_new(client, world, period):
    ReviewFactory(risk=world.mopac_risk, period=period, likelihood=3, impact=3)
    client.force_login(world.users["mopac-governance"])
    row = text(row_html(page(client, period), world.mopac_risk))
    assert "None to 9" in row and "New" in row


# --- Filters ----------------------------------------------------------------------


def test_filters_by_status_owner_and_flag(client, world, period):
    ReviewFactory(risk=world.mopac_risk, period=period)
    owned(world, "MOPAC-R02")
    owned(world, "MOPAC-R03", owner="governance", next_review_date=TODAY - DAY)
    client.force_login(world.users["mopac-governance"])

    assert shown_references(page(client, period, status="reviewed")) == ["MOPAC-R01"]
    assert shown_references(page(client, period, status="due")) == ["MOPAC-R02"]
    assert shown_references(page(client, period, status="overdue")) == ["MOPAC-R03"]
    assert shown_references(page(client, period, owner="mopac-governance")) == [
        "MOPAC-R03"
    ]
    assert shown_references(
        page(client, period, owner="mopac-owner", status="due")
    ) == ["MOPAC-R02"]
    html = page(client, period, flagged="1")
    assert shown_references(html) == []
    assert "No open risk matches these filters" in html
    # Values the page does not offer are ignored rather than failing.
    assert len(shown_references(page(client, period, status="x", owner="y"))) == 3


# --- Drift flags ------------------------------------------------------------------


def _link(world, agree: bool):
    link = alignment_services.link_propose(
        proposer_risk=world.mopac_risk,
        partner_risk=world.mps_risk,
        theme=ThemeFactory(name="Community engagement", slug="community-engagement"),
        relationship=Relationship.SHARED,
        rationale="Both turn on community confidence.",
        user=world.users["mopac-governance"],
    )
    if agree:
        alignment_services.link_agree(
            link=link, user=world.users["mps-governance"], reason="Same concern"
        )
    return link


@pytest.mark.parametrize(
    ("partner_score", "flagged"),
    [((2, 3), True), ((1, 5), True), ((2, 4), False)],  # 12 against 6, 5, 8
)
def test_drift_flag_when_partner_score_differs_by_the_threshold(
    client, world, period, settings, partner_score, flagged
):
    settings.ALIGNMENT_SCORE_GAP_THRESHOLD = 6
    for risk in (world.mopac_risk, world.mps_risk):
        risk.next_review_date = TODAY + 30 * DAY  # no "review overdue" flag
    world.mopac_risk.current_likelihood, world.mopac_risk.current_impact = 3, 4
    world.mps_risk.current_likelihood, world.mps_risk.current_impact = partner_score
    world.mopac_risk.save()
    world.mps_risk.save()
    _link(world, agree=True)

    client.force_login(world.users["mopac-governance"])
    row = text(row_html(page(client, period), world.mopac_risk))
    assert ("Scores differ (link with MPS-R01)" in row) is flagged
    assert "Review overdue" not in row
    assert (shown_references(page(client, period, flagged="1")) == ["MOPAC-R01"]) is (
        flagged
    )


def test_proposed_link_raises_no_flag(client, world, period):
    world.mps_risk.current_likelihood, world.mps_risk.current_impact = 1, 1
    world.mps_risk.save()  # 12 against 1
    _link(world, agree=False)
    client.force_login(world.users["mopac-governance"])
    assert "Scores differ" not in page(client, period)


# --- Query count ------------------------------------------------------------------


def _populate(world, period, previous_period, n: int) -> None:
    theme = ThemeFactory(name="Finance", slug="finance")
    for i in range(n):
        risk = owned(world, f"MOPAC-Q{i:03d}", next_review_date=TODAY - DAY)
        partner = owned(world, f"MPS-Q{i:03d}", org="mps")
        ActionFactory(risk=risk, due_date=TODAY - DAY)
        ReviewFactory(risk=risk, period=previous_period)
        if i % 2:
            ReviewFactory(
                risk=risk, period=period, reviewed_by=world.users["mopac-owner"]
            )
        link = alignment_services.link_propose(
            proposer_risk=risk,
            partner_risk=partner,
            theme=theme,
            relationship=Relationship.SHARED,
            rationale="Same",
            user=world.users["mopac-governance"],
        )
        alignment_services.link_agree(
            link=link, user=world.users["mps-governance"], reason="Same"
        )
        RiskFactory(
            organisation=world.mopac,
            reference=f"MOPAC-C{i:03d}",
            status="closed",
            closed_on=period.start,
            owner=world.users["mopac-owner"],
        )


# session, user, membership, period, risks (+ scores and counts), this period's
# reviews with reviewers, drift links, risks closed in the period, the closed
# quarters' reviews grouped by score for the trend chart.
DASHBOARD_QUERIES = 9


@pytest.mark.parametrize("n", [5, 50])
def test_dashboard_queries_do_not_grow_with_risks(
    client, world, period, previous_period, django_assert_num_queries, n
):
    _populate(world, period, previous_period, n)
    client.force_login(world.users["mopac-governance"])
    with django_assert_num_queries(DASHBOARD_QUERIES):
        html = page(client, period)
    assert html.count("Scores differ") + html.count("Review overdue") >= n
    assert len(shown_references(html)) == 1 + n + n


# --- Close from the dashboard -----------------------------------------------------


def test_close_from_dashboard_lists_exactly_the_unreviewed_risks(client, world, period):
    reviewed = owned(world, "MOPAC-R02")
    services.review_record(
        risk=reviewed,
        period=period,
        user=world.users["mopac-owner"],
        likelihood=2,
        impact=2,
        commentary="Better",
    )
    owned(world, "MOPAC-R03")
    RiskFactory(organisation=world.mopac, reference="MOPAC-R04", status="draft")
    client.force_login(world.users["mopac-governance"])

    html = page(client, period)
    missing = html.split('id="missing-reviews"')[1].split("</ul>")[0]
    assert re.findall(r"MOPAC-R\d\d", missing) == ["MOPAC-R01", "MOPAC-R03"]
    form = re.search(
        r'<form method="post" action="([^"]+)"[^>]*>\s*<input[^>]+>\s*'
        r"<button[^>]*>Close Current quarter</button>",
        html,
    )
    assert form and form.group(1) == reverse("risks:period_close", args=[period.pk])

    response = client.post(form.group(1))
    assert response.status_code == 200
    refused = response.content.decode()
    assert "cannot close: no review yet for MOPAC-R01, MOPAC-R03." in refused
    listed = refused.split('id="missing-reviews"')[1].split("</ul>")[0]
    assert re.findall(r"MOPAC-R\d\d", listed) == ["MOPAC-R01", "MOPAC-R03"]
    period.refresh_from_db()
    assert not period.is_closed


# --- Record no change -------------------------------------------------------------


def test_record_no_change_reviews_with_the_current_score(client, world, period):
    risk = world.mopac_risk
    risk.next_review_date = TODAY - DAY
    risk.save()
    client.force_login(world.users["mopac-governance"])
    html = page(client, period)
    action = reverse("risks:period_no_change", args=[period.pk, risk.pk])
    assert f'action="{action}"' in row_html(html, risk)

    response = client.post(action)
    assert response.status_code == 302
    assert response.url == url(period)
    assert "No change recorded for MOPAC-R01 in Current quarter (score 12)." in (
        messages_of(response)
    )
    review = Review.objects.get(risk=risk, period=period)
    assert (review.likelihood, review.impact) == (3, 4)
    assert (
        review.commentary == "No change this quarter (recorded by Head of Governance)"
    )
    assert review.reviewed_by == world.users["mopac-governance"]
    assert review.reviewed_on == TODAY
    risk.refresh_from_db()
    assert risk.next_review_date == services.next_quarter_end(period.end)
    assert (risk.current_likelihood, risk.current_impact) == (3, 4)
    history = Review.history.filter(id=review.pk).first()
    assert history.history_user == world.users["mopac-governance"]

    row = text(row_html(page(client, period), risk))
    assert "Reviewed" in row and "Record no change" not in row


def test_record_no_change_never_overwrites_an_owners_review(client, world, period):
    services.review_record(
        risk=world.mopac_risk,
        period=period,
        user=world.users["mopac-owner"],
        likelihood=1,
        impact=2,
        commentary="Much better",
    )
    client.force_login(world.users["mopac-governance"])
    response = client.post(
        reverse("risks:period_no_change", args=[period.pk, world.mopac_risk.pk])
    )
    assert response.status_code == 302
    assert "MOPAC-R01 already has a Current quarter review; it was kept." in (
        messages_of(response)
    )
    review = Review.objects.get()
    assert review.commentary == "Much better"


def test_record_no_change_refused_in_a_closed_period(client, world, previous_period):
    client.force_login(world.users["mopac-governance"])
    response = client.post(
        reverse(
            "risks:period_no_change", args=[previous_period.pk, world.mopac_risk.pk]
        )
    )
    assert response.status_code == 302
    assert "Last quarter is closed; its reviews are frozen." in messages_of(response)
    assert not Review.objects.exists()
    html = page(client, previous_period)
    assert "Record no change" not in html
    assert "Close Last quarter" not in html


# --- Trend chart --------------------------------------------------------------


def _trend_table(html: str) -> dict[str, list[str]]:
    """Return the trend chart's table alternative: each quarter's cells, by label."""
    start = html.index('id="trend"')
    table = html[html.index("<table", start) : html.index("</table>", start)]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return {
        cells[0]: cells[1:]
        for cells in (
            [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in rows[1:]
        )
    }


@pytest.fixture
def earlier_period(world, previous_period):
    return ReportingPeriodFactory(
        organisation=world.mopac,
        label="Two quarters ago",
        start=previous_period.start - 92 * DAY,
        end=previous_period.start - DAY,
        is_closed=True,
    )


def test_dashboard_charts_the_closed_quarters_by_band_up_to_the_period(
    client, world, period, previous_period, earlier_period
):
    rising = owned(world, "MOPAC-T01", appetite="cautious")
    low = owned(world, "MOPAC-T02", appetite="averse")
    ReviewFactory(risk=rising, period=earlier_period, likelihood=2, impact=2)
    ReviewFactory(risk=rising, period=previous_period, likelihood=4, impact=5)
    ReviewFactory(risk=low, period=previous_period, likelihood=1, impact=2)
    # The other organisation's reviews, and this open quarter's, are not counted.
    mps = owned(world, "MPS-T01", org="mps")
    ReviewFactory(
        risk=mps,
        period=ReportingPeriodFactory(
            organisation=world.mps,
            label="Last quarter",
            start=previous_period.start,
            end=previous_period.end,
            is_closed=True,
        ),
        likelihood=5,
        impact=5,
    )
    ReviewFactory(risk=low, period=period, likelihood=5, impact=5)
    client.force_login(world.users["mopac-governance"])

    html = page(client, period)

    chart = html[html.index('id="trend"') :]
    figure = chart.split("</figure>")[0]
    assert 'role="img" aria-labelledby="trends-mopac-title"' in figure
    assert "Last quarter: 2 risks" in figure
    assert "Show the chart's figures as a table" in chart
    # Very high, high, medium, low; all reviewed; outside appetite.
    assert _trend_table(html) == {
        "Two quarters ago": ["0", "0", "0", "1", "1", "0"],
        "Last quarter": ["1", "0", "0", "1", "2", "1"],
    }


def test_dashboard_trend_stops_at_the_period_shown(
    client, world, period, previous_period, earlier_period
):
    risk = owned(world, "MOPAC-T01")
    ReviewFactory(risk=risk, period=earlier_period)
    ReviewFactory(risk=risk, period=previous_period)
    client.force_login(world.users["mopac-governance"])

    html = page(client, earlier_period)

    assert list(_trend_table(html)) == ["Two quarters ago"]


def test_dashboard_without_a_closed_quarter_says_the_chart_starts_later(
    client, world, period
):
    owned(world, "MOPAC-T01")
    client.force_login(world.users["mopac-governance"])

    html = page(client, period)

    assert "No quarter up to Current quarter has been closed yet" in html
    assert "<svg" not in html[html.index('id="trend"') : html.index('id="close"')]
