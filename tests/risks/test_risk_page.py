"""The risk page: what it shows, to whom, and in how many queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment.models import AlignmentLink, LinkStatus
from risks.choices import ActionStatus, Marking, RiskStatus

from ..factories import (
    ActionFactory,
    ControlFactory,
    ReportingPeriodFactory,
    ReviewFactory,
    RiskFactory,
    ThemeFactory,
    UserFactory,
)

# Queries for one risk page: session, user, risk, themes, controls, actions,
# reviews (with period and reviewer), can_edit, membership, aligned links.
RISK_PAGE_QUERIES = 10


def page(client, user, risk):
    client.force_login(user)
    return client.get(reverse("risks:detail", args=[risk.pk]))


def agree(proposer_risk, partner_risk, *, status=LinkStatus.AGREED, theme=None):
    """Link two risks directly (the alignment workflow is tested elsewhere)."""
    proposer = UserFactory(username=f"{proposer_risk.organisation.slug}-proposer")
    return AlignmentLink.objects.create(
        proposer_risk=proposer_risk,
        partner_risk=partner_risk,
        theme=theme or ThemeFactory(name="Community engagement", slug="community"),
        rationale="Both registers hold the same concern.",
        status=status,
        proposed_by_organisation=proposer_risk.organisation,
        proposed_by=proposer,
    )


def quarter(organisation, n: int):
    """Return the n-th quarter from April 2015 as a reporting period."""
    year, index = 2015 + n // 4, n % 4
    start = datetime.date(year + (index == 3), [4, 7, 10, 1][index], 1)
    end = datetime.date(
        year + (index >= 2), [7, 10, 1, 4][index], 1
    ) - datetime.timedelta(days=1)
    return ReportingPeriodFactory(
        organisation=organisation, label=f"P{n:02d}", start=start, end=end
    )


# --- Access -----------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(reverse("risks:detail", args=[world.mopac_risk.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "username", ["mopac-reader", "mopac-owner", "mopac-governance"]
)
def test_own_organisation_sees_the_risk(client, world, username):
    response = page(client, world.users[username], world.mopac_risk)
    assert response.status_code == 200
    assert "MOPAC-R01" in response.text


@pytest.mark.parametrize(
    "username", ["mps-reader", "mps-governance", "panel", "outsider"]
)
def test_unaligned_risk_of_another_organisation_is_404(client, world, username):
    assert page(client, world.users[username], world.mopac_risk).status_code == 404


@pytest.mark.parametrize("username", ["mps-reader", "mps-governance", "panel"])
def test_agreed_link_opens_the_risk_to_the_other_organisation(client, world, username):
    agree(world.mopac_risk, world.mps_risk)
    assert page(client, world.users[username], world.mopac_risk).status_code == 200


@pytest.mark.parametrize(
    "status", [LinkStatus.PROPOSED, LinkStatus.DECLINED, LinkStatus.ENDED]
)
@pytest.mark.parametrize("username", ["mps-reader", "panel"])
def test_a_link_not_agreed_grants_nothing(client, world, status, username):
    agree(world.mopac_risk, world.mps_risk, status=status)
    assert page(client, world.users[username], world.mopac_risk).status_code == 404


# --- Content ----------------------------------------------------------------


def test_page_shows_statement_scores_and_details(client, world):
    risk = world.mopac_risk
    risk.marking = Marking.OFFICIAL_SENSITIVE
    risk.public_summary = "A public summary."
    risk.appetite = "cautious"  # ceiling 10; current 3 × 4 = 12
    risk.save()
    risk.themes.add(ThemeFactory(name="Finance", slug="finance"))
    text = page(client, world.users["mopac-reader"], risk).text
    assert "OFFICIAL-SENSITIVE" in text
    assert "Because demand is rising," in text
    assert "there is a risk that services are overwhelmed," in text
    assert "which would reduce public confidence." in text
    assert "4 × 5 = " in text and "20 Very high" in text  # inherent
    assert "3 × 4 = " in text and "12 High" in text  # current
    assert "2 × 3 = " in text and "6 Medium" in text  # target
    assert "No, the current score of 12 is above the cautious appetite" in text
    assert "Director of Strategy (mopac-owner)" in text
    assert "Finance" in text
    assert "A public summary." in text


def test_controls_and_actions_are_listed_with_overdue_flag(client, world):
    risk = world.mopac_risk
    today = timezone.localdate()
    ControlFactory(risk=risk, description="Quarterly assurance board.")
    ActionFactory(
        risk=risk,
        description="Late action.",
        due_date=today - datetime.timedelta(days=1),
    )
    ActionFactory(
        risk=risk,
        description="Finished action.",
        due_date=today - datetime.timedelta(days=30),
        status=ActionStatus.COMPLETE,
    )
    ActionFactory(
        risk=risk,
        description="Slipped but rescheduled.",
        due_date=today - datetime.timedelta(days=30),
        revised_due_date=today + datetime.timedelta(days=30),
    )
    text = page(client, world.users["mopac-reader"], risk).text
    assert "Quarterly assurance board." in text
    assert "Preventive" in text and "Not assessed" in text and "1st line" in text
    actions = text[text.index('id="actions"') : text.index('id="reviews"')]
    assert actions.count(">Overdue</strong>") == 1
    late_row = actions[actions.index("Late action.") :].split("</tr>")[0]
    assert "Overdue" in late_row
    assert "revised from" in text


def test_reviews_timeline_shows_direction_of_travel(client, world):
    risk = world.mopac_risk
    reviewer = world.users["mopac-owner"]
    for n, (likelihood, impact) in enumerate([(3, 4), (4, 4), (4, 4), (2, 4)]):
        ReviewFactory(
            risk=risk,
            period=quarter(world.mopac, n),
            likelihood=likelihood,
            impact=impact,
            reviewed_by=reviewer,
            commentary=f"Commentary {n}.",
        )
    text = page(client, world.users["mopac-reader"], risk).text
    timeline = text[text.index('id="reviews"') :]
    # Newest first: 8 (down from 16), 16 (stable), 16 (up from 12), 12 (new).
    order = [timeline.index(f"Commentary {n}.") for n in (3, 2, 1, 0)]
    assert order == sorted(order)
    rows = timeline.split("</tr>")
    assert "Decreasing" in rows[1] and "Commentary 3." in rows[1]
    assert "Stable" in rows[2]
    assert "Increasing" in rows[3]
    assert "New" in rows[4]
    assert "P03" in rows[1] and "mopac-owner" in rows[1]
    summary = text[: text.index('id="reviews"')]
    assert "Decreasing" in summary  # the risk's own direction of travel


def test_no_reviews_means_new(client, world):
    text = page(client, world.users["mopac-reader"], world.mopac_risk).text
    assert "New</span>" in text
    assert "No quarterly reviews recorded yet." in text


def test_aligned_risks_list_agreed_links_only(client, world):
    ended_partner = RiskFactory(organisation=world.mps, reference="MPS-R09")
    agree(world.mopac_risk, world.mps_risk)
    agree(ended_partner, world.mopac_risk, status=LinkStatus.ENDED)
    for username in ("mopac-reader", "mps-reader", "panel"):
        response = page(client, world.users[username], world.mopac_risk)
        aligned = response.text[response.text.index('id="aligned"') :]
        assert "MPS-R01" in aligned
        assert world.mps_risk.get_absolute_url() in aligned
        assert "Community engagement" in aligned
        assert "MPS-R09" not in aligned


def test_aligned_risk_page_links_back(client, world):
    agree(world.mps_risk, world.mopac_risk)  # proposed by the other side
    response = page(client, world.users["mps-reader"], world.mps_risk)
    aligned = response.text[response.text.index('id="aligned"') :]
    assert "MOPAC-R01" in aligned


# --- Edit links -------------------------------------------------------------

RISK_EDIT_LINKS = ("Edit risk", "Add control", "Add action", "Record review")


@pytest.mark.parametrize(
    ("username", "can_edit", "can_manage"),
    [
        ("mopac-owner", True, False),
        ("mopac-governance", True, True),
        ("mopac-reader", False, False),
        ("mps-governance", False, False),
        ("mps-reader", False, False),
        ("panel", False, False),
    ],
)
def test_edit_links_follow_permissions(client, world, username, can_edit, can_manage):
    agree(world.mopac_risk, world.mps_risk)
    control = ControlFactory(risk=world.mopac_risk)
    action = ActionFactory(risk=world.mopac_risk)
    text = page(client, world.users[username], world.mopac_risk).text
    for label in RISK_EDIT_LINKS:
        assert (label in text) is can_edit, label
    pk = world.mopac_risk.pk
    for name, arg in [
        ("update", pk),
        ("control_create", pk),
        ("action_create", pk),
        ("review_create", pk),
        ("control_update", control.pk),
        ("control_delete", control.pk),
        ("action_update", action.pk),
        ("action_delete", action.pk),
    ]:
        assert (f'href="{reverse(f"risks:{name}", args=[arg])}"' in text) is can_edit
    assert ("Close risk" in text) is can_manage
    history = reverse("risks:history", args=[pk])
    assert (history in text) is (username != "panel")


def test_closed_risk_offers_no_edit_links(client, world):
    risk = world.mopac_risk
    risk.status, risk.closed_on = RiskStatus.CLOSED, datetime.date(2019, 9, 30)
    risk.save()
    text = page(client, world.users["mopac-governance"], risk).text
    for label in (*RISK_EDIT_LINKS, "Close risk"):
        assert label not in text
    assert "closed on 30 September 2019" in text


# --- Queries ----------------------------------------------------------------


def _fill(risk, first: int, last: int, reviewer, mps_risk):
    for n in range(first, last):
        ControlFactory(risk=risk, description=f"Control {n}.")
        ActionFactory(risk=risk, description=f"Action {n}.")
        ReviewFactory(
            risk=risk, period=quarter(risk.organisation, n), reviewed_by=reviewer
        )
        theme = ThemeFactory(name=f"Theme {n}", slug=f"theme-{n}")
        risk.themes.add(theme)
        if n % 10 == 0:
            partner = RiskFactory(organisation=mps_risk.organisation)
            agree(risk, partner, theme=theme)


def test_risk_page_queries_do_not_grow_with_children(
    client, world, django_assert_num_queries
):
    risk, user = world.mopac_risk, world.users["mopac-owner"]
    client.force_login(user)
    url = reverse("risks:detail", args=[risk.pk])
    counts = []
    for first, last in ((0, 2), (2, 30)):
        _fill(risk, first, last, user, world.mps_risk)
        with django_assert_num_queries(RISK_PAGE_QUERIES) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert response.text.count("Action ") >= last
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] == RISK_PAGE_QUERIES
