"""Personal access tokens: made, shown once, stored hashed, revoked, in history."""

import datetime
import hashlib
import io
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, services, tokens
from accounts.models import ApiToken

from ..api.conftest import Api

TOKENS = reverse("accounts:tokens")
RISKS = reverse("api:risks")


def make(user, **options):
    return services.token_create(owner=user, name="Dashboard", **options)


def test_token_is_stored_as_its_sha256_only(world):
    token, secret = make(world.users["mopac-reader"])
    assert secret.startswith("rrt_") and len(secret) == 4 + 43
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    stored = ApiToken.objects.filter(pk=token.pk).values_list()[0]
    assert secret not in [str(v) for v in stored]


def test_two_tokens_never_share_a_secret(world):
    secrets = {make(world.users["mopac-reader"])[1] for _ in range(20)}
    assert len(secrets) == 20


@pytest.mark.parametrize("days", [0, -1, 366])
def test_expiry_is_at_most_a_year(world, days):
    with pytest.raises(ValidationError):
        make(world.users["mopac-reader"], days=days)
    assert not ApiToken.objects.exists()


def test_a_year_is_allowed(world):
    token, _ = make(world.users["mopac-reader"], days=365)
    assert token.expires_at - token.created_at == datetime.timedelta(days=365)


def test_nobody_makes_a_token_for_someone_else(world):
    with pytest.raises(PermissionDenied):
        services.token_create(
            owner=world.users["mopac-reader"],
            user=world.users["mopac-governance"],
            name="Someone else's",
        )


def test_creation_and_revocation_are_in_history(world):
    owner = world.users["mopac-reader"]
    token, _ = services.token_create(owner=owner, user=owner, name="Dashboard")
    services.token_revoke(token=token, user=world.users["mopac-governance"])
    history = list(token.history.order_by("history_date", "history_id"))
    assert [(h.history_type, h.history_change_reason) for h in history] == [
        ("+", "Token created"),
        ("~", "Token revoked"),
    ]
    assert history[0].history_user == owner
    assert history[1].history_user == world.users["mopac-governance"]
    assert history[1].revoked_by == world.users["mopac-governance"]


# --- Who sees and revokes which tokens ----------------------------------------


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("mopac-reader", True),  # their own
        ("mopac-governance", True),  # their organisation's member
        ("mopac-owner", False),
        ("mps-governance", False),  # another organisation's
        ("panel", False),
        ("outsider", False),
    ],
)
def test_who_may_see_and_revoke_a_token(client, world, viewer, sees):
    token, _ = make(world.users["mopac-reader"])
    assert (
        selectors.manageable_tokens(world.users[viewer]).filter(pk=token.pk).exists()
        is sees
    )
    client.force_login(world.users[viewer])
    page = client.get(TOKENS)
    assert (token.prefix in page.text) is sees
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    if sees:
        assert response.status_code == 302
        assert token.revoked_at is not None
    else:
        assert response.status_code == 404
        assert token.revoked_at is None


def test_the_page_says_when_and_by_whom_a_token_was_revoked(
    client, world, django_assert_num_queries
):
    reader, officer = world.users["mopac-reader"], world.users["mopac-governance"]
    for name in ("Power BI", "Oversight tool", "Spare"):
        token, _ = services.token_create(owner=reader, name=name)
        services.token_revoke(token=token, user=officer)
    token.refresh_from_db()
    client.force_login(officer)
    client.get(TOKENS)  # warm the session and the membership caches
    with django_assert_num_queries(4):  # the same whatever the number of tokens
        page = client.get(TOKENS)
    when = timezone.localtime(token.revoked_at).strftime("%-d %B %Y %H:%M")
    post = officer.membership.post_title
    assert f"{when} by mopac-governance ({post})" in page.text
    assert page.text.count("by mopac-governance") == 3


def test_revoke_is_post_only(client, world):
    token, _ = make(world.users["mopac-reader"])
    client.force_login(world.users["mopac-reader"])
    assert (
        client.get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    )


def test_tokens_page_needs_sign_in(client, world):
    response = client.get(TOKENS)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- The page: made, shown once ----------------------------------------------------


def test_page_makes_a_token_and_shows_it_once(client, world):
    user = world.users["mopac-reader"]
    client.force_login(user)
    response = client.post(TOKENS, {"name": "Board dashboard", "days": "30"})
    assert response.status_code == 200
    assert (
        "no-store" in response["Cache-Control"]
        or "max-age=0" in response["Cache-Control"]
    )
    token = ApiToken.objects.get(user=user)
    secret = response.context["secret"]
    assert tokens.digest(secret) == token.digest
    assert f'value="{secret}"' in response.text
    assert "it will not be shown again" in response.text
    again = client.get(TOKENS)
    assert secret not in again.text and token.prefix in again.text
    assert Api(secret).get(RISKS).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "days": "30"}, "Enter what the token is for"),
        ({"name": "x", "days": "400"}, "A token can last at most 365 days"),
        ({"name": "x", "days": "0"}, "A token must last at least 1 day"),
        ({"name": "x", "days": "soon"}, "Enter the number of days as a whole number"),
    ],
)
def test_page_refuses_bad_input_with_a_clear_message(client, world, data, message):
    client.force_login(world.users["mopac-reader"])
    response = client.post(TOKENS, data)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert not ApiToken.objects.exists()


def test_page_needs_csrf(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["mopac-reader"])
    assert client.post(TOKENS, {"name": "x", "days": "30"}).status_code == 403
    assert not ApiToken.objects.exists()


# --- 401 for every token that is not valid now ----------------------------------


def _expired(user) -> str:
    token, secret = make(user, days=1)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    return secret


def _revoked(user) -> str:
    token, secret = make(user)
    services.token_revoke(token=token, user=user)
    return secret


@pytest.mark.parametrize(
    "header",
    [
        None,  # missing
        "Bearer",
        "Bearer ",
        "Bearer rrt_x rrt_y",
        "Bearer not-a-token",
        "Bearer rrt_" + "A" * 43,  # well-formed, unknown
        "Bearer rrt_" + "é" * 10,
        "Basic dXNlcjpwYXNz",
        "Token rrt_abc",
        "EXPIRED",
        "REVOKED",
        "INACTIVE",
    ],
)
def test_invalid_tokens_get_401(client, world, header):
    user = world.users["mopac-reader"]
    if header == "EXPIRED":
        header = f"Bearer {_expired(user)}"
    elif header == "REVOKED":
        header = f"Bearer {_revoked(user)}"
    elif header == "INACTIVE":
        secret = make(world.users["mopac-owner"])[1]
        world.users["mopac-owner"].is_active = False
        world.users["mopac-owner"].save()
        header = f"Bearer {secret}"
    headers = {"Authorization": header} if header else {}
    response = client.get(RISKS, headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "results" not in response.json()


def test_revoked_token_stops_at_once(world):
    user = world.users["mopac-reader"]
    token, secret = make(user)
    api = Api(secret)
    assert api.get(RISKS).status_code == 200
    services.token_revoke(token=token, user=user)
    assert api.get(RISKS).status_code == 401


def test_a_token_follows_its_owners_rights(world):
    user = world.users["mopac-reader"]
    api = Api(make(user)[1])
    assert api.ids(RISKS) == {world.mopac_risk.pk}
    user.membership.organisation = world.mps
    user.membership.save()
    assert api.ids(RISKS) == {world.mps_risk.pk}


# --- Last use, throttling, logging -----------------------------------------------


@override_settings(API_TOKEN_LAST_USED_SECONDS=300)
def test_last_use_is_written_once_per_granularity(world, django_assert_num_queries):
    token, secret = make(world.users["mopac-reader"])
    api = Api(secret)
    api.get(reverse("api:organisations"))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    # Within the granularity: token (with user), organisations, count; no write.
    with django_assert_num_queries(3):
        api.get(reverse("api:organisations"))
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=first - datetime.timedelta(seconds=301)
    )
    api.get(reverse("api:organisations"))
    token.refresh_from_db()
    assert token.last_used_at > first
    assert token.history.count() == 1  # last use is not a change of the token


@override_settings(API_THROTTLE_RATE="3/min")
def test_throttled_per_token_with_retry_after(world):
    from django.core.cache import cache

    cache.clear()
    first = Api(make(world.users["mopac-reader"])[1])
    second = Api(make(world.users["mopac-reader"], days=2)[1])
    path = reverse("api:organisations")
    assert [first.get(path).status_code for _ in range(3)] == [200] * 3
    refused = first.get(path)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert second.get(path).status_code == 200  # counted per token
    cache.clear()


def test_each_request_is_logged_with_the_token_id_not_the_token(world, caplog):
    token, secret = make(world.users["mopac-reader"])
    with caplog.at_level(logging.INFO, logger="api.requests"):
        Api(secret).get(RISKS)
    (record,) = [r for r in caplog.records if r.name == "api.requests"]
    assert f"token={token.pk}" in record.getMessage()
    assert "status=200" in record.getMessage()
    assert secret not in caplog.text and token.digest not in caplog.text


# --- The command -------------------------------------------------------------------


def test_create_api_token_prints_a_working_token(world):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "mopac-reader",
        "--name",
        "Nightly sync",
        "--days",
        "7",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.digest == tokens.digest(secret)
    assert token.name == "Nightly sync" and token.created_by is None
    assert token.expires_at - token.created_at == datetime.timedelta(days=7)
    assert "not shown again" in err.getvalue()
    assert Api(secret).ids(RISKS) == {world.mopac_risk.pk}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "--name", "x"], "There is no user 'nobody'"),
        (["mopac-reader", "--name", "x", "--days", "400"], "1 to 365 days"),
        (["mopac-reader", "--name", " "], "--name must not be empty"),
    ],
)
def test_create_api_token_refuses_bad_input(world, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_token_as_the_password_of_basic_credentials(client, world):
    """How Power BI sends a token kept as a data-source credential."""
    import base64

    token, secret = make(world.users["mopac-reader"])

    def basic(user: str, password: str) -> dict:
        raw = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    response = client.get(RISKS, headers=basic("powerbi", secret))
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {world.mopac_risk.pk}
    # A person's password is never accepted there, only a token.
    world.users["mopac-reader"].set_password("a-long-password-1")
    world.users["mopac-reader"].save()
    for headers in (
        basic("mopac-reader", "a-long-password-1"),
        basic("powerbi", secret[:-1]),
        {"Authorization": "Basic !!!"},
    ):
        assert client.get(RISKS, headers=headers).status_code == 401
    services.token_revoke(token=token, user=world.users["mopac-reader"])
    assert client.get(RISKS, headers=basic("powerbi", secret)).status_code == 401
