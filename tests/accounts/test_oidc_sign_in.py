"""Signing in through a real OpenID Provider: who gets in, and as what."""

import logging

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.adapters import RegisterSocialAccountAdapter
from risks import access
from risks.choices import Role
from risks.models import Membership, PanelMember, RiskUserObjectPermission
from risks.services import _grant_change
from tests.factories import OrganisationFactory, RiskFactory

from .conftest import (
    MOPAC_GOVERNANCE,
    MPS_GOVERNANCE,
    MPS_OWNERS,
    MPS_READERS,
    UNMAPPED,
    come_back,
    provider_sign_in,
    sign_in,
    start_sign_in,
)

User = get_user_model()
REASON = "from sign-in groups"


@pytest.fixture
def orgs(db):
    return {
        "mps": OrganisationFactory(
            short_name="MPS", name="Metropolitan Police Service", slug="mps"
        ),
        "mopac": OrganisationFactory(
            short_name="MOPAC",
            name="Mayor's Office for Policing and Crime",
            slug="mopac",
        ),
    }


def _user(account: str):
    return SocialAccount.objects.get(provider="mps", uid__endswith=f"#{account}").user


def test_the_sign_in_page_shows_a_button_per_provider(client, providers):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with MPS account" in page
    assert "Sign in with MOPAC account" in page
    assert 'action="/accounts/oidc/mps/login/"' in page
    assert 'name="password"' in page  # local passwords are on by default here


def test_a_get_asks_before_leaving_for_the_provider(client, providers):
    response = client.get("/accounts/oidc/mps/login/")
    assert response.status_code == 200
    assert "Continue to sign in" in response.content.decode()


def test_an_unknown_provider_is_not_found(client, providers):
    assert client.post("/accounts/oidc/nobody/login/").status_code == 404


def test_starting_a_sign_in_needs_the_csrf_token(providers):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/oidc/mps/login/").status_code == 403
    page = client.get("/accounts/login/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post("/accounts/oidc/mps/login/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_flow_uses_pkce_a_nonce_and_state(client, providers):
    response = client.post("/accounts/oidc/mps/login/")
    location = response["Location"]
    for part in ("code_challenge_method=S256", "code_challenge=", "nonce=", "state="):
        assert part in location


def test_governance_group_signs_in_as_mps_governance(client, providers, orgs):
    response = sign_in(client, "mps-gov-1")
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = _user("mps-gov-1")
    assert user.username == "gov@mps.test"
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.organisation.slug, membership.role) == ("mps", Role.GOVERNANCE)
    assert membership.history.get().history_change_reason == REASON
    assert client.get("/risks/?organisation=mps").status_code == 200
    assert access.can_manage_register(user, orgs["mps"])
    assert not access.can_manage_register(user, orgs["mopac"])


def test_the_same_person_signs_in_again_as_the_same_user(client, providers, orgs):
    sign_in(client, "mps-gov-1")
    client.logout()
    sign_in(client, "mps-gov-1")
    assert SocialAccount.objects.filter(uid__endswith="#mps-gov-1").count() == 1
    assert Membership.objects.get(user=_user("mps-gov-1")).history.count() == 1


def test_several_groups_give_the_highest_role(client, providers, orgs):
    sign_in(client, "mps-both")
    assert Membership.objects.get(user=_user("mps-both")).role == Role.GOVERNANCE
    sign_in(client, "mps-owner-1")
    assert Membership.objects.get(user=_user("mps-owner-1")).role == Role.RISK_OWNER


def test_the_panel_group_gives_the_panel_seat_and_no_organisation(
    client, providers, orgs
):
    assert sign_in(client, "panel-1").status_code == 302
    user = _user("panel-1")
    assert PanelMember.objects.filter(user=user).exists()
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("account", "says"),
    [
        ("unmapped-1", "not in any group that gives access"),
        ("no-groups-1", "did not say which groups you are in"),
        ("string-groups-1", "in a form this register cannot read"),
        ("two-orgs-1", "more than one organisation"),
        ("overage-1", "too many groups"),
    ],
)
def test_a_person_without_a_mapped_group_is_refused_and_nothing_created(
    client, providers, orgs, caplog, account, says
):
    users = User.objects.count()
    with caplog.at_level(logging.WARNING, logger="accounts.sign_in"):
        response = sign_in(client, account)
    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot sign in to the risk register" in page
    assert says in page
    assert "add you to the right group" in page
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session
    assert any("Sign-in refused" in r.message for r in caplog.records)


def test_an_organisation_missing_from_the_register_is_refused(client, providers, db):
    response = sign_in(client, "mps-gov-1")  # no "mps" organisation exists
    assert response.status_code == 403
    assert "not set up for your organisation" in response.content.decode()
    assert not User.objects.filter(username="gov@mps.test").exists()


@pytest.fixture
def mover(idp):
    yield "mps-mover"
    idp.set_claims("mps-mover", {"groups": [MPS_GOVERNANCE]})


def test_moving_groups_changes_the_role_at_next_sign_in_with_history(
    client, providers, orgs, idp, mover
):
    sign_in(client, mover)
    user = _user(mover)
    assert Membership.objects.get(user=user).role == Role.GOVERNANCE

    idp.set_claims(mover, {"groups": [MPS_READERS]})
    client.logout()
    assert sign_in(client, mover).status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.READER
    assert membership.post_title == "Reader"  # the title a sign-in gave follows
    history = list(membership.history.order_by("history_date", "history_id"))
    assert [h.role for h in history] == [Role.GOVERNANCE, Role.READER]
    assert {h.history_change_reason for h in history} == {REASON}
    assert all(h.history_user_id == user.pk for h in history)
    user = User.objects.get(pk=user.pk)
    assert not access.can_manage_register(user, orgs["mps"])


def test_a_post_title_typed_in_stays_when_the_role_changes(
    client, providers, orgs, idp, mover
):
    sign_in(client, mover)
    user = _user(mover)
    assert Membership.objects.get(user=user).post_title == "Governance officer"
    Membership.objects.filter(user=user).update(post_title="Head of Risk")
    idp.set_claims(mover, {"groups": [MPS_READERS]})
    client.logout()
    sign_in(client, mover)
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.post_title) == (Role.READER, "Head of Risk")


def test_owner_grants_survive_sign_ins_and_count_only_while_an_owner(
    client, providers, orgs, idp, mover
):
    idp.set_claims(mover, {"groups": [MPS_OWNERS]})
    sign_in(client, mover)
    user = _user(mover)
    risk = RiskFactory(organisation=orgs["mps"], owner=user)
    _grant_change(risk, user, by=None, reason="Risk owner assigned", at=None)
    delegated = RiskFactory(organisation=orgs["mps"])
    _grant_change(delegated, user, by=None, reason="Delegate added", at=None)
    risks = (risk, delegated)
    assert all(access.can_edit_risk(User.objects.get(pk=user.pk), r) for r in risks)
    grants = set(RiskUserObjectPermission.objects.filter(user=user))
    assert len(grants) == 2

    idp.set_claims(mover, {"groups": [MPS_READERS]})
    client.logout()
    sign_in(client, mover)
    assert not any(access.can_edit_risk(User.objects.get(pk=user.pk), r) for r in risks)
    # The named grants themselves are kept, only not counted while a reader...
    assert set(RiskUserObjectPermission.objects.filter(user=user)) == grants

    idp.set_claims(mover, {"groups": [UNMAPPED]})
    client.logout()
    assert sign_in(client, mover).status_code == 403
    # ...or while refused, their membership gone.
    assert set(RiskUserObjectPermission.objects.filter(user=user)) == grants

    idp.set_claims(mover, {"groups": [MPS_OWNERS]})
    sign_in(client, mover)
    assert all(access.can_edit_risk(User.objects.get(pk=user.pk), r) for r in risks)


def test_leaving_every_mapped_group_refuses_and_removes_the_membership(
    client, providers, orgs, idp, mover
):
    sign_in(client, mover)
    user = _user(mover)
    idp.set_claims(mover, {"groups": [UNMAPPED]})
    client.logout()
    response = sign_in(client, mover)
    assert response.status_code == 403
    assert not Membership.objects.filter(user=user).exists()
    removal = Membership.history.filter(user_id=user.pk).latest("history_date")
    assert (removal.history_type, removal.history_change_reason) == ("-", REASON)


def test_moving_to_the_other_organisation_follows_the_groups(
    client, providers, orgs, idp, mover
):
    sign_in(client, mover)
    idp.set_claims(mover, {"groups": [MOPAC_GOVERNANCE]})
    client.logout()
    sign_in(client, mover)
    membership = Membership.objects.get(user=_user(mover))
    assert membership.organisation == orgs["mopac"]


def test_a_disabled_user_is_refused(client, providers, orgs):
    sign_in(client, "mps-gov-1")
    User.objects.filter(username="gov@mps.test").update(is_active=False)
    client.logout()
    response = sign_in(client, "mps-gov-1")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your account on the risk register is disabled" in page
    assert "add you to the right group" not in page  # groups would not help
    assert "_auth_user_id" not in client.session


def test_an_existing_local_user_with_the_same_name_is_never_taken_over(
    client, providers, orgs
):
    local = User.objects.create_user("gov@mps.test", password="local-password-1")
    sign_in(client, "mps-gov-1")
    user = _user("mps-gov-1")
    assert user.pk != local.pk
    assert not Membership.objects.filter(user=local).exists()


def test_a_person_is_never_matched_on_their_e_mail_address(client, providers, orgs):
    local = User.objects.create_user(
        "risk-team", email="risk.team@mps.test", password="local-password-1"
    )
    assert sign_in(client, "mps-mailbox-1").status_code == 302
    user = _user("mps-mailbox-1")
    claims = SocialAccount.objects.get(user=user).extra_data["id_token"]
    assert claims["email"] == local.email  # the provider did send the address
    assert user.pk != local.pk
    assert int(client.session["_auth_user_id"]) == user.pk
    assert not SocialAccount.objects.filter(user=local).exists()


def test_a_sign_in_makes_a_fixed_number_of_queries(
    client, providers, orgs, django_assert_num_queries
):
    from tests.oidc.server import provider_sign_in

    from .conftest import come_back, start_sign_in

    sign_in(client, "mps-gov-1")  # the first sign-in creates the user: 37 queries
    client.logout()
    back = provider_sign_in(start_sign_in(client), "mps-gov-1")
    # Session, account lookup and refresh, organisation, membership and panel seat
    # (locked, unchanged), django-axes' access log, the new session.
    with django_assert_num_queries(29):
        assert come_back(client, back).status_code == 302


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("/risks/", "/risks/"), ("https://attacker.example/", "/")],
)
def test_the_person_lands_where_they_were_going_but_never_off_site(
    client, providers, orgs, next_url, lands_on
):
    from tests.oidc.server import provider_sign_in

    from .conftest import come_back

    response = client.post("/accounts/oidc/mps/login/", {"next": next_url})
    back = provider_sign_in(response["Location"], "mps-gov-1")
    assert come_back(client, back)["Location"] == lands_on


def test_a_person_is_their_issuer_and_subject(client, providers, orgs, idp):
    sign_in(client, "mps-gov-1")
    account = SocialAccount.objects.get()
    assert account.uid == f"{idp.issuer}#mps-gov-1"
    assert account.provider == "mps"


def test_the_same_subject_at_another_tenant_is_another_person(
    client, providers, orgs, idp, second_tenant_idp
):
    # Each tenant issues its own subjects; the same "sub" from two is two people.
    providers(tenant2=second_tenant_idp.issuer)
    sign_in(client, "mps-gov-1")
    client.logout()
    sign_in(client, "mps-gov-1", name="tenant2")
    uids = set(SocialAccount.objects.values_list("uid", flat=True))
    assert uids == {
        f"{idp.issuer}#mps-gov-1",
        f"{second_tenant_idp.issuer}#mps-gov-1",
    }
    assert len({account.user_id for account in SocialAccount.objects.all()}) == 2


def _with_oid(settings, idp) -> None:
    import json

    from accounts.provider_config import parse_providers

    from .conftest import provider_entry

    entry = {**provider_entry("mps", idp.issuer), "subject_claim": "oid"}
    settings.OIDC_PROVIDERS = parse_providers(json.dumps([entry]))


def test_entras_oid_can_identify_the_person(client, providers, orgs, idp, settings):
    _with_oid(settings, idp)
    assert sign_in(client, "mps-oid-1").status_code == 302
    uid = SocialAccount.objects.get().uid
    assert uid == f"{idp.issuer}#5e1f0c3a-7b2d-4e8f-9a6c-1d2e3f4a5b6c"


def test_a_token_without_the_configured_subject_claim_is_refused(
    client, providers, orgs, idp, settings
):
    _with_oid(settings, idp)
    response = sign_in(client, "mps-gov-1")  # no oid claim
    assert response.status_code == 400
    assert "Sign-in did not complete" in response.content.decode()
    assert not SocialAccount.objects.exists()


def test_two_first_sign_ins_at_once_make_one_person(
    client, providers, orgs, monkeypatch
):
    """Two tabs both find no account; the one that saves second joins the first."""
    other_tab = Client()
    other_callback = provider_sign_in(start_sign_in(other_tab), "mps-gov-1")
    save_user = RegisterSocialAccountAdapter.save_user

    def save_after_the_other_tab(adapter, request, sociallogin, form=None):
        # The other tab's whole sign-in lands between this one's look-up and save.
        monkeypatch.setattr(RegisterSocialAccountAdapter, "save_user", save_user)
        assert come_back(other_tab, other_callback).status_code == 302
        return save_user(adapter, request, sociallogin, form)

    monkeypatch.setattr(
        RegisterSocialAccountAdapter, "save_user", save_after_the_other_tab
    )
    response = sign_in(client, "mps-gov-1")
    assert (response.status_code, response["Location"]) == (302, "/")
    user = _user("mps-gov-1")
    assert SocialAccount.objects.filter(uid__endswith="#mps-gov-1").count() == 1
    assert User.objects.filter(username__startswith="gov@mps").count() == 1
    assert Membership.objects.get(user=user).history.count() == 1
    for tab in (client, other_tab):
        assert int(tab.session["_auth_user_id"]) == user.pk
