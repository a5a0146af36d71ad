"""AUTH_LOCAL_PASSWORDS: for the demo and break-glass only, off in production."""

import json
import os
import subprocess
import sys

from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.urls import reverse

PASSWORD = "correct-horse-battery"


def test_with_passwords_on_a_password_signs_in(client, world, settings):
    settings.AUTH_LOCAL_PASSWORDS = True
    response = client.post(
        reverse("login"), {"username": "mopac-owner", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_with_passwords_off_a_password_post_signs_nobody_in(
    client, world, settings, providers
):
    settings.AUTH_LOCAL_PASSWORDS = False
    response = client.post(
        reverse("login"), {"username": "mopac-owner", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Passwords are not accepted here" in page
    assert 'name="password"' not in page
    # django-axes still counts the attempt against that username.
    attempt = AccessAttempt.objects.get(username="mopac-owner")
    assert attempt.failures_since_start == 1


def test_with_passwords_off_the_page_shows_only_the_providers(
    client, settings, providers
):
    settings.AUTH_LOCAL_PASSWORDS = False
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with MPS account" in page
    assert "Sign in with MOPAC account" in page
    assert 'name="password"' not in page
    assert 'name="username"' not in page


def test_with_passwords_off_the_admin_refuses_passwords_too(client, db, settings):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    settings.AUTH_LOCAL_PASSWORDS = False
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def _setting_in(module: str, name: str, **env: str) -> str:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("AUTH_LOCAL_PASSWORDS",)
    }
    environment.update(DJANGO_SECRET_KEY="x" * 50, **env)
    code = f"import {module} as s; print(s.{name})"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=django_settings.BASE_DIR,
        check=False,
    )
    return (result.stdout + result.stderr).strip()


def test_passwords_are_on_in_development_and_off_in_production():
    assert _setting_in("riskregister.settings.dev", "AUTH_LOCAL_PASSWORDS") == "True"
    assert _setting_in("riskregister.settings.prod", "AUTH_LOCAL_PASSWORDS") == "False"
    on = _setting_in(
        "riskregister.settings.prod",
        "AUTH_LOCAL_PASSWORDS",
        AUTH_LOCAL_PASSWORDS="true",
    )
    assert on == "True"


def test_malformed_providers_json_stops_the_start_with_a_clear_error():
    out = _setting_in(
        "riskregister.settings.dev", "OIDC_PROVIDERS", OIDC_PROVIDERS='[{"name": '
    )
    assert "ImproperlyConfigured: OIDC_PROVIDERS is not valid JSON" in out


def test_providers_come_from_the_environment_and_may_receive_forms():
    entry = {
        "name": "mps",
        "label": "Sign in with MPS account",
        "issuer": "https://login.microsoftonline.com/11111111-1111-4111-8111-111111111111/v2.0",
        "client_id": "register",
        "client_secret": "from-the-key-vault",
        "groups": {"g-gov": "mps:governance"},
    }
    env = {"OIDC_PROVIDERS": json.dumps([entry])}
    providers = _setting_in("riskregister.settings.prod", "OIDC_PROVIDERS", **env)
    assert providers.startswith("(Provider(name='mps'")
    assert "from-the-key-vault" not in providers  # the secret is never printed
    # The sign-in and sign-out buttons redirect there: the CSP must allow it.
    form_action = _setting_in(
        "riskregister.settings.prod", "SECURE_CSP['form-action']", **env
    )
    assert "'https://login.microsoftonline.com'" in form_action
