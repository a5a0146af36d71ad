"""The register rebuilt as at a past moment from history."""

import datetime

from django.utils import timezone

from risks import as_at, services
from risks.choices import Direction
from risks.models import Control, Risk

from ..factories import ReportingPeriodFactory


def moment(*args):
    return timezone.make_aware(datetime.datetime(*args))


def test_as_at_shows_old_values_and_omits_later_risks(world):
    owner = world.users["mopac-owner"]
    services.risk_update(
        risk=world.mopac_risk,
        user=owner,
        data={"current_impact": 5},
        at=moment(2030, 1, 1, 12),
    )
    before = as_at.viewable_risks_as_at(
        owner, as_at.end_of_day(datetime.date(2029, 12, 31))
    )
    assert [r.current_impact for r in before] == [4]
    after = as_at.viewable_risks_as_at(owner, moment(2030, 1, 2))
    assert [r.current_impact for r in after] == [5]
    assert list(as_at.viewable_risks_as_at(owner, moment(2000, 1, 1))) == []


def test_as_at_respects_access(world):
    reader = world.users["mps-reader"]
    refs = {r.reference for r in as_at.viewable_risks_as_at(reader, timezone.now())}
    assert refs == {"MPS-R01"}
    assert not as_at.viewable_risks_as_at(world.users["outsider"], timezone.now())


def test_deleted_control_appears_as_it_was(world):
    owner = world.users["mopac-owner"]
    control = services.control_create(
        risk=world.mopac_risk,
        user=owner,
        data={"description": "Board", "owner_post": "Head"},
        at=moment(2030, 1, 1),
    )
    services.control_delete(control=control, user=owner, at=moment(2030, 2, 1))
    assert not Control.objects.exists()
    then = as_at.children_as_at(Control, moment(2030, 1, 15), [world.mopac_risk.pk])
    assert [c.description for c in then[world.mopac_risk.pk]] == ["Board"]
    now = as_at.children_as_at(Control, moment(2030, 3, 1), [world.mopac_risk.pk])
    assert now == {}


def test_direction_as_at(world):
    governance = world.users["mopac-governance"]
    q1 = ReportingPeriodFactory(
        organisation=world.mopac,
        label="Q1",
        start=datetime.date(2019, 4, 1),
        end=datetime.date(2019, 6, 30),
    )
    q2 = ReportingPeriodFactory(organisation=world.mopac, label="Q2")
    risk_id = world.mopac_risk.pk
    services.review_record(
        risk=world.mopac_risk,
        period=q1,
        user=governance,
        likelihood=3,
        impact=3,
        commentary="Q1",
        at=moment(2019, 6, 20),
    )
    assert (
        as_at.directions_as_at(moment(2019, 7, 1), [risk_id])[risk_id] == Direction.NEW
    )
    services.review_record(
        risk=world.mopac_risk,
        period=q2,
        user=governance,
        likelihood=4,
        impact=3,
        commentary="Q2",
        at=moment(2019, 9, 20),
    )
    assert as_at.directions_as_at(moment(2019, 9, 30), [risk_id])[risk_id] == (
        Direction.INCREASING
    )
    assert (
        as_at.directions_as_at(moment(2019, 7, 1), [risk_id])[risk_id] == Direction.NEW
    )


def test_snapshot_matches_as_of_at_every_moment(world):
    """The grouped snapshot returns exactly what simple-history's as_of() does."""
    owner = world.users["mopac-owner"]
    services.risk_update(
        risk=world.mopac_risk,
        user=owner,
        data={"current_impact": 5},
        at=moment(2030, 1, 1, 12),
    )
    kept = services.control_create(
        risk=world.mopac_risk,
        user=owner,
        data={"description": "Board", "owner_post": "Head"},
        at=moment(2030, 1, 1),
    )
    gone = services.control_create(
        risk=world.mopac_risk,
        user=owner,
        data={"description": "Audit", "owner_post": "Head"},
        at=moment(2030, 1, 1),  # the same instant as the first control
    )
    services.control_update(
        control=kept,
        user=owner,
        data={"description": "Board (monthly)"},
        at=moment(2030, 1, 20),
    )
    services.control_delete(control=gone, user=owner, at=moment(2030, 2, 1))

    def rows(queryset):
        return sorted((row.pk, row._history.history_id) for row in queryset)

    moments = [
        moment(2000, 1, 1),
        moment(2030, 1, 1),
        moment(2030, 1, 1, 12),
        moment(2030, 1, 15),
        moment(2030, 1, 20),
        moment(2030, 2, 1),
        moment(2031, 1, 1),
    ]
    for at in moments:
        for model in (Risk, Control):
            snapshot = as_at.snapshot(model, at)
            assert rows(snapshot) == rows(model.history.as_of(at)), (model, at)
            assert all(isinstance(row, model) for row in snapshot)
    descriptions = [c.description for c in as_at.snapshot(Control, moment(2030, 1, 15))]
    assert sorted(descriptions) == ["Audit", "Board"]
    assert [c.description for c in as_at.snapshot(Control, moment(2031, 1, 1))] == [
        "Board (monthly)"
    ]
