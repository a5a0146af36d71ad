"""Services validate, run in a transaction, record history and refuse what they must."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from risks import access, services
from risks.choices import ActionStatus, RiskStatus
from risks.models import Action, Control, Review, Risk, RiskUserObjectPermission

from ..factories import (
    ActionFactory,
    ControlFactory,
    ReportingPeriodFactory,
    RiskFactory,
    ThemeFactory,
    UserFactory,
)

RISK_DATA = {
    "reference": "MOPAC-R99",
    "title": "Loss of public confidence",
    "cause": "Because engagement is patchy,",
    "event": "there is a risk that communities disengage,",
    "effect": "which would reduce intelligence and trust.",
    "category": "reputational",
    "owner_post": "Director of Strategy",
    "inherent_likelihood": 4,
    "inherent_impact": 4,
    "current_likelihood": 3,
    "current_impact": 4,
    "target_likelihood": 2,
    "target_impact": 3,
}


# --- risk_create --------------------------------------------------------------


def test_governance_creates_risk_with_history_user_and_reason(world):
    user = world.users["mopac-governance"]
    theme = ThemeFactory(name="Community engagement", slug="community-engagement")
    risk = services.risk_create(
        organisation=world.mopac,
        user=user,
        data=RISK_DATA,
        owner=world.users["mopac-owner"],
        themes=[theme],
        reason="New corporate risk",
    )
    record = risk.history.get(history_type="+")
    assert record.history_user == user
    assert record.history_change_reason == "New corporate risk"
    assert record.history_type == "+"
    assert list(risk.themes.all()) == [theme]
    # The owner receives guardian's change permission on the risk itself.
    assert world.users["mopac-owner"].has_perm("risks.change_risk", risk)


@pytest.mark.parametrize("username", ["mopac-owner", "mopac-reader", "mps-governance"])
def test_only_own_governance_creates_risks(world, username):
    with pytest.raises(PermissionDenied):
        services.risk_create(
            organisation=world.mopac, user=world.users[username], data=RISK_DATA
        )
    assert not Risk.objects.filter(reference="MOPAC-R99").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("current_likelihood", 6, "less than or equal to 5"),
        ("current_impact", 0, "greater than or equal to 1"),
        ("title", "", "cannot be blank"),
        ("target_likelihood", 5, "cannot be higher than the inherent score"),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(world, field, value, message):
    data = {**RISK_DATA, field: value}
    if field == "target_likelihood":
        data["target_impact"] = 5
    with pytest.raises(ValidationError) as error:
        services.risk_create(
            organisation=world.mopac, user=world.users["mopac-governance"], data=data
        )
    assert message in str(error.value)
    assert not Risk.objects.filter(reference="MOPAC-R99").exists()
    assert not Risk.history.filter(reference="MOPAC-R99").exists()


def test_duplicate_reference_in_same_organisation_is_refused(world):
    data = {**RISK_DATA, "reference": world.mopac_risk.reference}
    with pytest.raises(ValidationError, match="already has a risk with that reference"):
        services.risk_create(
            organisation=world.mopac, user=world.users["mopac-governance"], data=data
        )


def test_same_reference_in_other_organisation_is_allowed(world):
    data = {**RISK_DATA, "reference": world.mopac_risk.reference}
    risk = services.risk_create(
        organisation=world.mps, user=world.users["mps-governance"], data=data
    )
    assert risk.reference == world.mopac_risk.reference


def test_sensitive_risk_needs_public_summary(world):
    data = {**RISK_DATA, "marking": "official_sensitive"}
    with pytest.raises(ValidationError, match="public summary"):
        services.risk_create(
            organisation=world.mopac, user=world.users["mopac-governance"], data=data
        )


def test_owner_must_be_a_risk_owner_of_the_organisation(world):
    for owner in (world.users["mps-owner"], world.users["mopac-reader"]):
        with pytest.raises(ValidationError, match="owner must be"):
            services.risk_create(
                organisation=world.mopac,
                user=world.users["mopac-governance"],
                data=RISK_DATA,
                owner=owner,
            )


# --- risk_update --------------------------------------------------------------


def test_owner_updates_own_risk_with_reason(world):
    risk = world.mopac_risk
    updated = services.risk_update(
        risk=risk,
        user=world.users["mopac-owner"],
        data={"current_likelihood": 4},
        expected_version=risk.version,
        reason="Demand rose after the summer",
    )
    assert updated.current_likelihood == 4
    assert updated.version == risk.version + 1
    latest = risk.history.latest()
    assert latest.history_user == world.users["mopac-owner"]
    assert latest.history_change_reason == "Demand rose after the summer"
    delta = latest.diff_against(latest.prev_record)
    assert {c.field for c in delta.changes} == {"current_likelihood", "version"}


def test_update_without_change_writes_no_history(world):
    risk = world.mopac_risk
    before = risk.history.count()
    services.risk_update(
        risk=risk,
        user=world.users["mopac-owner"],
        data={"title": risk.title, "current_likelihood": risk.current_likelihood},
        expected_version=risk.version,
    )
    assert risk.history.count() == before
    risk.refresh_from_db()
    assert risk.version == 1


def test_stale_version_is_refused_and_writes_nothing(world):
    risk = world.mopac_risk
    services.risk_update(
        risk=risk,
        user=world.users["mopac-governance"],
        data={"title": "First"},
        expected_version=1,
    )
    before = risk.history.count()
    with pytest.raises(services.StaleVersionError) as error:
        services.risk_update(
            risk=risk,
            user=world.users["mopac-owner"],
            data={"title": "Second"},
            expected_version=1,
        )
    assert error.value.current.title == "First"
    risk.refresh_from_db()
    assert risk.title == "First"
    assert risk.history.count() == before


@pytest.mark.parametrize(
    "username", ["mopac-reader", "mps-governance", "mps-owner", "panel", "outsider"]
)
def test_update_denied_to_users_who_may_not_edit(world, username):
    with pytest.raises(PermissionDenied):
        services.risk_update(
            risk=world.mopac_risk, user=world.users[username], data={"title": "X"}
        )
    world.mopac_risk.refresh_from_db()
    assert world.mopac_risk.title != "X"


def test_owner_cannot_edit_another_owners_risk(world):
    other = RiskFactory(organisation=world.mopac, reference="MOPAC-R02")
    with pytest.raises(PermissionDenied):
        services.risk_update(
            risk=other, user=world.users["mopac-owner"], data={"title": "X"}
        )


def test_owner_cannot_change_reference(world):
    with pytest.raises(PermissionDenied, match="reference"):
        services.risk_update(
            risk=world.mopac_risk,
            user=world.users["mopac-owner"],
            data={"reference": "MOPAC-R77"},
        )


def test_update_rejects_out_of_range_score(world):
    with pytest.raises(ValidationError):
        services.risk_update(
            risk=world.mopac_risk,
            user=world.users["mopac-owner"],
            data={"current_impact": 9},
        )
    world.mopac_risk.refresh_from_db()
    assert world.mopac_risk.current_impact == 4


# --- close, owner, delegates ------------------------------------------------------


def test_governance_closes_risk_with_reason(world):
    risk = services.risk_close(
        risk=world.mopac_risk,
        user=world.users["mopac-governance"],
        reason="Merged into R05",
    )
    assert risk.status == RiskStatus.CLOSED
    assert risk.closed_on == timezone.localdate()
    assert risk.history.latest().history_change_reason == "Merged into R05"
    with pytest.raises(ValidationError, match="closed"):
        services.risk_update(
            risk=risk, user=world.users["mopac-governance"], data={"title": "Again"}
        )


def test_close_needs_reason_and_governance(world):
    with pytest.raises(ValidationError, match="why"):
        services.risk_close(
            risk=world.mopac_risk, user=world.users["mopac-governance"], reason=" "
        )
    with pytest.raises(PermissionDenied):
        services.risk_close(
            risk=world.mopac_risk, user=world.users["mopac-owner"], reason="Done"
        )


def test_assign_owner_moves_the_edit_permission(world):
    new_owner = world.users["mopac-governance"]
    other_owner = UserFactory(username="mopac-owner-2")
    other_owner_membership = world.users["mopac-owner"].membership
    other_owner_membership.pk = None
    other_owner_membership.user = other_owner
    other_owner_membership.save()
    services.risk_assign_owner(
        risk=world.mopac_risk,
        owner=other_owner,
        owner_post="Director of Finance",
        user=new_owner,
    )
    assert access.can_edit_risk(other_owner, world.mopac_risk)
    assert not access.can_edit_risk(world.users["mopac-owner"], world.mopac_risk)
    assert not world.users["mopac-owner"].has_perm(
        "risks.change_risk", world.mopac_risk
    )


def test_delegates_gain_and_lose_edit_rights_with_history(world):
    delegate = UserFactory(username="delegate")
    membership = world.users["mopac-owner"].membership
    membership.pk, membership.user = None, delegate
    membership.save()
    governance = world.users["mopac-governance"]
    risk = world.mopac_risk
    assert not access.can_edit_risk(delegate, risk)
    services.risk_delegate_add(risk=risk, delegate=delegate, user=governance)
    assert access.can_edit_risk(delegate, risk)
    assert services.risk_delegates(risk) == [delegate]
    services.risk_delegate_remove(risk=risk, delegate=delegate, user=governance)
    assert not access.can_edit_risk(delegate, risk)
    history = RiskUserObjectPermission.history.filter(user=delegate)
    assert sorted(history.values_list("history_type", flat=True)) == ["+", "-"]
    assert {h.history_user for h in history} == {governance}


def test_delegate_must_belong_to_the_organisation(world):
    with pytest.raises(ValidationError):
        services.risk_delegate_add(
            risk=world.mopac_risk,
            delegate=world.users["mps-owner"],
            user=world.users["mopac-governance"],
        )
    with pytest.raises(PermissionDenied):
        services.risk_delegate_add(
            risk=world.mopac_risk,
            delegate=world.users["mopac-owner"],
            user=world.users["mopac-owner"],
        )


# --- controls and actions ----------------------------------------------------------


def test_owner_adds_updates_and_removes_control(world):
    owner = world.users["mopac-owner"]
    control = services.control_create(
        risk=world.mopac_risk,
        user=owner,
        data={"description": "Quarterly board", "owner_post": "Head of Governance"},
    )
    control = services.control_update(
        control=control,
        user=owner,
        data={"effectiveness": "effective"},
        expected_version=1,
        reason="Assured by internal audit",
    )
    assert control.version == 2
    services.control_delete(control=control, user=owner, reason="Superseded")
    assert not Control.objects.exists()
    types = list(
        Control.history.order_by("history_date").values_list("history_type", flat=True)
    )
    assert types == ["+", "~", "-"]
    assert Control.history.latest().history_change_reason == "Superseded"


def test_control_edit_denied_to_reader_and_other_org(world):
    control = ControlFactory(risk=world.mopac_risk)
    for username in ("mopac-reader", "mps-governance"):
        with pytest.raises(PermissionDenied):
            services.control_update(
                control=control, user=world.users[username], data={"description": "X"}
            )
        with pytest.raises(PermissionDenied):
            services.control_delete(control=control, user=world.users[username])
    assert Control.objects.filter(pk=control.pk, description=control.description)


def test_action_stale_version_refused(world):
    action = ActionFactory(risk=world.mopac_risk)
    owner = world.users["mopac-owner"]
    services.action_update(
        action=action,
        user=owner,
        data={"status": ActionStatus.ON_TRACK},
        expected_version=1,
    )
    with pytest.raises(services.StaleVersionError):
        services.action_update(
            action=action,
            user=owner,
            data={"status": ActionStatus.AT_RISK},
            expected_version=1,
        )
    assert Action.objects.get().status == ActionStatus.ON_TRACK


def test_action_requires_due_date(world):
    with pytest.raises(ValidationError, match="due_date"):
        services.action_create(
            risk=world.mopac_risk,
            user=world.users["mopac-owner"],
            data={"description": "Do it", "owner_post": "Head of Governance"},
        )


# --- periods and reviews ---------------------------------------------------------


def test_review_sets_current_score_and_next_review(world):
    period = ReportingPeriodFactory(organisation=world.mopac)
    review = services.review_record(
        risk=world.mopac_risk,
        period=period,
        user=world.users["mopac-owner"],
        likelihood=4,
        impact=5,
        commentary="Violence rose over the summer.",
        reviewed_on=datetime.date(2019, 9, 20),
    )
    world.mopac_risk.refresh_from_db()
    assert (world.mopac_risk.current_likelihood, world.mopac_risk.current_impact) == (
        4,
        5,
    )
    assert world.mopac_risk.next_review_date == datetime.date(2019, 12, 31)
    assert review.score == 20
    assert world.mopac_risk.history.latest().history_change_reason == (
        "Quarterly review 2019/20 Q2"
    )


def test_review_refuses_other_organisations_period(world):
    period = ReportingPeriodFactory(organisation=world.mps)
    with pytest.raises(ValidationError, match="another organisation"):
        services.review_record(
            risk=world.mopac_risk,
            period=period,
            user=world.users["mopac-owner"],
            likelihood=3,
            impact=3,
            commentary="x",
        )


def test_period_close_refused_until_every_open_risk_is_reviewed(world):
    governance = world.users["mopac-governance"]
    period = ReportingPeriodFactory(organisation=world.mopac)
    second = RiskFactory(organisation=world.mopac, reference="MOPAC-R02")
    RiskFactory(
        organisation=world.mopac,
        reference="MOPAC-R03",
        status="closed",
        closed_on=datetime.date(2019, 8, 1),
    )
    with pytest.raises(ValidationError) as error:
        services.period_close(period=period, user=governance)
    assert error.value.params["missing"] == ["MOPAC-R01", "MOPAC-R02"]
    for risk in (world.mopac_risk, second):
        services.review_record(
            risk=risk,
            period=period,
            user=governance,
            likelihood=2,
            impact=2,
            commentary="No change this quarter.",
        )
    closed = services.period_close(period=period, user=governance)
    assert closed.is_closed and closed.closed_by == governance
    # Frozen: no further reviews in a closed period.
    with pytest.raises(ValidationError, match="frozen"):
        services.review_record(
            risk=second,
            period=closed,
            user=governance,
            likelihood=5,
            impact=5,
            commentary="Too late",
        )
    assert Review.objects.get(risk=second).likelihood == 2


def test_period_close_is_governance_only(world):
    period = ReportingPeriodFactory(organisation=world.mopac)
    for username in ("mopac-owner", "mps-governance"):
        with pytest.raises(PermissionDenied):
            services.period_close(period=period, user=world.users[username])


def test_period_dates_in_wrong_order_are_refused(world):
    with pytest.raises(ValidationError, match="end after it starts"):
        services.period_create(
            organisation=world.mopac,
            label="2019/20 Q3",
            start=datetime.date(2019, 12, 31),
            end=datetime.date(2019, 10, 1),
            user=world.users["mopac-governance"],
        )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2019, 3, 31), datetime.date(2019, 6, 30)),
        (datetime.date(2019, 9, 30), datetime.date(2019, 12, 31)),
        (datetime.date(2019, 12, 31), datetime.date(2020, 3, 31)),
        (datetime.date(2019, 11, 5), datetime.date(2020, 3, 31)),
    ],
)
def test_next_quarter_end(day, expected):
    assert services.next_quarter_end(day) == expected


def test_backdated_change_is_recorded_at_its_date(world):
    when = timezone.make_aware(datetime.datetime(2019, 5, 1, 10, 0))
    services.risk_update(
        risk=world.mopac_risk,
        user=world.users["mopac-owner"],
        data={"current_impact": 5},
        at=when,
    )
    latest = world.mopac_risk.history.order_by("history_id").last()
    assert latest.history_date == when
    assert world.mopac_risk.history.as_of(when).current_impact == 5


# --- concurrency ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_from_one_version_exactly_one_wins(world):
    if connection.vendor != "postgresql":
        pytest.skip("Real concurrent writers need PostgreSQL.")
    risk, owner = world.mopac_risk, world.users["mopac-owner"]
    barrier = threading.Barrier(2)
    outcomes = []

    def save(title: str) -> None:
        barrier.wait()
        try:
            services.risk_update(
                risk=risk, user=owner, data={"title": title}, expected_version=1
            )
            outcomes.append("saved")
        except services.StaleVersionError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert risk.history.filter(history_type="~").count() == 1


def test_overlapping_period_is_refused(world):
    ReportingPeriodFactory(organisation=world.mopac)  # 1 Jul – 30 Sep 2019
    with pytest.raises(ValidationError, match="overlap 2019/20 Q2"):
        services.period_create(
            organisation=world.mopac,
            label="2019/20 Q3",
            start=datetime.date(2019, 9, 30),
            end=datetime.date(2019, 12, 31),
            user=world.users["mopac-governance"],
        )
