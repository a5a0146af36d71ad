"""Hardening: sign-in lockout, error pages, CSRF, security headers."""

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse


def test_lockout_after_repeated_failures_with_clear_message(client, world):
    for _ in range(5):
        client.post(reverse("login"), {"username": "mopac-owner", "password": "nope"})
    response = client.post(
        reverse("login"),
        {"username": "mopac-owner", "password": "correct-horse-battery"},
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_successful_sign_in_before_the_limit(client, world):
    for _ in range(3):
        client.post(reverse("login"), {"username": "mopac-owner", "password": "nope"})
    response = client.post(
        reverse("login"),
        {"username": "mopac-owner", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302


def test_database_down_shows_clear_503_page(client, world):
    client.force_login(world.users["mopac-owner"])

    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        response = client.get(reverse("risks:list"))
    assert response.status_code == 503
    assert "cannot reach its database" in response.content.decode()


def test_csrf_is_enforced(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["mopac-governance"])
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "Your form has expired" in response.content.decode()


def test_security_headers(client, world):
    client.force_login(world.users["mopac-owner"])
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "'nonce-" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_inline_script_carries_the_nonce(client, world):
    client.force_login(world.users["mopac-owner"])
    response = client.get("/")
    html = response.content.decode()
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    scripts = html.count("<script")
    assert scripts == html.count(f'nonce="{nonce}"') + html.count('src="')


def test_admin_is_for_superusers_only(client, world):
    client.force_login(world.users["mopac-governance"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


@pytest.mark.parametrize("path", ["/", "/risks/", "/alignment/", "/risks/1/"])
def test_anonymous_is_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
