"""Seals are made at each period close and publication, and on the demo."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import Occasion, Seal
from audit.verification import verify_history
from reports import services as paper_services
from risks import services
from risks.models import ReportingPeriod, Risk

from ..factories import ReportingPeriodFactory, ThemeFactory
from .conftest import behind_the_apps_back, run

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def period(world):
    """A current MOPAC period in which the one open risk is reviewed."""
    period = ReportingPeriodFactory(
        organisation=world.mopac,
        label="Current quarter",
        start=TODAY - 30 * DAY,
        end=TODAY + 30 * DAY,
    )
    services.review_record(
        risk=world.mopac_risk,
        period=period,
        user=world.users["mopac-governance"],
        likelihood=3,
        impact=4,
        commentary="Reviewed at the quarterly board.",
    )
    return period


def test_closing_a_period_seals_history_including_the_close(
    client, world, period, django_capture_on_commit_callbacks
):
    client.force_login(world.users["mopac-governance"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("risks:period_close", args=[period.pk]))

    assert response.status_code == 302
    seal = Seal.objects.get()
    assert seal.occasion == Occasion.PERIOD_CLOSE
    assert seal.note == "MOPAC Current quarter closed"
    close = ReportingPeriod.history.filter(id=period.pk, is_closed=True).get()
    table = ReportingPeriod.history.model._meta.db_table
    assert seal.tables[table]["through"] >= close.history_id
    assert verify_history().ok


def test_a_refused_close_makes_no_seal(world, django_capture_on_commit_callbacks):
    period = ReportingPeriodFactory(
        organisation=world.mopac, start=TODAY - 30 * DAY, end=TODAY + 30 * DAY
    )
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Exception, match="cannot close"):
            services.period_close(period=period, user=world.users["mopac-governance"])
    assert not Seal.objects.exists()


def test_publishing_a_paper_seals_history_with_the_files_sha256(
    world, django_capture_on_commit_callbacks
):
    governance = world.users["mopac-governance"]
    paper = paper_services.paper_create(
        user=governance,
        data={
            "meeting_date": datetime.date(2019, 9, 18),
            "agenda_item": "5b",
            "title": "Alignment of MOPAC and Met Risks",
            "report_by": "Head of Governance",
            "period_label": "2019/20 Q2",
            "period_end": datetime.date(2019, 9, 30),
        },
        themes=[ThemeFactory(name="Community engagement")],
    )
    for org in (world.mopac, world.mps):
        paper_services.paper_clear(
            paper=paper, organisation=org, user=world.users[f"{org.slug}-governance"]
        )
    with django_capture_on_commit_callbacks(execute=True):
        publication = paper_services.paper_publish(paper=paper, user=governance)
    publication.refresh_from_db()

    seal = Seal.objects.get()
    assert seal.occasion == Occasion.PUBLICATION
    assert seal.files == {
        publication.full_pdf.name: publication.full_sha256,
        publication.public_pdf.name: publication.public_sha256,
        publication.full_docx.name: publication.full_docx_sha256,
        publication.public_docx.name: publication.public_docx_sha256,
    }
    assert f"version {publication.version} published" in seal.note
    published = publication.history.order_by("-history_id").first()
    table = publication.history.model._meta.db_table
    assert seal.tables[table]["through"] >= published.history_id
    assert verify_history().ok


@pytest.mark.django_db
def test_the_demo_seals_verifies_and_names_a_row_changed_behind_its_back(settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("load_demo", "--until", "2026-12-04", stdout=None)

    assert run("seal_history")[0] == 0
    status, output = run("verify_history")

    assert status == 0, output
    assert output.startswith("History verified: ")

    # One row of the demo's 2019 history changed behind the application's back.
    table = Risk.history.model._meta.db_table
    oldest = Risk.history.order_by("history_id").first()
    with behind_the_apps_back(table) as cursor:
        cursor.execute(
            f"UPDATE {table} SET title = title || ' (rewritten)' "  # noqa: S608
            "WHERE history_id = %s",
            [oldest.history_id],
        )
    status, output = run("verify_history")

    assert status == 1
    assert f"{table} history id {oldest.history_id}: changed after seal 1" in output
