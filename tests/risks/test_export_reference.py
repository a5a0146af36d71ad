"""The exports say what they said before: the CSV byte for byte, the sheets cell
for cell, compared with the model-instance reference on the demo and on a
generated register, for several users and filters."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports.generator import generate_register
from reports.generator_plan import Options
from risks import access, selectors
from risks.choices import ActionStatus, Marking, RiskStatus
from risks.models import Organisation, Risk

from ..factories import ActionFactory, ControlFactory, RiskFactory, ThemeFactory
from .export_reference import reference_csv, reference_sheets

CSV_URL = reverse("risks:export_csv")
XLSX_URL = reverse("risks:export_xlsx")
PARAMS = (
    {},
    {"sort": "-score"},
    {"sort": "score", "status": "open"},
    {"organisation": "mps"},
    {"q": "victim"},
)


def body(response) -> bytes:
    assert response.status_code == 200
    return response.getvalue()


def exported_risks(user, params: dict):
    """The risks /risks/ lists for these parameters, in its order."""
    visible = access.viewable_risks(user)
    options = selectors.register_filter_options(visible)
    filters = selectors.RegisterFilters.from_params(params, options)
    return filters.apply(visible).with_scores().order_by(*filters.ordering)


def workbook_values(content: bytes) -> dict[str, list[list]]:
    """Every sheet's rows as values, dates as dates (Excel stores date-times)."""
    book = load_workbook(io.BytesIO(content))
    sheets = {}
    for sheet in book:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(
                [
                    value.date() if isinstance(value, datetime.datetime) else value
                    for value in row
                ]
            )
        sheets[sheet.title] = rows
    return sheets


def assert_same_as_reference(client, usernames, params_list=PARAMS) -> int:
    """Compare both exports with the reference; return the risk rows compared."""
    compared = 0
    today = timezone.localdate()
    for username in usernames:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        for params in params_list:
            risks = exported_risks(user, params)
            new_csv = body(client.get(CSV_URL, params))
            assert new_csv == reference_csv(risks), (username, params)
            new_sheets = workbook_values(body(client.get(XLSX_URL, params)))
            assert new_sheets == reference_sheets(risks, today), (username, params)
            compared += len(new_sheets["Risks"]) - 1
    return compared


@pytest.fixture
def demo(db):
    call_command("load_demo", "--until", "2026-12-04", verbosity=0)


def test_the_demo_exports_as_before(client, demo):
    compared = assert_same_as_reference(
        client, ["mopac-governance", "met-reader", "panel-member", "admin"]
    )
    assert compared > 30


@pytest.fixture
def generated(db):
    """A generated register, and risks with every awkward value a cell can hold."""
    generate_register(Options(risks_per_org=45, versions=2, quarters=2))
    mopac = Organisation.objects.get(slug="mopac")
    owner = get_user_model().objects.get(username="bench-mopac-owner")
    # Names whose order differs between byte order and a database collation.
    themes = [
        ThemeFactory(name=name, slug=f"awkward-{number}")
        for number, name in enumerate(("zeta", "Alpha", "émigré", "beta", "Zulu"))
    ]
    awkward = [
        RiskFactory(
            organisation=mopac,
            reference="MOPAC-Z01",
            title='=HYPERLINK("http://example.invalid","x")',
            cause='+because, "quoted" and\nover two lines',
            event="-there is a risk",
            effect="@SUM(A1) which would hurt",
            owner=None,
            owner_post="\tTabbed post",
            public_summary="http://example.invalid/summary",
            marking=Marking.OFFICIAL_SENSITIVE,
            target_date=None,
            next_review_date=None,
        ),
        RiskFactory(
            organisation=mopac,
            reference="MOPAC-Z02",
            title="Ünïcödé — “quotes” and ‘more’ 🚓",
            owner=owner,
            status=RiskStatus.DRAFT,
            current_likelihood=1,
            current_impact=1,
            target_likelihood=1,
            target_impact=1,
        ),
    ]
    awkward[0].themes.add(*themes)
    awkward[1].themes.add(themes[1], themes[3])
    ControlFactory(risk=awkward[0], description="=1+1")
    ActionFactory(
        risk=awkward[0],
        description="-1 slipped",
        due_date=datetime.date(2019, 1, 31),
        revised_due_date=datetime.date(2030, 1, 31),
        status=ActionStatus.ON_TRACK,
    )
    ActionFactory(
        risk=awkward[0],
        description="Same day, lower id first",
        due_date=datetime.date(2019, 1, 31),
        status=ActionStatus.CANCELLED,
    )
    return awkward


def test_a_generated_register_exports_as_before(client, generated):
    usernames = ["bench-mopac-governance", "bench-mps-reader", "bench-mopac-owner"]
    params = (*PARAMS, {"theme": "awkward-0"}, {"owner": "bench-mopac-owner"})
    compared = assert_same_as_reference(client, usernames, params)
    assert compared > 300
    assert Risk.objects.filter(reference__startswith="MOPAC-Z").count() == 2
