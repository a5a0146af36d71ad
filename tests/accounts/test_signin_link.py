"""Break-glass: `manage.py signin_link <username>` for superusers only."""

import io
import logging
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import SignInLink
from accounts.services import signin_link_create

User = get_user_model()


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("admin", password="unused-password-1")


def _link(username: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("signin_link", username, stdout=out, stderr=err)
    assert "Valid once, for 10 minutes" in err.getvalue()
    return urlsplit(out.getvalue().strip()).path


def test_a_superuser_link_signs_in_once(client, admin, caplog, settings):
    settings.AUTH_LOCAL_PASSWORDS = False  # needs no password
    with caplog.at_level(logging.WARNING, logger="accounts.sign_in"):
        path = _link("admin")
    created = [
        r.getMessage() for r in caplog.records if "created for admin" in r.getMessage()
    ]
    assert created and "by OS user " in created[0]
    link = SignInLink.objects.get()
    assert link.created_by
    lifetime = link.expires_at - link.created_at
    assert timedelta(minutes=9, seconds=55) < lifetime <= timedelta(minutes=10)

    page = client.get(path)  # a GET (a link preview) spends nothing
    assert page.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(path)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)

    client.logout()
    again = client.post(path)
    assert again.status_code == 410
    assert "cannot be used" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_link_still_works_after_nine_minutes(client, admin):
    token = signin_link_create(
        user=admin, created_by="ops", now=timezone.now() - timedelta(minutes=9)
    )
    assert client.post(f"/accounts/signin-link/{token}/").status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


def test_an_expired_link_is_refused(client, admin):
    token = signin_link_create(
        user=admin, created_by="ops", now=timezone.now() - timedelta(minutes=11)
    )
    assert client.post(f"/accounts/signin-link/{token}/").status_code == 410
    assert "_auth_user_id" not in client.session


def test_an_unknown_link_is_refused(client, db):
    assert client.post("/accounts/signin-link/not-a-token/").status_code == 410


def test_only_the_digest_is_stored(admin):
    token = signin_link_create(user=admin, created_by="ops")
    assert token not in SignInLink.objects.get().token_digest


def test_links_are_refused_for_anyone_but_a_superuser(world):
    with pytest.raises(CommandError, match="not an active superuser"):
        call_command("signin_link", "mopac-governance", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No user named"):
        call_command("signin_link", "nobody", stdout=io.StringIO())
    assert not SignInLink.objects.exists()


def test_a_link_of_a_user_no_longer_superuser_is_refused(client, admin):
    token = signin_link_create(user=admin, created_by="ops")
    User.objects.filter(pk=admin.pk).update(is_superuser=False)
    assert client.post(f"/accounts/signin-link/{token}/").status_code == 410


def test_the_admin_lists_links_read_only_and_hides_allauths_app_pages(client, admin):
    signin_link_create(user=admin, created_by="ops")
    client.force_login(admin)
    page = client.get("/admin/accounts/signinlink/")
    assert page.status_code == 200 and "ops" in page.content.decode()
    link = SignInLink.objects.get()
    assert (
        client.post(f"/admin/accounts/signinlink/{link.pk}/delete/").status_code == 403
    )
    assert client.get("/admin/socialaccount/socialapp/").status_code == 404
    assert client.get("/admin/socialaccount/socialaccount/").status_code == 200


def test_the_sign_in_log_keeps_role_changes_as_well_as_refusals():
    sign_in_log = logging.getLogger("accounts.sign_in")
    assert sign_in_log.isEnabledFor(logging.INFO)
    assert sign_in_log.handlers  # written out, not left to the root's WARNING level
