"""Hardening, verified: deployment checks, passwords, sessions.

Sign-in lockout, the security headers, CSRF on sign-out and the admin refusing
non-staff users are tested in tests/test_security.py; the admin refusing staff
who are not superusers in test_break_in.py.
"""

import datetime
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ..factories import UserFactory

ROOT = Path(settings.BASE_DIR)


def deploy_check(secret_key: str | None) -> subprocess.CompletedProcess:
    """Run `manage.py check --deploy` with the production settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    env["DJANGO_SETTINGS_MODULE"] = "riskregister.settings.prod"
    # A database of its own: a fresh clone has no var/ folder for the default one.
    env["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/deploy-check.sqlite3"
    if secret_key is not None:
        env["DJANGO_SECRET_KEY"] = secret_key
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


@pytest.fixture(scope="module")
def strong_key_check() -> subprocess.CompletedProcess:
    return deploy_check(secrets.token_urlsafe(50))


def test_deploy_check_is_clean(strong_key_check):
    """No warning at all (guardian.W001 is silenced on purpose in base.py)."""
    output = strong_key_check.stdout + strong_key_check.stderr
    assert strong_key_check.returncode == 0, output
    assert "System check identified no issues" in output


def test_deploy_check_flags_a_weak_secret_key():
    result = deploy_check("x")
    assert "security.W009" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = deploy_check(None)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


# --- Passwords -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Sh0rt-pass", "too short"),
        ("password1234", "too common"),
        ("839201746582", "entirely numeric"),
        ("mopac-governance-2", "too similar"),
    ],
)
def test_weak_passwords_are_refused(db, password, reason):
    user = UserFactory(username="mopac-governance-2")
    with pytest.raises(ValidationError, match=reason):
        validate_password(password, user)


def test_a_long_passphrase_is_accepted(db):
    validate_password("correct horse battery staple", UserFactory())


# --- Sessions ------------------------------------------------------------------------


def sign_in(client: Client) -> None:
    UserFactory(username="reader")
    response = client.post(
        reverse("login"), {"username": "reader", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


def test_sessions_end_with_the_browser_and_after_a_working_day(db):
    client = Client()
    sign_in(client)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]  # ends with the browser
    assert cookie["httponly"]
    session = Session.objects.get(session_key=cookie.value)
    lifetime = session.expire_date - timezone.now()
    assert (
        datetime.timedelta(hours=7, minutes=59)
        < lifetime
        <= datetime.timedelta(hours=8)
    )


def test_an_expired_session_is_sent_to_sign_in(db):
    client = Client()
    sign_in(client)
    assert client.get(reverse("dashboard")).status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
