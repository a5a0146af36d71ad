"""Register exports: XLSX and CSV, labels not codes, safe cells, same filters."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from alignment.models import AlignmentLink, LinkStatus
from risks.choices import (
    ActionStatus,
    Appetite,
    AssuranceLine,
    Category,
    ControlType,
    Effectiveness,
    Marking,
    Proximity,
)
from risks.export_rows import ACTION_COLUMNS, CONTROL_COLUMNS, RISK_COLUMNS
from risks.models import Action, Control, Risk

from ..factories import (
    ActionFactory,
    ControlFactory,
    RiskFactory,
    ThemeFactory,
    UserFactory,
)

XLSX_URL = reverse("risks:export_xlsx")
CSV_URL = reverse("risks:export_csv")
# Queries for one export, whatever its length: session, user, their membership,
# the filter options (one UNION), the theme names, and the risks (with their
# organisation, owner and theme ids); the workbook also reads the controls and
# the actions of those risks.
CSV_QUERIES = 6
XLSX_QUERIES = 8


def workbook(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.getvalue()))


def rows_by_reference(sheet) -> dict[str, dict]:
    """Return each data row as {header: cell}, keyed by its first column."""
    headers = [cell.value for cell in sheet[1]]
    rows = {}
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(headers, row, strict=True))
        rows.setdefault(row[0].value, []).append(cells)
    return rows


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    return csv_text_rows(response.getvalue())


def csv_text_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def agree(proposer_risk, partner_risk):
    return AlignmentLink.objects.create(
        proposer_risk=proposer_risk,
        partner_risk=partner_risk,
        theme=ThemeFactory(name="Violence", slug="violence"),
        rationale="Same concern.",
        status=LinkStatus.AGREED,
        proposed_by_organisation=proposer_risk.organisation,
        proposed_by=UserFactory(username="proposer"),
    )


@pytest.fixture
def export_world(world):
    """A MOPAC risk with every field set, a control, two actions and a theme."""
    finance = ThemeFactory(name="Finance", slug="finance")
    risk = RiskFactory(
        organisation=world.mopac,
        reference="MOPAC-R02",
        title="=1+1",
        cause="@SUM(A1:A9) because of cuts,",
        event="+there is a risk",
        effect="-which would hurt.",
        category=Category.PROJECT,
        owner=world.users["mopac-owner"],
        owner_post="Director of Strategy",
        appetite=Appetite.AVERSE,
        proximity=Proximity.UNDER_3_MONTHS,
        marking=Marking.OFFICIAL_SENSITIVE,
        public_summary="A summary for the public.",
        target_date=datetime.date(2020, 3, 31),
        next_review_date=datetime.date(2019, 12, 31),
    )
    risk.themes.add(finance)
    ControlFactory(
        risk=risk,
        description='=HYPERLINK("http://example.invalid")',
        control_type=ControlType.DETECTIVE,
        effectiveness=Effectiveness.PARTIALLY_EFFECTIVE,
        assurance_line=AssuranceLine.THIRD,
    )
    ActionFactory(
        risk=risk,
        description="Long overdue review.",
        due_date=datetime.date(2019, 1, 31),
        status=ActionStatus.AT_RISK,
    )
    ActionFactory(
        risk=risk,
        description="Finished work.",
        due_date=datetime.date(2019, 1, 31),
        revised_due_date=datetime.date(2019, 2, 28),
        status=ActionStatus.COMPLETE,
    )
    return risk


def test_anonymous_users_are_sent_to_log_in(client, world):
    for url in (XLSX_URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_xlsx_has_risks_controls_and_actions_with_labels(client, world, export_world):
    client.force_login(world.users["mopac-reader"])
    response = client.get(XLSX_URL)
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["Risks", "Controls", "Actions"]

    risks = rows_by_reference(book["Risks"])
    assert set(risks) == {"MOPAC-R01", "MOPAC-R02"}
    row = {name: cell.value for name, cell in risks["MOPAC-R02"][0].items()}
    assert row["Organisation"] == "MOPAC"
    assert row["Category"] == "Project/Programme"
    assert row["Themes"] == "Finance"
    assert row["Owner username"] == "mopac-owner"
    assert row["Owner post"] == "Director of Strategy"
    assert row["Horizon"] == "Long-term"
    assert row["Status"] == "Open"
    assert row["Treatment"] == "Treat"
    assert (row["Inherent likelihood"], row["Inherent impact"]) == (4, 5)
    assert (row["Inherent score"], row["Inherent band"]) == (20, "Very high")
    assert (row["Current score"], row["Current band"]) == (12, "High")
    assert (row["Target score"], row["Target band"]) == (6, "Medium")
    assert row["Appetite"] == "Averse"
    assert row["Within appetite"] == "No"
    assert row["Proximity"] == "Less than 3 months"
    assert row["Marking"] == "OFFICIAL-SENSITIVE"
    assert row["Public summary"] == "A summary for the public."

    controls = rows_by_reference(book["Controls"])["MOPAC-R02"]
    control = {name: cell.value for name, cell in controls[0].items()}
    assert control["Type"] == "Detective"
    assert control["Effectiveness"] == "Partially effective"
    assert control["Assurance line"] == "3rd line"

    actions = rows_by_reference(book["Actions"])["MOPAC-R02"]
    by_description = {a["Description"].value: a for a in actions}
    late = by_description["Long overdue review."]
    assert late["Status"].value == "At risk"
    assert late["Overdue"].value == "Yes"
    assert by_description["Finished work."]["Overdue"].value == "No"


def test_xlsx_dates_are_real_dates(client, world, export_world):
    client.force_login(world.users["mopac-governance"])
    book = workbook(client.get(XLSX_URL))
    row = rows_by_reference(book["Risks"])["MOPAC-R02"][0]
    for header, expected in (
        ("Target date", datetime.date(2020, 3, 31)),
        ("Next review date", datetime.date(2019, 12, 31)),
    ):
        cell = row[header]
        assert cell.is_date
        assert cell.value.date() == expected
        assert cell.number_format == "dd/mm/yyyy"
    action = rows_by_reference(book["Actions"])["MOPAC-R02"][1]
    assert action["Due date"].is_date
    assert action["Revised due date"].value.date() == datetime.date(2019, 2, 28)


def column_widths(sheet) -> list[float]:
    """Each column's width; a run of columns of one width is stored as one range."""
    widths = {}
    for dimension in sheet.column_dimensions.values():
        for index in range(dimension.min, dimension.max + 1):
            widths[index] = dimension.width
    return [widths[index] for index in sorted(widths)]


def test_xlsx_keeps_its_layout(client, world, export_world):
    client.force_login(world.users["mopac-governance"])
    book = workbook(client.get(XLSX_URL))
    for sheet, columns in zip(
        book, (RISK_COLUMNS, CONTROL_COLUMNS, ACTION_COLUMNS), strict=True
    ):
        headers = sheet[1]
        assert [cell.value for cell in headers] == [c.header for c in columns]
        assert all(cell.font.bold for cell in headers)
        assert not any(cell.font.bold for cell in sheet[2])
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        assert sheet.dimensions.endswith(str(sheet.max_row))
        assert column_widths(sheet) == [column.width for column in columns]
    risks = book["Risks"]
    assert risks.dimensions == "A1:AF3"
    assert risks.column_dimensions["C"].width == 40  # the title


def test_xlsx_never_writes_a_formula(client, world, export_world):
    client.force_login(world.users["mopac-governance"])
    book = workbook(client.get(XLSX_URL))
    row = rows_by_reference(book["Risks"])["MOPAC-R02"][0]
    for header, text in (
        ("Title", "=1+1"),
        ("Cause", "@SUM(A1:A9) because of cuts,"),
        ("Event", "+there is a risk"),
        ("Effect", "-which would hurt."),
    ):
        assert row[header].data_type == "s"
        assert row[header].value == "'" + text
    control = rows_by_reference(book["Controls"])["MOPAC-R02"][0]
    assert control["Description"].data_type == "s"
    assert control["Description"].value.startswith("'=HYPERLINK")
    for sheet in book:
        for cells in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in cells)


def test_csv_is_the_risks_sheet_with_safe_cells(client, world, export_world):
    client.force_login(world.users["mopac-governance"])
    response = client.get(CSV_URL)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming  # sent while it is written
    content = response.getvalue()
    assert content.startswith("\ufeff".encode())
    rows = {row["Reference"]: row for row in csv_text_rows(content)}
    assert set(rows) == {"MOPAC-R01", "MOPAC-R02"}
    row = rows["MOPAC-R02"]
    assert row["Title"] == "'=1+1"
    assert row["Cause"] == "'@SUM(A1:A9) because of cuts,"
    assert row["Category"] == "Project/Programme"
    assert row["Marking"] == "OFFICIAL-SENSITIVE"
    assert row["Within appetite"] == "No"
    assert row["Target date"] == "2020-03-31"
    assert row["Current score"] == "12"


def test_exports_follow_the_register_filters(client, world, export_world):
    client.force_login(world.users["mopac-governance"])
    params = {"category": "project"}
    book = workbook(client.get(XLSX_URL, params))
    assert set(rows_by_reference(book["Risks"])) == {"MOPAC-R02"}
    assert set(rows_by_reference(book["Controls"])) == {"MOPAC-R02"}
    assert [row["Reference"] for row in csv_rows(client.get(CSV_URL, params))] == [
        "MOPAC-R02"
    ]
    searched = csv_rows(client.get(CSV_URL, {"q": "overwhelmed"}))
    assert [row["Reference"] for row in searched] == ["MOPAC-R01"]
    by_score = csv_rows(client.get(CSV_URL, {"sort": "score"}))
    assert [row["Reference"] for row in by_score] == ["MOPAC-R01", "MOPAC-R02"]
    # A filter the register would ignore is ignored here too.
    everything = csv_rows(client.get(CSV_URL, {"category": "no-such"}))
    assert len(everything) == 2


def test_other_organisations_unaligned_risks_are_absent(client, world, export_world):
    mps_aligned = RiskFactory(organisation=world.mps, reference="MPS-R02")
    agree(world.mopac_risk, mps_aligned)
    client.force_login(world.users["mopac-reader"])
    references = {row["Reference"] for row in csv_rows(client.get(CSV_URL))}
    assert references == {"MOPAC-R01", "MOPAC-R02", "MPS-R02"}
    assert "MPS-R01" not in references
    book = workbook(client.get(XLSX_URL, {"organisation": "mps"}))
    assert set(rows_by_reference(book["Risks"])) == {"MPS-R02"}

    client.force_login(world.users["mps-reader"])
    references = {row["Reference"] for row in csv_rows(client.get(CSV_URL))}
    assert references == {"MPS-R01", "MPS-R02", "MOPAC-R01"}  # not the sensitive R02


def test_panel_members_export_aligned_risks_only(client, world, export_world):
    mps_aligned = RiskFactory(organisation=world.mps, reference="MPS-R02")
    agree(world.mopac_risk, mps_aligned)
    client.force_login(world.users["panel"])
    references = {row["Reference"] for row in csv_rows(client.get(CSV_URL))}
    assert references == {"MOPAC-R01", "MPS-R02"}
    client.force_login(world.users["outsider"])
    assert csv_rows(client.get(CSV_URL)) == []
    book = workbook(client.get(XLSX_URL))
    for sheet in book:  # headers only, still frozen and filterable
        assert sheet.max_row == 1
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions


def add_risks(world, theme, count: int) -> None:
    """Add MOPAC risks, each with a theme, a control and an action, in bulk."""
    first = world.mopac.risks.count()
    risks = Risk.objects.bulk_create(
        RiskFactory.build(
            organisation=world.mopac,
            owner=world.users["mopac-owner"],
            reference=f"MOPAC-B{number:04d}",
        )
        for number in range(first, first + count)
    )
    Risk.themes.through.objects.bulk_create(
        Risk.themes.through(risk=risk, theme=theme) for risk in risks
    )
    Control.objects.bulk_create(ControlFactory.build(risk=risk) for risk in risks)
    Action.objects.bulk_create(ActionFactory.build(risk=risk) for risk in risks)


def test_export_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    client.force_login(world.users["mopac-governance"])
    theme = ThemeFactory(name="Finance", slug="finance")
    for total in (10, 1000):
        add_risks(world, theme, total - world.mopac.risks.count())
        for url, queries in ((XLSX_URL, XLSX_QUERIES), (CSV_URL, CSV_QUERIES)):
            with django_assert_num_queries(queries):
                response = client.get(url, {"organisation": "mopac", "sort": "-score"})
                content = response.getvalue()  # streamed: read it all here
            assert response.status_code == 200
            assert content
        book = workbook(client.get(XLSX_URL))
        assert book["Risks"].max_row == total + 1
        assert book["Controls"].max_row == total  # MOPAC-R01 has none
        assert book["Actions"].max_row == total
        assert len(csv_rows(client.get(CSV_URL))) == total
