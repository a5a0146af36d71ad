"""schemathesis against the live schema with a token of every role.

schemathesis reads the schema the app serves at /api/v1/schema/, generates
requests for every operation (valid and edge-case parameters) and sends them
through the app's own WSGI handler, in this process and inside the security
world's transaction. Every response to every role must be no 5xx, carry a
documented status code, content type and headers, and match the documented body.
Negative cases (parameters that break the schema) are sent as well.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks

from accounts import services

from .world import ANONYMOUS, ROLES

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
# Per operation, mode and role: about a minute on this machine.
EXAMPLES = 8


@pytest.fixture
def app():
    """Django's WSGI handler, kept from closing the test's database connection.

    The handler closes "old" connections when a request starts and finishes;
    inside the test's transaction that would close it (PostgreSQL) and lose the
    world. Django's own test client holds these signals back the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(sworld):
    return {
        role: services.token_create(owner=sworld.users[role], name="schemathesis")[1]
        for role in ROLES
        if role != ANONYMOUS
    }


@override_settings(API_THROTTLE_RATE="100000/min")
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    db, sworld, tokens, app
):
    cache.clear()
    auth = {"Authorization": f"Bearer {tokens['mopac-governance']}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", app, headers=auth
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11
    cases = [
        (operation, mode)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]
    for operation, mode in cases:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            for secret in tokens.values():
                headers = {"Authorization": f"Bearer {secret}"}
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

        run()
