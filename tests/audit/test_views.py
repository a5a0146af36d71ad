"""The history integrity page: governance officers only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from audit.models import Erasure, Verification
from audit.sealing import seal_history
from audit.verification import verify_history

URL = reverse("risks:history_integrity")


@pytest.mark.parametrize("username", ["mopac-governance", "mps-governance"])
def test_governance_sees_the_last_seal_and_verification(client, world, username):
    seal = seal_history(note="Quarter end")
    outcome = verify_history()
    Erasure.objects.create(
        erased_at=seal.sealed_at,
        table="risks_historicalrisk",
        history_ids=[1, 2],
        reason="Court order 2026/117",
        requested_by="Data Protection Officer",
        run_by="registeradmin",
    )
    client.force_login(world.users[username])

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert seal.digest in html and "Quarter end" in html
    assert outcome.message in html and "Verified" in html
    verified_at = Verification.objects.get().verified_at
    assert date_format(localtime(verified_at), "j F Y H:i") in html
    assert date_format(localtime(seal.sealed_at), "j F Y H:i") in html
    assert "Court order 2026/117" in html and "Data Protection Officer" in html


def test_a_failed_verification_shows_as_failed(client, world):
    verify_history()  # nothing sealed yet: not a pass
    client.force_login(world.users["mopac-governance"])

    html = client.get(URL).content.decode()

    assert "Failed" in html and "never been sealed" in html
    assert "History has not been sealed yet" in html


def test_the_page_is_linked_from_the_periods_page(client, world):
    client.force_login(world.users["mopac-governance"])
    assert URL in client.get(reverse("risks:periods")).content.decode()


@pytest.mark.parametrize(
    "username",
    ["mopac-reader", "mopac-owner", "mps-reader", "mps-owner", "panel", "outsider"],
)
def test_everyone_else_is_refused(client, world, username):
    client.force_login(world.users[username])
    assert client.get(URL).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_page_is_read_only(client, world):
    client.force_login(world.users["mopac-governance"])
    assert client.post(URL).status_code == 405


def test_the_page_costs_the_same_queries_however_many_seals(
    client, world, django_assert_num_queries
):
    seal_history()
    verify_history()
    client.force_login(world.users["mopac-governance"])
    client.get(URL)  # the session and membership lookups settle
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL).status_code == 200
    for _ in range(11):
        seal_history()

    with django_assert_num_queries(len(first)):
        assert client.get(URL).status_code == 200
