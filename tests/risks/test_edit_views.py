"""The register's write pages, driven over HTTP with the test client."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from risks import access, services
from risks.choices import Marking, RiskStatus, Role
from risks.models import Action, Control, Review, Risk

from ..factories import (
    ActionFactory,
    ControlFactory,
    MembershipFactory,
    ReportingPeriodFactory,
    RiskFactory,
    ThemeFactory,
    UserFactory,
)

# The organisation members of the shared `world` fixture, by username suffix.
WORLD_MEMBERS = (
    ("governance", Role.GOVERNANCE, "Head of Governance"),
    ("owner", Role.RISK_OWNER, "Director of Strategy"),
    ("reader", Role.READER, "Risk Analyst"),
)
NEW_RISK = {
    "reference": "MOPAC-R99",
    "title": "Loss of public confidence",
    "cause": "Because engagement is patchy,",
    "event": "there is a risk that communities disengage,",
    "effect": "which would reduce intelligence and trust.",
    "category": "reputational",
    "owner_post": "Director of Strategy",
    "status": "open",
    "horizon": "long_term",
    "treatment": "treat",
    "appetite": "cautious",
    "proximity": "6_12m",
    "marking": "official",
    "public_summary": "",
    "inherent_likelihood": "4",
    "inherent_impact": "4",
    "current_likelihood": "3",
    "current_impact": "4",
    "target_likelihood": "2",
    "target_impact": "3",
    "target_date": "2020-03-31",
    "next_review_date": "2019-12-31",
}


def edit_data(risk: Risk, **changes) -> dict:
    """Return what the edit form posts for the risk as it is, plus changes."""
    data = {
        name: "" if value is None else str(value)
        for name in services.RISK_EDITABLE_FIELDS
        for value in [getattr(risk, name)]
    }
    data["themes"] = [str(pk) for pk in risk.themes.values_list("pk", flat=True)]
    data["version"] = str(risk.version)
    data["reason"] = ""
    data.update(changes)
    return data


def child_data(obj, fields, **changes) -> dict:
    data = {
        name: "" if (v := getattr(obj, name)) is None else str(v) for name in fields
    }
    data.update(version=str(obj.version), reason="")
    data.update(changes)
    return data


def success_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def as_user(client, world):
    """Sign the test client in as one of the world's users."""

    def sign_in(name: str):
        client.force_login(world.users[name])
        return client

    return sign_in


@pytest.fixture
def second_owner(world):
    user = UserFactory(username="mopac-owner-2")
    MembershipFactory(
        user=user,
        organisation=world.mopac,
        role=Role.RISK_OWNER,
        post_title="Director of Finance",
    )
    return user


def test_world_members_match_the_shared_fixture(world):
    """The permission matrix rebuilds these people; keep both in step."""
    members = {
        name: (
            u.membership.organisation.slug,
            u.membership.role,
            u.membership.post_title,
        )
        for name, u in world.users.items()
        if hasattr(u, "membership")
    }
    assert members == {
        f"{slug}-{suffix}": (slug, role, post)
        for slug in ("mopac", "mps")
        for suffix, role, post in WORLD_MEMBERS
    }
    assert set(world.users) - set(members) == {"panel", "outsider"}
    assert hasattr(world.users["panel"], "panel_member")
    assert world.mopac_risk.owner == world.users["mopac-owner"]
    assert world.mps_risk.owner == world.users["mps-owner"]


# --- Create -------------------------------------------------------------------


def test_governance_creates_a_risk(as_user, world):
    theme = ThemeFactory(name="Community engagement", slug="community-engagement")
    client = as_user("mopac-governance")
    page = client.get(reverse("risks:create"))
    assert page.status_code == 200
    html = page.content.decode()
    # One organisation governed: nothing to choose, so the select is hidden.
    assert 'type="hidden" name="organisation"' in html
    assert "govuk-select" in html and "govuk-textarea" in html
    assert "mps-owner" not in html  # owners of the other organisation are not offered

    data = {
        **NEW_RISK,
        "organisation": world.mopac.pk,
        "owner": world.users["mopac-owner"].pk,
        "themes": [theme.pk],
    }
    response = client.post(reverse("risks:create"), data)
    risk = Risk.objects.get(organisation=world.mopac, reference="MOPAC-R99")
    assert response.status_code == 302
    assert response.url == risk.get_absolute_url()
    assert "MOPAC-R99 has been added to the register." in success_messages(response)
    assert risk.owner == world.users["mopac-owner"]
    assert list(risk.themes.all()) == [theme]
    created = risk.history.get(history_type="+")
    assert created.history_user == world.users["mopac-governance"]
    assert access.can_edit_risk(world.users["mopac-owner"], risk)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"inherent_likelihood": "7"},
            "Enter a likelihood from 1 to 5 for the inherent score",
        ),
        ({"current_impact": "0"}, "Enter an impact from 1 to 5 for the current score"),
        ({"target_likelihood": "x"}, "Enter a likelihood from 1 to 5"),
        (
            {"target_likelihood": "5", "target_impact": "5"},
            "The target score cannot be higher than the inherent score",
        ),
        ({"reference": "MOPAC-R01"}, "already has a risk with that reference"),
        (
            {"marking": Marking.OFFICIAL_SENSITIVE},
            "An OFFICIAL-SENSITIVE risk needs a public summary",
        ),
        ({"title": ""}, "Enter the title"),
        ({"target_date": "2019-02-30"}, "Target date must be a real date"),
        ({"organisation": "999999"}, "Select a valid choice"),
    ],
)
def test_create_shows_clear_errors_and_keeps_input(as_user, world, changes, message):
    client = as_user("mopac-governance")
    data = {**NEW_RISK, "organisation": world.mopac.pk, "title": "My careful title"}
    data.update(changes)
    response = client.post(reverse("risks:create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html  # the GOV.UK error summary
    assert message in html
    if "title" not in changes:
        assert 'value="My careful title"' in html  # nothing the user typed is lost
    assert not Risk.objects.filter(reference="MOPAC-R99").exists()


def test_errors_link_from_summary_to_the_field(as_user, world):
    data = {**NEW_RISK, "organisation": world.mopac.pk, "inherent_impact": "9"}
    html = as_user("mopac-governance").post(reverse("risks:create"), data)
    html = html.content.decode()
    assert 'href="#inherent_impact"' in html
    assert 'id="inherent_impact"' in html
    assert "govuk-select--error" in html
    assert 'aria-describedby="inherent_impact-error-1"' in html


def test_create_refuses_an_owner_from_the_other_organisation(as_user, world):
    data = {
        **NEW_RISK,
        "organisation": world.mopac.pk,
        "owner": world.users["mps-owner"].pk,
    }
    response = as_user("mopac-governance").post(reverse("risks:create"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Risk.objects.filter(reference="MOPAC-R99").exists()


def test_create_cannot_target_an_organisation_not_governed(as_user, world):
    data = {**NEW_RISK, "organisation": world.mps.pk}
    response = as_user("mopac-governance").post(reverse("risks:create"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Risk.objects.filter(reference="MOPAC-R99").exists()


def test_superuser_chooses_the_organisation(client, world):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    html = client.get(reverse("risks:create")).content.decode()
    assert '<select name="organisation"' in html
    assert "mps-owner" in html and "mopac-owner" in html


# --- Edit ---------------------------------------------------------------------


def test_governance_edits_with_reason_recorded_in_history(as_user, world):
    risk = world.mopac_risk
    client = as_user("mopac-governance")
    page = client.get(reverse("risks:update", args=[risk.pk]))
    assert page.status_code == 200
    assert 'name="version" value="1"' in page.content.decode()
    assert 'name="reference"' in page.content.decode()

    data = edit_data(
        risk, title="Community trust", reference="MOPAC-R02", reason="Board decision"
    )
    response = client.post(reverse("risks:update", args=[risk.pk]), data)
    assert response.status_code == 302
    assert response.url == risk.get_absolute_url()
    risk.refresh_from_db()
    assert (risk.title, risk.reference, risk.version) == (
        "Community trust",
        "MOPAC-R02",
        2,
    )
    latest = risk.history.first()
    assert latest.history_user == world.users["mopac-governance"]
    assert latest.history_change_reason == "Board decision"
    assert "Your changes to MOPAC-R02 have been saved." in success_messages(response)


def test_owner_edits_own_risk_but_not_its_reference(as_user, world):
    risk = world.mopac_risk
    client = as_user("mopac-owner")
    html = client.get(reverse("risks:update", args=[risk.pk])).content.decode()
    assert 'name="reference"' not in html
    assert "Only a governance officer can change the reference" in html

    data = edit_data(risk, title="Owner title", reference="HACKED")
    response = client.post(reverse("risks:update", args=[risk.pk]), data)
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.title == "Owner title"
    assert risk.reference == "MOPAC-R01"
    assert risk.history.first().history_user == world.users["mopac-owner"]


def test_edit_validation_keeps_input_and_writes_nothing(as_user, world):
    risk = world.mopac_risk
    before = risk.history.count()
    data = edit_data(
        risk, title="Keep me", target_likelihood="5", target_impact="5", reason="Why"
    )
    response = as_user("mopac-governance").post(
        reverse("risks:update", args=[risk.pk]), data
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The target score cannot be higher than the inherent score" in html
    assert 'value="Keep me"' in html
    assert "Edit risk: Risk number" in html  # the heading shows the saved title
    assert risk.history.count() == before


def test_edit_refuses_duplicate_reference(as_user, world):
    other = RiskFactory(organisation=world.mopac, reference="MOPAC-R02")
    data = edit_data(world.mopac_risk, reference=other.reference)
    response = as_user("mopac-governance").post(
        reverse("risks:update", args=[world.mopac_risk.pk]), data
    )
    assert response.status_code == 200
    assert "This organisation already has a risk with that reference." in (
        response.content.decode()
    )
    world.mopac_risk.refresh_from_db()
    assert world.mopac_risk.reference == "MOPAC-R01"


def test_edit_with_tampered_version_is_an_error_not_a_crash(as_user, world):
    risk = world.mopac_risk
    data = edit_data(risk, version="abc")
    response = as_user("mopac-governance").post(
        reverse("risks:update", args=[risk.pk]), data
    )
    assert response.status_code == 200
    assert "This page is out of date" in response.content.decode()


def test_stale_edit_shows_conflict_page_and_writes_nothing(as_user, world):
    risk = world.mopac_risk
    client = as_user("mopac-owner")
    loaded = edit_data(risk)  # the form as the owner loaded it, at version 1
    services.risk_update(
        risk=risk,
        user=world.users["mopac-governance"],
        data={"title": "Governance title", "current_impact": 5},
        expected_version=1,
        reason="Quarterly refresh",
    )
    history_before = risk.history.count()

    loaded.update(title="Owner title", reason="My reason")
    response = client.post(reverse("risks:update", args=[risk.pk]), loaded)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this risk while you were editing" in html
    assert "Your version" in html and "Current version" in html
    assert "Owner title" in html and "Governance title" in html
    assert "Different" in html
    assert "These fields differ: Title, Current impact." in html
    assert "Themes" in html  # every row is labelled, declared fields too
    assert "mopac-governance" in html  # who changed it
    assert "My reason" in html  # the user's words are shown, so not lost
    assert reverse("risks:update", args=[risk.pk]) in html  # reload link
    risk.refresh_from_db()
    assert risk.title == "Governance title"
    assert risk.version == 2
    assert risk.history.count() == history_before


def test_closed_risk_cannot_be_edited(as_user, world):
    risk = world.mopac_risk
    services.risk_close(
        risk=risk, user=world.users["mopac-governance"], reason="Gone away"
    )
    risk.refresh_from_db()
    response = as_user("mopac-governance").post(
        reverse("risks:update", args=[risk.pk]), edit_data(risk, title="Too late")
    )
    assert response.status_code == 200
    assert "This risk is closed" in response.content.decode()


# --- Close --------------------------------------------------------------------


def test_close_needs_a_reason(as_user, world):
    risk = world.mopac_risk
    url = reverse("risks:close", args=[risk.pk])
    client = as_user("mopac-governance")
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "Enter the reason for closing the risk" in response.content.decode()
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN

    response = client.post(url, {"reason": "Risk has materialised into an issue"})
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.status == RiskStatus.CLOSED
    latest = risk.history.first()
    assert latest.history_change_reason == "Risk has materialised into an issue"
    assert latest.history_user == world.users["mopac-governance"]


def test_closing_twice_is_an_error_not_a_crash(as_user, world):
    url = reverse("risks:close", args=[world.mopac_risk.pk])
    client = as_user("mopac-governance")
    client.post(url, {"reason": "Done"})
    response = client.post(url, {"reason": "Again"})
    assert response.status_code == 200
    assert "This risk is closed" in response.content.decode()


# --- Owner and delegates -------------------------------------------------------


def test_governance_reassigns_owner_and_the_permission_moves(
    as_user, world, second_owner
):
    risk = world.mopac_risk
    url = reverse("risks:owner", args=[risk.pk])
    client = as_user("mopac-governance")
    html = client.get(url).content.decode()
    assert "Director of Finance" in html
    assert "mps-owner" not in html

    response = client.post(
        url,
        {
            "step": "owner",
            "owner": second_owner.pk,
            "owner_post": "Director of Finance",
            "reason": "Portfolio change",
        },
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.owner == second_owner
    assert risk.owner_post == "Director of Finance"
    assert access.can_edit_risk(second_owner, risk)
    assert not access.can_edit_risk(world.users["mopac-owner"], risk)
    assert risk.history.first().history_change_reason == "Portfolio change"


def test_owner_form_errors(as_user, world):
    url = reverse("risks:owner", args=[world.mopac_risk.pk])
    response = as_user("mopac-governance").post(
        url, {"step": "owner", "owner": world.users["mps-owner"].pk, "owner_post": ""}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Select a valid choice" in html
    assert "Enter the owner post title" in html


def test_delegates_are_added_and_removed(as_user, world, second_owner):
    risk = world.mopac_risk
    url = reverse("risks:owner", args=[risk.pk])
    client = as_user("mopac-governance")
    assert not access.can_edit_risk(second_owner, risk)

    response = client.post(url, {"step": "add", "delegate": second_owner.pk})
    assert response.status_code == 302
    assert access.can_edit_risk(second_owner, risk)
    assert second_owner in services.risk_delegates(risk)
    assert "Remove" in client.get(url).content.decode()

    response = client.post(url, {"step": "remove", "delegate": second_owner.pk})
    assert response.status_code == 302
    assert not access.can_edit_risk(second_owner, risk)
    assert access.can_edit_risk(world.users["mopac-owner"], risk)


def test_delegate_must_be_a_risk_owner_of_the_organisation(as_user, world):
    risk = world.mopac_risk
    url = reverse("risks:owner", args=[risk.pk])
    client = as_user("mopac-governance")
    for outsider in ("mps-owner", "mopac-reader"):
        response = client.post(
            url, {"step": "add", "delegate": world.users[outsider].pk}
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not access.can_edit_risk(world.users[outsider], risk)


def test_unknown_step_changes_nothing(as_user, world):
    risk = world.mopac_risk
    response = as_user("mopac-governance").post(
        reverse("risks:owner", args=[risk.pk]), {"step": "explode"}
    )
    assert response.status_code == 200
    assert risk.history.count() == 1


# --- Controls -------------------------------------------------------------------


CONTROL = {
    "description": "Monthly oversight board",
    "control_type": "directive",
    "owner_post": "Head of Governance",
    "effectiveness": "effective",
    "assurance_line": "second",
}


def test_owner_adds_changes_and_deletes_a_control(as_user, world):
    risk = world.mopac_risk
    client = as_user("mopac-owner")
    url = reverse("risks:control_create", args=[risk.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, CONTROL)
    assert response.status_code == 302
    control = risk.controls.get()
    assert control.history.get().history_user == world.users["mopac-owner"]

    url = reverse("risks:control_update", args=[control.pk])
    assert 'name="version" value="1"' in client.get(url).content.decode()
    data = child_data(
        control, services.CONTROL_FIELDS, effectiveness="ineffective", reason="Audit"
    )
    assert client.post(url, data).status_code == 302
    control.refresh_from_db()
    assert (control.effectiveness, control.version) == ("ineffective", 2)
    assert control.history.first().history_change_reason == "Audit"

    url = reverse("risks:control_delete", args=[control.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Are you sure you want to delete this control?" in page.content.decode()
    assert Control.objects.filter(pk=control.pk).exists()  # GET deletes nothing
    response = client.post(url, {"reason": "Superseded"})
    assert response.status_code == 302
    assert response.url == risk.get_absolute_url()
    assert not Control.objects.filter(pk=control.pk).exists()
    deleted = Control.history.filter(id=control.pk, history_type="-").get()
    assert deleted.history_change_reason == "Superseded"


def test_control_errors(as_user, world):
    url = reverse("risks:control_create", args=[world.mopac_risk.pk])
    response = as_user("mopac-owner").post(
        url, {**CONTROL, "description": "", "control_type": "magic"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter the description" in html
    assert "Select a valid choice" in html
    assert not Control.objects.exists()


def test_stale_control_edit_shows_conflict(as_user, world):
    control = ControlFactory(risk=world.mopac_risk)
    loaded = child_data(control, services.CONTROL_FIELDS, description="Mine")
    services.control_update(
        control=control,
        user=world.users["mopac-governance"],
        data={"description": "Theirs"},
        expected_version=1,
    )
    history_before = control.history.count()
    response = as_user("mopac-owner").post(
        reverse("risks:control_update", args=[control.pk]), loaded
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Mine" in html and "Theirs" in html
    control.refresh_from_db()
    assert control.description == "Theirs"
    assert control.history.count() == history_before


# --- Actions --------------------------------------------------------------------


ACTION = {
    "description": "Commission an independent review",
    "owner_post": "Head of Governance",
    "due_date": "2019-12-31",
    "revised_due_date": "",
    "status": "on_track",
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"revised_due_date": "2019-11-30"},
            "The revised due date must be after the due date",
        ),
        ({"due_date": "2019-02-30"}, "Due date must be a real date"),
        ({"due_date": ""}, "Enter the due date"),
        ({"status": "done"}, "Select a valid choice"),
    ],
)
def test_action_errors(as_user, world, changes, message):
    url = reverse("risks:action_create", args=[world.mopac_risk.pk])
    response = as_user("mopac-owner").post(url, {**ACTION, **changes})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert "Commission an independent review" in html
    assert not Action.objects.exists()


def test_owner_adds_changes_and_deletes_an_action(as_user, world):
    risk = world.mopac_risk
    client = as_user("mopac-owner")
    response = client.post(reverse("risks:action_create", args=[risk.pk]), ACTION)
    assert response.status_code == 302
    action = risk.actions.get()
    assert action.due_date == datetime.date(2019, 12, 31)

    url = reverse("risks:action_update", args=[action.pk])
    data = child_data(
        action, services.ACTION_FIELDS, revised_due_date="2020-03-31", status="at_risk"
    )
    assert client.post(url, data).status_code == 302
    action.refresh_from_db()
    assert action.revised_due_date == datetime.date(2020, 3, 31)

    url = reverse("risks:action_delete", args=[action.pk])
    assert client.post(url, {"reason": ""}).status_code == 302
    assert not Action.objects.filter(pk=action.pk).exists()


def test_stale_action_edit_shows_conflict(as_user, world):
    action = ActionFactory(risk=world.mopac_risk)
    loaded = child_data(action, services.ACTION_FIELDS, status="complete")
    services.action_update(
        action=action,
        user=world.users["mopac-governance"],
        data={"status": "cancelled"},
        expected_version=1,
    )
    response = as_user("mopac-owner").post(
        reverse("risks:action_update", args=[action.pk]), loaded
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Complete" in html and "Cancelled" in html
    action.refresh_from_db()
    assert action.status == "cancelled"


def test_children_of_a_closed_risk_cannot_change(as_user, world):
    control = ControlFactory(risk=world.mopac_risk)
    services.risk_close(
        risk=world.mopac_risk, user=world.users["mopac-governance"], reason="Done"
    )
    client = as_user("mopac-owner")
    response = client.post(reverse("risks:control_delete", args=[control.pk]), {})
    assert response.status_code == 200
    assert "This risk is closed" in response.content.decode()
    assert Control.objects.filter(pk=control.pk).exists()
    response = client.post(
        reverse("risks:action_create", args=[world.mopac_risk.pk]), ACTION
    )
    assert "This risk is closed" in response.content.decode()


# --- Reviews --------------------------------------------------------------------


def test_review_without_open_period_explains(as_user, world):
    response = as_user("mopac-owner").get(
        reverse("risks:review_create", args=[world.mopac_risk.pk])
    )
    assert response.status_code == 200
    assert "no open reporting period" in response.content.decode()


def test_owner_records_a_review(as_user, world):
    risk = world.mopac_risk
    period = ReportingPeriodFactory(organisation=world.mopac)
    ReportingPeriodFactory(organisation=world.mps)  # not offered to MOPAC risks
    ReportingPeriodFactory(
        organisation=world.mopac,
        label="2019/20 Q1",
        start=datetime.date(2019, 4, 1),
        end=datetime.date(2019, 6, 30),
        is_closed=True,
    )
    client = as_user("mopac-owner")
    url = reverse("risks:review_create", args=[risk.pk])
    html = client.get(url).content.decode()
    # "Select" and one period (no closed one, no MPS one), then "Select" + 1–5 twice.
    assert html.count("<option") == 2 + 6 + 6

    response = client.post(
        url,
        {
            "period": period.pk,
            "likelihood": "2",
            "impact": "4",
            "commentary": "Mitigation landed.",
        },
    )
    assert response.status_code == 302
    review = Review.objects.get(risk=risk, period=period)
    assert (review.likelihood, review.impact) == (2, 4)
    assert review.reviewed_by == world.users["mopac-owner"]
    risk.refresh_from_db()
    assert (risk.current_likelihood, risk.current_impact) == (2, 4)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"likelihood": "6"}, "Enter a likelihood from 1 to 5"),
        ({"impact": ""}, "Enter an impact from 1 to 5"),
        ({"commentary": ""}, "Enter the commentary for this review"),
        ({"period": "other"}, "its reviews are frozen"),
    ],
)
def test_review_errors(as_user, world, changes, message):
    period = ReportingPeriodFactory(organisation=world.mopac)
    data = {"period": period.pk, "likelihood": "2", "impact": "4", "commentary": "Ok"}
    data.update(changes)
    if changes.get("period") == "other":
        data["period"] = ReportingPeriodFactory(organisation=world.mps).pk
    response = as_user("mopac-owner").post(
        reverse("risks:review_create", args=[world.mopac_risk.pk]), data
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Review.objects.exists()


# --- Periods --------------------------------------------------------------------


def test_period_list_shows_own_organisation_periods(as_user, world):
    ReportingPeriodFactory(organisation=world.mopac, label="2019/20 Q2")
    ReportingPeriodFactory(organisation=world.mps, label="2019/20 Q3")
    html = as_user("mopac-governance").get(reverse("risks:periods")).content.decode()
    assert "2019/20 Q2" in html
    assert "2019/20 Q3" not in html
    assert "Close" in html


def test_period_close_refused_lists_unreviewed_risks(as_user, world):
    period = ReportingPeriodFactory(organisation=world.mopac)
    RiskFactory(organisation=world.mopac, reference="MOPAC-R05")
    RiskFactory(organisation=world.mopac, reference="MOPAC-R06", status="closed")
    client = as_user("mopac-governance")
    url = reverse("risks:period_close", args=[period.pk])
    assert "MOPAC-R05" in client.get(url).content.decode()

    response = client.post(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "cannot close: no review yet for MOPAC-R01, MOPAC-R05" in html
    assert "MOPAC-R06" not in html
    period.refresh_from_db()
    assert not period.is_closed


def test_period_closes_once_every_open_risk_is_reviewed(as_user, world):
    period = ReportingPeriodFactory(organisation=world.mopac)
    services.review_record(
        risk=world.mopac_risk,
        period=period,
        user=world.users["mopac-owner"],
        likelihood=3,
        impact=3,
        commentary="Stable",
    )
    response = as_user("mopac-governance").post(
        reverse("risks:period_close", args=[period.pk])
    )
    assert response.status_code == 302
    assert response.url == reverse("risks:periods")
    period.refresh_from_db()
    assert period.is_closed
    assert period.closed_by == world.users["mopac-governance"]
    assert "2019/20 Q2 is closed. Its reviews are now frozen." in success_messages(
        response
    )
    # Closing again is refused on the page, not with a server error.
    response = as_user("mopac-governance").post(
        reverse("risks:period_close", args=[period.pk])
    )
    assert response.status_code == 200
    assert "already closed" in response.content.decode()
