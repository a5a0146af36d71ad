"""The risk's audit history page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment import services as alignment_services
from alignment.models import Relationship
from risks import services

from ..factories import ReportingPeriodFactory, ThemeFactory


def history_page(client, risk):
    return client.get(reverse("risks:history", args=[risk.pk]))


def test_edit_with_reason_shows_user_reason_and_old_to_new(client, world):
    services.risk_update(
        risk=world.mopac_risk,
        user=world.users["mopac-owner"],
        data={"current_likelihood": 5, "appetite": "averse"},
        expected_version=1,
        reason="Knife crime rose sharply",
    )
    client.force_login(world.users["mopac-reader"])
    page = history_page(client, world.mopac_risk).content.decode()
    assert "Risk changed" in page
    assert "mopac-owner (Director of Strategy)" in page
    assert "Knife crime rose sharply" in page
    assert "Current likelihood" in page
    # Choice labels in words, not codes.
    assert "Cautious" in page and "Averse" in page
    assert "averse<" not in page
    assert "Risk created" in page


def test_timeline_includes_children_owner_grants_and_links(client, world):
    owner, governance = world.users["mopac-owner"], world.users["mopac-governance"]
    control = services.control_create(
        risk=world.mopac_risk,
        user=owner,
        data={"description": "Safer Neighbourhood Boards", "owner_post": "Head"},
    )
    services.control_delete(control=control, user=owner, reason="Replaced")
    services.action_create(
        risk=world.mopac_risk,
        user=owner,
        data={
            "description": "Refresh ward panels",
            "owner_post": "Head",
            "due_date": datetime.date(2020, 3, 31),
        },
    )
    period = ReportingPeriodFactory(organisation=world.mopac)
    services.review_record(
        risk=world.mopac_risk,
        period=period,
        user=owner,
        likelihood=2,
        impact=4,
        commentary="Quiet quarter",
    )
    theme = ThemeFactory(name="Violence", slug="violence")
    link = alignment_services.link_propose(
        proposer_risk=world.mopac_risk,
        partner_risk=world.mps_risk,
        theme=theme,
        relationship=Relationship.SHARED,
        rationale="Same",
        user=governance,
    )
    alignment_services.link_agree(link=link, user=world.users["mps-governance"])
    client.force_login(governance)
    page = history_page(client, world.mopac_risk).content.decode()
    assert "Control: Safer Neighbourhood Boards created" in page
    assert "Control: Safer Neighbourhood Boards deleted" in page
    assert "Replaced" in page
    assert "Action: Refresh ward panels created" in page
    assert "Review 2019/20 Q2 created" in page
    assert "Edit permission for mopac-owner created" in page
    assert "Alignment link (shared risk) created" in page
    assert "Alignment link (shared risk) changed" in page
    assert "Proposed" in page and "Agreed" in page  # status old → new in words
    assert "MPS-R01" in page


@pytest.mark.parametrize(
    "username", ["mopac-reader", "mopac-owner", "mopac-governance"]
)
def test_members_may_view_history(client, world, username):
    client.force_login(world.users[username])
    assert history_page(client, world.mopac_risk).status_code == 200


def test_history_hidden_like_the_risk(client, world):
    client.force_login(world.users["mps-reader"])
    assert history_page(client, world.mopac_risk).status_code == 404
    client.force_login(world.users["panel"])
    assert history_page(client, world.mopac_risk).status_code == 404
    client.logout()
    assert history_page(client, world.mopac_risk).status_code == 302


def test_panel_member_gets_403_on_aligned_risk_history(client, world):
    link = alignment_services.link_propose(
        proposer_risk=world.mopac_risk,
        partner_risk=world.mps_risk,
        theme=ThemeFactory(),
        relationship=Relationship.SHARED,
        rationale="Same",
        user=world.users["mopac-governance"],
    )
    alignment_services.link_agree(link=link, user=world.users["mps-governance"])
    client.force_login(world.users["panel"])
    assert history_page(client, world.mopac_risk).status_code == 403
    client.force_login(world.users["mps-reader"])
    assert history_page(client, world.mopac_risk).status_code == 200


def _versions(world, count):
    owner = world.users["mopac-owner"]
    risk = world.mopac_risk
    for n in range(count):
        risk = services.risk_update(
            risk=risk, user=owner, data={"title": f"Title {n}"}, reason=f"Edit {n}"
        )
        services.control_create(
            risk=risk, user=owner, data={"description": f"C{n}", "owner_post": "Head"}
        )


def test_query_count_does_not_grow_with_versions(client, world):
    client.force_login(world.users["mopac-reader"])
    counts = []
    for added, total in ((5, 5), (45, 50)):
        _versions(world, added)
        with CaptureQueriesContext(connection) as queries:
            response = history_page(client, world.mopac_risk)
        assert response.content.decode().count("Risk changed") == total
        counts.append(len(queries))
    assert counts[0] == counts[1] == 13


def test_theme_changes_appear_in_words(client, world):
    violence = ThemeFactory(name="Violence", slug="violence")
    services.risk_update(
        risk=world.mopac_risk,
        user=world.users["mopac-governance"],
        data={},
        themes=[violence],
        reason="Tagged for the violence paper",
    )
    client.force_login(world.users["mopac-reader"])
    page = history_page(client, world.mopac_risk).content.decode()
    assert "Tagged for the violence paper" in page
    assert "Themes" in page and "Violence" in page
