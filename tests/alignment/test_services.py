"""The alignment workflow: who may do each step, and its effect on visibility."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from alignment import services
from alignment.models import AlignmentLink, JointAction, LinkStatus, Relationship
from risks import access
from risks.recording import StaleVersionError

from ..factories import RiskFactory


def test_proposal_is_recorded_with_who_and_grants_nothing(world, proposal):
    assert proposal.status == LinkStatus.PROPOSED
    assert proposal.proposed_by_organisation == world.mopac
    row = proposal.history.get()
    assert row.history_user == world.users["mopac-governance"]
    assert row.history_change_reason == "Alignment proposed"
    assert not access.can_view_risk(world.users["mps-reader"], world.mopac_risk)
    assert not access.can_view_risk(world.users["panel"], world.mopac_risk)


@pytest.mark.parametrize("username", ["mopac-owner", "mopac-reader", "mps-governance"])
def test_only_own_governance_proposes(world, theme, username):
    with pytest.raises(PermissionDenied):
        services.link_propose(
            proposer_risk=world.mopac_risk,
            partner_risk=world.mps_risk,
            theme=theme,
            relationship=Relationship.SHARED,
            rationale="x",
            user=world.users[username],
        )
    assert not AlignmentLink.objects.exists()


def test_proposal_needs_other_organisations_risk_and_rationale(world, theme):
    other = RiskFactory(organisation=world.mopac, reference="MOPAC-R02")
    base = {
        "proposer_risk": world.mopac_risk,
        "theme": theme,
        "relationship": Relationship.SHARED,
        "user": world.users["mopac-governance"],
    }
    with pytest.raises(ValidationError, match="other organisation"):
        services.link_propose(**base, partner_risk=other, rationale="x")
    with pytest.raises(ValidationError, match="Explain why"):
        services.link_propose(**base, partner_risk=world.mps_risk, rationale=" ")


def test_duplicate_proposal_either_direction_refused(world, theme, proposal):
    with pytest.raises(ValidationError, match="already linked"):
        services.link_propose(
            proposer_risk=world.mps_risk,
            partner_risk=world.mopac_risk,
            theme=theme,
            relationship=Relationship.MIRROR,
            rationale="Again",
            user=world.users["mps-governance"],
        )


@pytest.mark.parametrize(
    "username", ["mopac-governance", "mps-owner", "mps-reader", "panel", "outsider"]
)
def test_only_the_other_organisations_governance_agrees(world, proposal, username):
    with pytest.raises(PermissionDenied):
        services.link_agree(link=proposal, user=world.users[username])
    proposal.refresh_from_db()
    assert proposal.status == LinkStatus.PROPOSED


def test_agreeing_grants_read_access_both_ways_and_ending_withdraws_it(world, proposal):
    link = services.link_agree(link=proposal, user=world.users["mps-governance"])
    assert link.decided_by == world.users["mps-governance"]
    for username in ("mps-reader", "mps-owner", "mps-governance", "panel"):
        assert access.can_view_risk(world.users[username], world.mopac_risk)
    assert access.can_view_risk(world.users["mopac-reader"], world.mps_risk)
    # Read-only: the other organisation can never edit.
    assert not access.can_edit_risk(world.users["mps-governance"], world.mopac_risk)
    assert not access.can_view_risk(world.users["outsider"], world.mopac_risk)

    services.link_end(
        link=link, user=world.users["mps-governance"], reason="Risk refreshed"
    )
    for username in ("mps-reader", "mps-governance", "panel"):
        assert not access.can_view_risk(world.users[username], world.mopac_risk)
    types = list(
        link.history.order_by("history_id").values_list("status", "history_user")
    )
    assert types == [
        (LinkStatus.PROPOSED, world.users["mopac-governance"].pk),
        (LinkStatus.AGREED, world.users["mps-governance"].pk),
        (LinkStatus.ENDED, world.users["mps-governance"].pk),
    ]
    assert link.history.latest().history_change_reason == "Risk refreshed"


def test_decline_needs_reason_and_grants_nothing(world, proposal):
    with pytest.raises(ValidationError, match="why"):
        services.link_decline(
            link=proposal, user=world.users["mps-governance"], reason=""
        )
    services.link_decline(
        link=proposal, user=world.users["mps-governance"], reason="Different concern"
    )
    proposal.refresh_from_db()
    assert proposal.status == LinkStatus.DECLINED
    assert proposal.decision_reason == "Different concern"
    assert not access.can_view_risk(world.users["mps-reader"], world.mopac_risk)
    with pytest.raises(ValidationError, match="declined"):
        services.link_agree(link=proposal, user=world.users["mps-governance"])


def test_proposer_may_withdraw_but_not_other_side(world, proposal):
    with pytest.raises(PermissionDenied):
        services.link_end(link=proposal, user=world.users["mps-governance"], reason="x")
    services.link_end(
        link=proposal, user=world.users["mopac-governance"], reason="Withdrawn"
    )
    proposal.refresh_from_db()
    assert proposal.status == LinkStatus.ENDED


def test_end_denied_to_non_governance(world, agreed):
    for username in ("mopac-owner", "mps-reader", "panel"):
        with pytest.raises(PermissionDenied):
            services.link_end(link=agreed, user=world.users[username], reason="x")
    agreed.refresh_from_db()
    assert agreed.status == LinkStatus.AGREED


def test_joint_actions_belong_to_one_organisation_and_its_governance(world, agreed):
    data = {
        "description": "Joint engagement plan",
        "owner_post": "Director of Strategy",
        "due_date": datetime.date(2019, 12, 31),
    }
    with pytest.raises(PermissionDenied):
        services.joint_action_create(
            link=agreed,
            organisation=world.mps,
            user=world.users["mopac-governance"],
            data=data,
        )
    action = services.joint_action_create(
        link=agreed,
        organisation=world.mopac,
        user=world.users["mopac-governance"],
        data=data,
    )
    with pytest.raises(PermissionDenied):
        services.joint_action_update(
            action=action,
            user=world.users["mps-governance"],
            data={"status": "complete"},
        )
    services.joint_action_update(
        action=action,
        user=world.users["mopac-governance"],
        data={"status": "complete"},
        expected_version=1,
    )
    assert JointAction.objects.get().status == "complete"
    with pytest.raises(StaleVersionError):
        services.joint_action_update(
            action=action,
            user=world.users["mopac-governance"],
            data={"status": "on_track"},
            expected_version=1,
        )


def test_joint_actions_only_on_agreed_links(world, proposal):
    with pytest.raises(ValidationError, match="proposed"):
        services.joint_action_create(
            link=proposal,
            organisation=world.mopac,
            user=world.users["mopac-governance"],
            data={
                "description": "x",
                "owner_post": "y",
                "due_date": datetime.date(2019, 12, 31),
            },
        )
