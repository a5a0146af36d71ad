"""Login, the landing page and the health check."""

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from ..factories import RiskFactory


def test_login_page_renders_without_gov_uk_branding(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in" in html
    assert "govuk-generic-header" in html
    assert "Skip to main content" in html
    assert "crown" not in html.lower()


def test_anonymous_landing_redirects_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_bad_password_shows_error_summary(client, world):
    response = client.post(
        reverse("login"), {"username": "mopac-owner", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_login_then_landing_shows_role_and_my_risks(client, world):
    response = client.post(
        reverse("login"),
        {"username": "mopac-owner", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "Director of Strategy" in page
    assert "Risk owner" in page
    assert world.mopac_risk.reference in page
    assert "12 High" in page  # current score 3 × 4 and its band
    assert world.mps_risk.reference not in page


def test_my_risks_lists_only_open_risks_i_own(client, world):
    RiskFactory(
        organisation=world.mopac,
        reference="MOPAC-R09",
        owner=world.users["mopac-owner"],
        status="closed",
        closed_on="2019-09-01",
    )
    client.force_login(world.users["mopac-owner"])
    page = client.get("/").content.decode()
    assert "MOPAC-R09" not in page


def test_panel_member_landing(client, world):
    client.force_login(world.users["panel"])
    page = client.get("/").content.decode()
    assert "Audit Panel member" in page


def test_logout_is_post_only(client, world):
    client.force_login(world.users["mopac-owner"])
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}


@pytest.mark.django_db
def test_healthz_503_when_database_fails(client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("database is down")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
