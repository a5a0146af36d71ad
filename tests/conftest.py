"""Shared fixtures: two organisations with a user in every role."""

import os
import threading
import weakref
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from risks import access
from risks.choices import Role
from risks.services import _grant_change

from .factories import (
    MembershipFactory,
    OrganisationFactory,
    PanelMemberFactory,
    RiskFactory,
    UserFactory,
)

# Playwright drives the browser from the test thread; Django must allow it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class World:
    """Two organisations, one user per role in each, a panel member, a risk each."""

    mopac: object
    mps: object
    users: dict
    mopac_risk: object
    mps_risk: object


def _member(org, role, name, post):
    user = UserFactory(username=name)
    MembershipFactory(user=user, organisation=org, role=role, post_title=post)
    return user


@pytest.fixture(scope="session", autouse=True)
def every_connection_closed_before_the_test_database_is_dropped(django_db_setup):
    """Close every database connection the tests opened, whichever context opened it.

    Django keeps one connection per thread and context. After the browser tests
    (Playwright), later tests run in a context of their own and open another
    connection, which teardown, in the first context, never sees: PostgreSQL
    then refuses to drop the test database ("being accessed by other users").
    Set up after django_db_setup, this is torn down before it.
    """
    from django.db import connections

    opened = weakref.WeakSet()
    create = connections.create_connection

    def create_connection(alias):
        connection = create(alias)
        opened.add(connection)
        return connection

    connections.create_connection = create_connection
    yield
    del connections.create_connection
    here = threading.get_ident()
    for connection in list(opened):
        # Threads (the live server's) close their own connections.
        if connection._thread_ident == here:
            connection.close()


@pytest.fixture(autouse=True)
def fresh_caches():
    """Start each test with no user's visibility cached and no request counted.

    The access cache is meant to live for one request (one user object).
    Module-scoped fixtures share user objects between tests whose transactions
    roll back, so a link a previous test ended (and rolled back) must not stay
    remembered. The API throttle counts per token id in the default cache, and
    ids repeat across rolled-back tests: one test's requests must not count
    against the next one's token.
    """
    access.links_changed()
    cache.clear()


@pytest.fixture
def world_created_at():
    """When the world's risks were created (their first history row): now.

    History rows cannot be rewritten (on PostgreSQL a trigger refuses), so a
    module that needs risks created in the past overrides this fixture.
    """
    return None


def _risk(organisation, reference, owner, created_at):
    risk = RiskFactory.build(
        organisation=organisation, reference=reference, owner=owner
    )
    if created_at is not None:
        risk._history_date = created_at  # read by django-simple-history
    risk.save()
    return risk


@pytest.fixture
def world(db, world_created_at) -> World:
    """Build the two-organisation world most tests start from."""
    mopac = OrganisationFactory(
        short_name="MOPAC", name="Mayor's Office for Policing and Crime", slug="mopac"
    )
    mps = OrganisationFactory(
        short_name="MPS", name="Metropolitan Police Service", slug="mps"
    )
    users = {}
    for org in (mopac, mps):
        key = org.slug
        users[f"{key}-governance"] = _member(
            org, Role.GOVERNANCE, f"{key}-governance", "Head of Governance"
        )
        users[f"{key}-owner"] = _member(
            org, Role.RISK_OWNER, f"{key}-owner", "Director of Strategy"
        )
        users[f"{key}-reader"] = _member(
            org, Role.READER, f"{key}-reader", "Risk Analyst"
        )
    users["panel"] = UserFactory(username="panel")
    PanelMemberFactory(user=users["panel"])
    users["outsider"] = UserFactory(username="outsider")
    mopac_risk = _risk(mopac, "MOPAC-R01", users["mopac-owner"], world_created_at)
    mps_risk = _risk(mps, "MPS-R01", users["mps-owner"], world_created_at)
    for risk in (mopac_risk, mps_risk):
        _grant_change(
            risk, risk.owner, by=None, reason="Risk owner assigned", at=world_created_at
        )
    return World(mopac, mps, users, mopac_risk, mps_risk)
