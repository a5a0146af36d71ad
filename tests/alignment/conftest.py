"""Fixtures for alignment tests."""

import pytest

from alignment import services
from alignment.models import Relationship

from ..factories import ThemeFactory


@pytest.fixture
def theme(db):
    return ThemeFactory(name="Community engagement", slug="community-engagement")


@pytest.fixture
def proposal(world, theme):
    """MOPAC proposes aligning its risk with the MPS risk."""
    return services.link_propose(
        proposer_risk=world.mopac_risk,
        partner_risk=world.mps_risk,
        theme=theme,
        relationship=Relationship.SHARED,
        rationale="Both risks turn on community confidence.",
        user=world.users["mopac-governance"],
    )


@pytest.fixture
def agreed(world, proposal):
    """The MPS agrees the proposal."""
    return services.link_agree(
        link=proposal, user=world.users["mps-governance"], reason="Same concern"
    )
