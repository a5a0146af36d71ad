"""Fixtures of the security tests."""

import pytest
from django.db import connection, transaction

from .world import build_world

POSTGRESQL_ONLY = (
    "Real concurrent writers and pg_dump need PostgreSQL; SQLite serialises every "
    "write. The PostgreSQL run (make test-postgres, mandatory under CI=true) "
    "executes this test."
)


@pytest.fixture(scope="module")
def sworld(django_db_setup, django_db_blocker):
    """Build the security world once per module; each test rolls back to it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRESQL_ONLY)
