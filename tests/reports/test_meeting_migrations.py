"""The data migrations that made panel seats and papers' meetings into records.

The functions run against today's tables with the models as each migration
sees them (no history of their own, as in a real migrate), on both databases.
"""

import datetime
import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from reports.models import AgendaItem, Meeting
from reports.services import paper_create
from risks.models import Panel, PanelMember

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    PanelFactory,
    UserFactory,
)

seats = importlib.import_module("risks.migrations.0005_panels_and_panel_seats")
meetings = importlib.import_module("reports.migrations.0006_papers_onto_meetings")

pytestmark = pytest.mark.django_db


def state_apps(app_label: str, name: str):
    """The app registry as the migration sees it."""
    return MigrationLoader(connection).project_state((app_label, name)).apps


def test_existing_seats_move_onto_the_one_panel_over_every_organisation():
    mopac = OrganisationFactory(short_name="MOPAC", slug="mopac")
    mps = OrganisationFactory(short_name="MPS", slug="mps")
    # Before the migration a seat had no panel; here it has a placeholder one.
    placeholder = PanelFactory(name="Placeholder", organisations=[])
    seat = PanelMember.objects.create(user=UserFactory(), panel=placeholder)
    seats.seat_members_on_the_panel(
        state_apps("risks", "0005_panels_and_panel_seats"), None
    )
    panel = Panel.objects.get(name=seats.PANEL_NAME)
    assert set(panel.organisations.all()) == {mopac, mps}
    seat.refresh_from_db()
    assert seat.panel == panel
    row = seat.history.order_by("history_id").last()
    assert (row.panel_id, row.history_change_reason) == (panel.pk, seats.REASON)
    assert panel.history.get().history_change_reason == seats.REASON
    assert {o.organisation_id for o in panel.history.get().organisations.all()} == {
        mopac.pk,
        mps.pk,
    }


def test_existing_papers_move_onto_meetings_matching_name_and_date():
    mopac = OrganisationFactory(short_name="MOPAC", slug="mopac")
    user = UserFactory()
    MembershipFactory(user=user, organisation=mopac, role="governance")
    panel = PanelFactory(name="MPS-MOPAC Joint Audit Panel", organisations=[mopac])
    data = {
        "meeting_date": datetime.date(2019, 9, 18),
        "title": "Alignment",
        "report_by": "Chief Executive",
        "period_label": "2019/20 Q1",
        "period_end": datetime.date(2019, 6, 30),
    }
    papers = [
        paper_create(user=user, data={**data, "agenda_item": "5b"}),
        paper_create(user=user, data={**data, "agenda_item": "5b"}),
        paper_create(
            user=user,
            data={**data, "agenda_item": "4", "meeting": "Another committee"},
        ),
    ]
    migration_apps = state_apps("reports", "0006_papers_onto_meetings")
    meetings.papers_onto_meetings(migration_apps, None)
    for paper in papers:
        paper.refresh_from_db()
    september = Meeting.objects.get(panel=panel, date=data["meeting_date"])
    assert papers[0].panel_meeting == papers[1].panel_meeting == september
    # Two papers under one number keep both, numbered apart.
    assert [i.number for i in september.items.order_by("order")] == ["5b", "5b-2"]
    other = papers[2].panel_meeting
    assert other.panel.name == "Another committee"
    assert AgendaItem.objects.get(meeting=other).paper == papers[2]
    assert papers[0].history.first().history_change_reason == meetings.REASON
    # Run again: nothing moves twice.
    meetings.papers_onto_meetings(migration_apps, None)
    assert AgendaItem.objects.count() == 3
