"""Alignment pages over HTTP: overview, link page, workflow steps, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment import services
from alignment.models import AlignmentLink, LinkStatus, Relationship

from ..factories import ActionFactory, ControlFactory, RiskFactory, ThemeFactory


def test_reader_sees_other_organisations_risk_only_while_agreed(
    client, world, proposal
):
    client.force_login(world.users["mps-reader"])
    url = world.mopac_risk.get_absolute_url()
    assert client.get(url).status_code == 404
    services.link_agree(link=proposal, user=world.users["mps-governance"])
    assert client.get(url).status_code == 200
    assert (
        world.mopac_risk.reference in client.get(reverse("risks:list")).content.decode()
    )
    services.link_end(link=proposal, user=world.users["mopac-governance"], reason="x")
    assert client.get(url).status_code == 404


def test_overview_shows_pair_side_by_side_with_score_gap_flag(client, world, agreed):
    world.mps_risk.current_likelihood, world.mps_risk.current_impact = 5, 5
    world.mps_risk.save()  # 25 against 12: a gap of 13
    client.force_login(world.users["mopac-reader"])
    page = client.get(reverse("alignment:overview")).content.decode()
    assert "Community engagement" in page
    assert world.mopac_risk.reference in page and world.mps_risk.reference in page
    assert "Scores differ" in page
    flagged = client.get(reverse("alignment:overview"), {"flag": "score_gap"})
    assert world.mps_risk.reference in flagged.content.decode()
    other = client.get(reverse("alignment:overview"), {"flag": "status_mismatch"})
    assert world.mps_risk.reference not in other.content.decode()


def test_overview_without_gap_has_no_flag(client, world, agreed):
    for risk in (world.mopac_risk, world.mps_risk):
        risk.next_review_date = timezone.localdate() + datetime.timedelta(days=30)
        risk.save()
    client.force_login(world.users["mopac-reader"])
    page = client.get(reverse("alignment:overview")).content.decode()
    assert "No drift" in page


def test_theme_filter(client, world, agreed):
    client.force_login(world.users["mopac-reader"])
    page = client.get(reverse("alignment:overview"), {"theme": "violence"})
    assert world.mps_risk.reference not in page.content.decode()


def test_proposals_visible_to_governance_only(client, world, proposal):
    client.force_login(world.users["mps-governance"])
    assert (
        "Proposals awaiting"
        in client.get(reverse("alignment:overview")).content.decode()
    )
    assert client.get(proposal.get_absolute_url()).status_code == 200
    client.force_login(world.users["mps-reader"])
    assert client.get(proposal.get_absolute_url()).status_code == 404
    client.force_login(world.users["panel"])
    assert client.get(proposal.get_absolute_url()).status_code == 404


def test_agree_through_http_by_other_org(client, world, proposal):
    client.force_login(world.users["mopac-governance"])
    client.post(reverse("alignment:agree", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == LinkStatus.PROPOSED  # proposers cannot agree their own
    client.force_login(world.users["mps-governance"])
    response = client.post(
        reverse("alignment:agree", args=[proposal.pk]), {"reason": "Agreed at board"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == LinkStatus.AGREED
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Agreed at board" in page


def test_denied_step_returns_403_and_changes_nothing(client, world, proposal):
    client.force_login(world.users["mps-reader"])
    response = client.post(reverse("alignment:agree", args=[proposal.pk]))
    assert response.status_code == 404  # a reader cannot even see a proposal
    client.force_login(world.users["mopac-owner"])
    assert (
        client.post(
            reverse("alignment:end", args=[proposal.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    proposal.refresh_from_db()
    assert proposal.status == LinkStatus.PROPOSED
    assert proposal.history.count() == 1


def test_decline_without_reason_shows_message(client, world, proposal):
    client.force_login(world.users["mps-governance"])
    response = client.post(
        reverse("alignment:decline", args=[proposal.pk]), follow=True
    )
    assert "Say why the proposal is declined" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == LinkStatus.PROPOSED


def test_propose_form(client, world, theme):
    client.force_login(world.users["mopac-governance"])
    assert client.get(reverse("alignment:propose")).status_code == 200
    response = client.post(
        reverse("alignment:propose"),
        {
            "proposer_risk": world.mopac_risk.pk,
            "partner_risk": world.mps_risk.pk,
            "theme": theme.pk,
            "relationship": Relationship.SHARED,
            "rationale": "",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not AlignmentLink.objects.exists()
    client.post(
        reverse("alignment:propose"),
        {
            "proposer_risk": world.mopac_risk.pk,
            "partner_risk": world.mps_risk.pk,
            "theme": theme.pk,
            "relationship": Relationship.SHARED,
            "rationale": "Same concern",
        },
    )
    assert AlignmentLink.objects.get().proposed_by == world.users["mopac-governance"]


@pytest.mark.parametrize("username", ["mopac-owner", "mopac-reader", "panel"])
def test_propose_page_forbidden_to_non_governance(client, world, username):
    client.force_login(world.users[username])
    assert client.get(reverse("alignment:propose")).status_code == 403


def test_joint_action_over_http(client, world, agreed):
    client.force_login(world.users["mps-governance"])
    url = reverse("alignment:joint_action_create", args=[agreed.pk, "mps"])
    response = client.post(
        url,
        {
            "description": "Joint ward-panel review",
            "owner_post": "Commander, Frontline Policing",
            "due_date": "2019-06-30",
            "revised_due_date": "2019-05-01",
            "status": "on_track",
        },
    )
    assert "revised due date must be after" in response.content.decode()
    client.post(
        url,
        {
            "description": "Joint ward-panel review",
            "owner_post": "Commander, Frontline Policing",
            "due_date": "2019-06-30",
            "status": "on_track",
        },
    )
    page = client.get(agreed.get_absolute_url()).content.decode()
    assert "Joint ward-panel review" in page
    assert "Overdue" in page
    assert "Joint action overdue" in page
    other = reverse("alignment:joint_action_create", args=[agreed.pk, "mopac"])
    assert client.get(other).status_code == 403


def _make_links(world, theme, start, count):
    for n in range(start, start + count):
        left = RiskFactory(organisation=world.mopac, reference=f"MOPAC-L{n:03d}")
        right = RiskFactory(organisation=world.mps, reference=f"MPS-L{n:03d}")
        ControlFactory(risk=left)
        ActionFactory(risk=right, due_date=datetime.date(2019, 1, 1))
        AlignmentLink.objects.create(
            proposer_risk=left,
            partner_risk=right,
            theme=theme,
            rationale="Generated",
            status=LinkStatus.AGREED,
            proposed_by_organisation=world.mopac,
            proposed_by=world.users["mopac-governance"],
        )


def test_overview_query_count_constant_in_number_of_links(client, world):
    theme = ThemeFactory(name="Violence", slug="violence")
    client.force_login(world.users["mopac-reader"])
    counts = []
    for total in (3, 30):
        existing = AlignmentLink.objects.count()
        _make_links(world, theme, existing, total - existing)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("alignment:overview"))
        assert response.content.decode().count('">MPS-L0') == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 10
