"""Every role × both organisations' risks × every register view, GET and POST.

The expected outcome is written out from DESIGN.md §5, not derived from
risks.access, so that a change to the selectors that breaks the rules fails here.
A denied POST must change nothing: every tracked row and history table is
compared before and after.
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import reverse

from alignment.models import AlignmentLink, LinkStatus
from risks import access, services
from risks.choices import Role
from risks.models import (
    Action,
    Control,
    ReportingPeriod,
    Review,
    Risk,
    RiskUserObjectPermission,
)
from risks.services import _grant_change

from ..factories import (
    ActionFactory,
    ControlFactory,
    MembershipFactory,
    OrganisationFactory,
    PanelMemberFactory,
    ReportingPeriodFactory,
    ReviewFactory,
    RiskFactory,
    ThemeFactory,
    UserFactory,
)
from .test_edit_views import (
    ACTION,
    CONTROL,
    NEW_RISK,
    WORLD_MEMBERS,
    child_data,
    edit_data,
)

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db

ROLES = (
    "mopac-governance",
    "mopac-owner",
    "mopac-reader",
    "mps-governance",
    "mps-owner",
    "mps-reader",
    "panel",
    "outsider",
    "anonymous",
)
# What a role may do with a risk. NONE: the risk does not exist for them (404).
NONE, VIEW, EDIT, MANAGE = range(4)

# The risks of the matrix world:
#   mopac-owned      MOPAC, owned by mopac-owner, unaligned (a proposal only)
#   mopac-delegated  MOPAC, no owner, mopac-owner is a delegate
#   mopac-aligned    MOPAC, no owner, agreed link with mps-owned
#   mps-owned        MPS, owned by mps-owner, agreed link with mopac-aligned
#   mps-other        MPS, no owner, unaligned (a proposal only)
RISKS = ("mopac-owned", "mopac-delegated", "mopac-aligned", "mps-owned", "mps-other")
ACCESS = {
    "mopac-governance": {
        "mopac-owned": MANAGE,
        "mopac-delegated": MANAGE,
        "mopac-aligned": MANAGE,
        "mps-owned": VIEW,
        "mps-other": NONE,
    },
    "mopac-owner": {
        "mopac-owned": EDIT,
        "mopac-delegated": EDIT,
        "mopac-aligned": VIEW,
        "mps-owned": VIEW,
        "mps-other": NONE,
    },
    "mopac-reader": {
        "mopac-owned": VIEW,
        "mopac-delegated": VIEW,
        "mopac-aligned": VIEW,
        "mps-owned": VIEW,
        "mps-other": NONE,
    },
    "mps-governance": {
        "mopac-owned": NONE,
        "mopac-delegated": NONE,
        "mopac-aligned": VIEW,
        "mps-owned": MANAGE,
        "mps-other": MANAGE,
    },
    "mps-owner": {
        "mopac-owned": NONE,
        "mopac-delegated": NONE,
        "mopac-aligned": VIEW,
        "mps-owned": EDIT,
        "mps-other": VIEW,
    },
    "mps-reader": {
        "mopac-owned": NONE,
        "mopac-delegated": NONE,
        "mopac-aligned": VIEW,
        "mps-owned": VIEW,
        "mps-other": VIEW,
    },
    "panel": {
        "mopac-owned": NONE,
        "mopac-delegated": NONE,
        "mopac-aligned": VIEW,
        "mps-owned": VIEW,
        "mps-other": NONE,
    },
    "outsider": dict.fromkeys(RISKS, NONE),
}
GOVERNANCE = {"mopac-governance": "mopac", "mps-governance": "mps"}


@dataclass
class Matrix:
    users: dict
    organisations: dict
    risks: dict
    controls: dict
    actions: dict
    periods: dict


# The people of the shared `world` fixture (tests/conftest.py), rebuilt once per
# module here: a thousand cases cannot each afford a fresh world.
# test_edit_views.test_world_members_match_the_shared_fixture keeps them in step.


def _build_people() -> tuple[dict, dict]:
    organisations = {
        "mopac": OrganisationFactory(
            short_name="MOPAC",
            name="Mayor's Office for Policing and Crime",
            slug="mopac",
        ),
        "mps": OrganisationFactory(
            short_name="MPS", name="Metropolitan Police Service", slug="mps"
        ),
    }
    users = {}
    for slug, organisation in organisations.items():
        for suffix, role, post in WORLD_MEMBERS:
            user = UserFactory(username=f"{slug}-{suffix}")
            MembershipFactory(
                user=user, organisation=organisation, role=role, post_title=post
            )
            users[user.username] = user
    users["panel"] = UserFactory(username="panel")
    PanelMemberFactory(user=users["panel"])
    users["outsider"] = UserFactory(username="outsider")
    return organisations, users


def _link(proposer, partner, theme, status, users) -> None:
    AlignmentLink.objects.create(
        proposer_risk=proposer,
        partner_risk=partner,
        theme=theme,
        rationale="Both turn on community confidence.",
        status=status,
        proposed_by_organisation=proposer.organisation,
        proposed_by=users[f"{proposer.organisation.slug}-governance"],
    )


def _build_matrix() -> Matrix:
    organisations, users = _build_people()
    mopac, mps = organisations["mopac"], organisations["mps"]
    risks = {
        "mopac-owned": RiskFactory(
            organisation=mopac, reference="MOPAC-R01", owner=users["mopac-owner"]
        ),
        "mopac-delegated": RiskFactory(organisation=mopac, reference="MOPAC-R02"),
        "mopac-aligned": RiskFactory(organisation=mopac, reference="MOPAC-R03"),
        "mps-owned": RiskFactory(
            organisation=mps, reference="MPS-R01", owner=users["mps-owner"]
        ),
        "mps-other": RiskFactory(organisation=mps, reference="MPS-R02"),
    }
    for key in ("mopac-owned", "mps-owned"):
        _grant_change(risks[key], risks[key].owner, by=None, reason="Owner", at=None)
    services.risk_delegate_add(
        risk=risks["mopac-delegated"],
        delegate=users["mopac-owner"],
        user=users["mopac-governance"],
    )
    theme = ThemeFactory(name="Community engagement", slug="community-engagement")
    _link(risks["mopac-aligned"], risks["mps-owned"], theme, LinkStatus.AGREED, users)
    # Proposals that were never agreed must grant nothing.
    _link(risks["mopac-owned"], risks["mps-other"], theme, LinkStatus.PROPOSED, users)
    periods = {
        slug: ReportingPeriodFactory(organisation=org)
        for slug, org in organisations.items()
    }
    for risk in risks.values():
        # Reviewed already, so that an allowed period close succeeds.
        slug = risk.organisation.slug
        ReviewFactory(
            risk=risk, period=periods[slug], reviewed_by=users[f"{slug}-governance"]
        )
    return Matrix(
        users=users,
        organisations=organisations,
        risks=risks,
        controls={key: ControlFactory(risk=risk) for key, risk in risks.items()},
        actions={key: ActionFactory(risk=risk) for key, risk in risks.items()},
        periods=periods,
    )


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """Build the matrix world once; each test's own transaction rolls back to it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_matrix()
        transaction.set_rollback(True)


def snapshot() -> dict:
    """Every row a write page could touch, and the size of every history table."""
    models = (Risk, Control, Action, Review, ReportingPeriod, RiskUserObjectPermission)
    rows = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    rows["themes"] = list(Risk.themes.through.objects.order_by("pk").values())
    rows["history"] = {m.__name__: m.history.count() for m in models}
    return rows


def expected_outcome(role: str, have: int, needs: int, method: str) -> str:
    if role == "anonymous":
        return "login"
    if have == NONE:
        return "404"
    if have < needs:
        return "403"
    return "200" if method == "GET" else "302"


def assert_outcome(response, expected: str) -> None:
    login = reverse("login")
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(f"{login}?next=")
    elif expected == "302":
        assert response.status_code == 302, response.content.decode()[:3000]
        assert not response.url.startswith(login)
    else:
        assert response.status_code == int(expected)


def _request(client, matrix: Matrix, role: str, method: str, url: str, data: dict):
    if role != "anonymous":
        client.force_login(matrix.users[role])
    if method == "GET":
        return client.get(url)
    return client.post(url, data)


def _check_writes(before: dict, expected: str) -> None:
    after = snapshot()
    if expected == "302":
        assert after != before  # the allowed POST really did something
    else:
        assert after == before  # denied (or a GET): nothing changed at all


# --- Views of one risk, its controls and its actions ----------------------------


def _owner_payload(m: Matrix, key: str) -> dict:
    org = m.risks[key].organisation.slug
    governance = m.users[f"{org}-governance"]
    return {"step": "owner", "owner": governance.pk, "owner_post": "Head of Governance"}


def _review_payload(m: Matrix, key: str) -> dict:
    period = m.periods[m.risks[key].organisation.slug]
    return {"period": period.pk, "likelihood": "2", "impact": "2", "commentary": "Ok"}


@dataclass(frozen=True)
class RiskView:
    needs: int
    target: str  # which object's pk the URL takes
    payload: object = None  # (matrix, risk key) → POST data; None: GET only


RISK_VIEWS = {
    "detail": RiskView(VIEW, "risks"),
    "update": RiskView(
        EDIT, "risks", lambda m, k: edit_data(m.risks[k], title="Changed in matrix")
    ),
    "close": RiskView(MANAGE, "risks", lambda m, k: {"reason": "No longer a risk"}),
    "owner": RiskView(MANAGE, "risks", _owner_payload),
    "review_create": RiskView(EDIT, "risks", _review_payload),
    "control_create": RiskView(EDIT, "risks", lambda m, k: CONTROL),
    "control_update": RiskView(
        EDIT,
        "controls",
        lambda m, k: child_data(
            m.controls[k], services.CONTROL_FIELDS, effectiveness="ineffective"
        ),
    ),
    "control_delete": RiskView(EDIT, "controls", lambda m, k: {"reason": "Gone"}),
    "action_create": RiskView(EDIT, "risks", lambda m, k: ACTION),
    "action_update": RiskView(
        EDIT,
        "actions",
        lambda m, k: child_data(m.actions[k], services.ACTION_FIELDS, status="at_risk"),
    ),
    "action_delete": RiskView(EDIT, "actions", lambda m, k: {"reason": "Gone"}),
}
RISK_VIEW_CASES = [
    (name, method)
    for name, view in RISK_VIEWS.items()
    for method in (("GET", "POST") if view.payload else ("GET",))
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", RISKS)
@pytest.mark.parametrize(("name", "method"), RISK_VIEW_CASES)
def test_risk_view_permissions(client, db, matrix, role, key, name, method):
    view = RISK_VIEWS[name]
    have = NONE if role == "anonymous" else ACCESS[role][key]
    expected = expected_outcome(role, have, view.needs, method)
    url = reverse(f"risks:{name}", args=[getattr(matrix, view.target)[key].pk])
    data = view.payload(matrix, key) if view.payload else {}
    before = snapshot()
    response = _request(client, matrix, role, method, url, data)
    assert_outcome(response, expected)
    _check_writes(before, expected)


# --- Views without a risk: register, new risk, periods ---------------------------


@pytest.mark.parametrize("role", ROLES)
def test_register_list_is_open_to_every_signed_in_user(client, db, matrix, role):
    response = _request(client, matrix, role, "GET", reverse("risks:list"), {})
    assert_outcome(response, "login" if role == "anonymous" else "200")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ("GET", "POST"))
def test_create_is_for_governance_only(client, db, matrix, role, method):
    org = GOVERNANCE.get(role, "mopac")
    organisation = matrix.organisations[org]
    data = {**NEW_RISK, "reference": "NEW-R01", "organisation": organisation.pk}
    if role == "anonymous":
        expected = "login"
    elif role in GOVERNANCE:
        expected = "200" if method == "GET" else "302"
    else:
        expected = "403"
    before = snapshot()
    response = _request(client, matrix, role, method, reverse("risks:create"), data)
    assert_outcome(response, expected)
    _check_writes(before, expected)
    if expected == "302":
        assert Risk.objects.get(reference="NEW-R01").organisation == organisation


@pytest.mark.parametrize("role", ROLES)
def test_period_list_is_for_governance_only(client, db, matrix, role):
    response = _request(client, matrix, role, "GET", reverse("risks:periods"), {})
    if role == "anonymous":
        assert_outcome(response, "login")
    elif role in GOVERNANCE:
        assert_outcome(response, "200")
        other = "mps" if GOVERNANCE[role] == "mopac" else "mopac"
        html = response.content.decode()
        assert reverse("risks:period_close", args=[matrix.periods[other].pk]) not in (
            html
        )
    else:
        assert_outcome(response, "403")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("org", ("mopac", "mps"))
@pytest.mark.parametrize("method", ("GET", "POST"))
def test_period_close_is_for_own_governance_only(client, db, matrix, role, org, method):
    if role == "anonymous":
        expected = "login"
    elif GOVERNANCE.get(role) == org:
        expected = "200" if method == "GET" else "302"
    elif role.startswith(f"{org}-"):
        expected = "403"  # a member of the organisation, but not governance
    else:
        expected = "404"
    url = reverse("risks:period_close", args=[matrix.periods[org].pk])
    before = snapshot()
    response = _request(client, matrix, role, method, url, {})
    assert_outcome(response, expected)
    _check_writes(before, expected)


# --- The permission backend agrees with the selectors ----------------------------


def test_has_perm_agrees_with_the_selectors(db, matrix):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    departed = UserFactory(username="departed", is_active=False)
    MembershipFactory(
        user=departed, organisation=matrix.organisations["mopac"], role=Role.RISK_OWNER
    )
    services.risk_delegate_add(
        risk=matrix.risks["mopac-aligned"],
        delegate=departed,
        user=matrix.users["mopac-governance"],
    )
    users = {**matrix.users, "admin": admin, "departed": departed}
    checked = 0
    for name, user in users.items():
        for key, risk in matrix.risks.items():
            can_edit = access.can_edit_risk(user, risk)
            assert user.has_perm("risks.change_risk", risk) is can_edit, (name, key)
            assert user.has_perm("risks.view_risk", risk) is access.can_view_risk(
                user, risk
            ), (name, key)
            if name in ACCESS:
                assert can_edit is (ACCESS[name][key] >= EDIT), (name, key)
                assert access.can_view_risk(user, risk) is (ACCESS[name][key] >= VIEW)
            checked += 1
    assert checked == len(users) * len(RISKS)
    assert not departed.has_perm("risks.change_risk", matrix.risks["mopac-aligned"])
    assert admin.has_perm("risks.change_risk", matrix.risks["mps-other"])
