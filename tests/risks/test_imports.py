"""Register import: reading files, the plan (preview) and applying it all or none."""

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from risks import import_files, import_plan, imports, services
from risks.choices import Marking, RiskStatus
from risks.import_columns import RISK_COLUMNS, build_template
from risks.models import Risk

from ..factories import (
    ActionFactory,
    ControlFactory,
    MembershipFactory,
    RiskFactory,
    ThemeFactory,
    UserFactory,
)
from .spreadsheet_files import (
    RISK_HEADERS,
    existing_row,
    make_csv,
    make_xlsx,
    risk_row,
    snapshot,
)


def plan_for(organisation, content: bytes, name: str = "register.xlsx"):
    return import_plan.build_plan(import_files.read_upload(name, content), organisation)


def messages(plan) -> list[str]:
    return [str(error) for error in plan.errors]


# --- The template -----------------------------------------------------------


def test_template_has_headers_an_example_and_guidance():
    book = load_workbook(io.BytesIO(build_template()))
    assert book.sheetnames == ["Risks", "Guidance", "Controls", "Actions"]
    risks = book["Risks"]
    assert [cell.value for cell in risks[1]] == RISK_HEADERS
    assert risks.max_row == 2  # one example row
    guidance = [[cell.value for cell in row] for row in book["Guidance"].iter_rows()]
    explained = {(row[0], row[1]): row for row in guidance if len(row) == 5}
    for column in RISK_COLUMNS:
        assert ("Risks", column.header) in explained
    category = explained[("Risks", "Category")]
    assert category[2] == "Yes"
    assert "Project/Programme" in category[4]
    assert "whole number from 1 to 5" in explained[("Risks", "Current impact")][4]


def test_the_template_example_can_be_imported_as_is(world):
    plan = plan_for(world.mopac, build_template(), "template.xlsx")
    assert plan.errors == []
    assert [row.reference for row in plan.rows("Risks", "create")] == ["EXAMPLE-R01"]
    assert len(plan.rows("Controls", "create")) == 1
    assert len(plan.rows("Actions", "create")) == 1


# --- The plan (preview) -----------------------------------------------------


def test_plan_lists_creates_and_updates_and_writes_nothing(world):
    before = snapshot()
    content = make_xlsx(
        [
            risk_row(),
            existing_row(
                world.mopac_risk,
                Title="A sharper title",
                **{"Current likelihood": 4},
            ),
        ]
    )
    plan = plan_for(world.mopac, content)
    assert plan.errors == []
    assert [row.reference for row in plan.rows("Risks", "create")] == ["MOPAC-R10"]
    (update,) = plan.rows("Risks", "update")
    assert update.reference == "MOPAC-R01"
    changes = {c.column: (c.old, c.new) for c in update.changes}
    assert changes["Title"] == (world.mopac_risk.title, "A sharper title")
    assert changes["Current likelihood"] == ("3", "4")
    assert set(changes) == {"Title", "Current likelihood"}
    assert snapshot() == before


def test_unchanged_rows_are_reported_as_such(world):
    plan = plan_for(world.mopac, make_xlsx([existing_row(world.mopac_risk)]))
    assert plan.errors == []
    assert plan.counts()["Risks"] == {"create": 0, "update": 0, "unchanged": 1}
    assert not plan.has_changes


def test_one_bad_row_is_reported_with_row_and_column(world):
    content = make_xlsx(
        [
            risk_row(),
            risk_row(Reference="MOPAC-R11", **{"Current likelihood": 7}),
            risk_row(Reference="MOPAC-R12"),
        ]
    )
    plan = plan_for(world.mopac, content)
    assert messages(plan) == [
        "Row 3, column 'Current likelihood': enter a whole number from 1 to 5"
    ]
    with pytest.raises(ValueError):
        imports.apply_plan(plan, user=world.users["mopac-governance"])
    assert not Risk.objects.filter(reference__in=["MOPAC-R10", "MOPAC-R12"]).exists()


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"Inherent impact": 0},
            "Row 2, column 'Inherent impact': enter a whole number from 1 to 5",
        ),
        (
            {"Target likelihood": "two"},
            "Row 2, column 'Target likelihood': enter a whole number from 1 to 5",
        ),
        (
            {"Current impact": 2.5},
            "Row 2, column 'Current impact': enter a whole number from 1 to 5",
        ),
        (
            {"Next review date": "31/02/2019"},
            "Row 2, column 'Next review date': enter a real date, for example "
            "31/12/2019",
        ),
        (
            {"Target date": "next spring"},
            "Row 2, column 'Target date': enter a real date, for example 31/12/2019",
        ),
        (
            {"Category": "Weather"},
            "Row 2, column 'Category': “Weather” is not a category: use one of "
            "Strategy, Governance, Operations, Legal, Property, Financial, "
            "Commercial, People, Technology, Information, Security, "
            "Project/Programme, Reputational",
        ),
        (
            {"Owner": "nobody-here"},
            "Row 2, column 'Owner': no MOPAC member has the username or post "
            "“nobody-here”",
        ),
        (
            {"Owner": "mopac-reader"},
            "Row 2, column 'Owner': mopac-reader cannot own risks: the owner must "
            "be a MOPAC risk owner or governance officer",
        ),
        (
            {"Owner": "mps-owner"},
            "Row 2, column 'Owner': no MOPAC member has the username or post "
            "“mps-owner”",
        ),
        (
            {"Themes": "Finance; Weather"},
            "Row 2, column 'Themes': there is no theme called “Weather” (the themes "
            "are: Finance)",
        ),
        ({"Title": ""}, "Row 2, column 'Title': enter the title"),
        ({"Category": ""}, "Row 2, column 'Category': select the category"),
        (
            {"Title": "x" * 301},
            "Row 2, column 'Title': enter 300 characters or fewer (this has 301)",
        ),
        (
            {"Status": "Closed"},
            "Row 2, column 'Status': a new risk cannot be imported as closed",
        ),
        (
            {"Marking": "OFFICIAL-SENSITIVE"},
            "Row 2, column 'Public summary': enter a public summary: an "
            "OFFICIAL-SENSITIVE risk needs one for redacted papers",
        ),
        (
            {"Target likelihood": 5, "Target impact": 5},
            "Row 2, column 'Target likelihood': The target score cannot be higher "
            "than the inherent score.",
        ),
        (
            {"Organisation": "MPS"},
            "Row 2, column 'Organisation': this row is for “MPS”, but you are "
            "importing into the MOPAC register",
        ),
        (
            {"Owner": "", "Owner post": ""},
            "Row 2, column 'Owner post': enter the owner's post title, or name the "
            "owner in the Owner column",
        ),
    ],
)
def test_bad_cells_are_explained(world, cells, expected):
    ThemeFactory(name="Finance", slug="finance")
    plan = plan_for(world.mopac, make_xlsx([risk_row(**cells)]))
    assert messages(plan) == [expected]


def test_every_bad_row_is_listed(world):
    content = make_xlsx(
        [
            risk_row(**{"Inherent likelihood": 9, "Category": "Weather"}),
            risk_row(Reference="MOPAC-R11"),
            risk_row(Reference="MOPAC-R12", **{"Next review date": "soon"}),
        ]
    )
    assert [(e.row, e.column) for e in plan_for(world.mopac, content).errors] == [
        (2, "Category"),
        (2, "Inherent likelihood"),
        (4, "Next review date"),
    ]


def test_duplicate_reference_within_the_file(world):
    content = make_xlsx(
        [risk_row(), risk_row(Title="Again"), existing_row(world.mopac_risk)]
    )
    assert messages(plan_for(world.mopac, content)) == [
        "Row 3, column 'Reference': MOPAC-R10 is already in row 2 of this file"
    ]


def test_values_are_read_leniently(world):
    ThemeFactory(name="Finance", slug="finance")
    ThemeFactory(name="Community engagement", slug="community-engagement")
    content = make_csv(
        [
            risk_row(
                Category="project/programme",
                Horizon="short term",
                Marking="official",
                Themes="finance, Community Engagement",
                Owner="Director of Strategy",  # a post held by one member
                **{
                    "Owner post": "",
                    "Current likelihood": "3 – Possible",
                    "Target date": "2020-03-31",
                    "Next review date": "1 Dec 2019",
                },
            )
        ]
    )
    plan = plan_for(world.mopac, content, "register.csv")
    assert plan.errors == []
    (row,) = plan.risks
    assert row.data["category"] == "project"
    assert row.data["horizon"] == "short_term"
    assert row.data["current_likelihood"] == 3
    assert row.data["owner_post"] == "Director of Strategy"
    assert row.data["next_review_date"] == datetime.date(2019, 12, 1)
    assert row.owner == world.users["mopac-owner"]
    assert {t.slug for t in row.themes} == {"finance", "community-engagement"}


def test_ambiguous_post_title_is_an_error(world):
    other = UserFactory(username="mopac-owner-2")
    MembershipFactory(
        user=other,
        organisation=world.mopac,
        role="risk_owner",
        post_title="Director of Strategy",
    )
    plan = plan_for(world.mopac, make_xlsx([risk_row(Owner="director of strategy")]))
    assert messages(plan) == [
        "Row 2, column 'Owner': more than one MOPAC member holds the post “director "
        "of strategy”: enter the owner's username instead"
    ]
    plan = plan_for(world.mopac, make_xlsx([risk_row(Owner="mopac-owner-2")]))
    assert plan.errors == []


def test_an_import_cannot_change_status_or_a_closed_risk(world):
    plan = plan_for(
        world.mopac, make_xlsx([existing_row(world.mopac_risk, Status="Draft")])
    )
    assert messages(plan) == [
        "Row 2, column 'Status': an import cannot change the status of a risk (it "
        "is Open in the register)"
    ]
    services.risk_close(
        risk=world.mopac_risk, user=world.users["mopac-governance"], reason="Done"
    )
    world.mopac_risk.refresh_from_db()
    row = existing_row(world.mopac_risk, Status="Closed")
    assert plan_for(world.mopac, make_xlsx([row])).errors == []
    row["Title"] = "Changed"
    assert messages(plan_for(world.mopac, make_xlsx([row]))) == [
        "Row 2: MOPAC-R01 is closed, so it cannot be changed"
    ]


def test_formula_cells_are_refused(world):
    book = Workbook()
    sheet = book.active
    sheet.append(RISK_HEADERS)
    row = risk_row()
    sheet.append([row.get(header) for header in RISK_HEADERS])
    sheet["C2"] = "=A2&B2"  # Title
    buffer = io.BytesIO()
    book.save(buffer)
    plan = plan_for(world.mopac, buffer.getvalue())
    assert messages(plan) == [
        "Row 2, column 'Title': the cell holds a formula: enter the value itself"
    ]


def test_neutralised_text_reads_back_as_typed(world):
    plan = plan_for(world.mopac, make_xlsx([risk_row(Title="'=1+1")]))
    assert plan.errors == []
    assert plan.risks[0].data["title"] == "=1+1"


def test_an_export_imports_back_without_changes(client, world):
    risk = world.mopac_risk
    risk.themes.add(ThemeFactory(name="Finance", slug="finance"))
    ControlFactory(risk=risk, description="=Board oversight")
    ActionFactory(risk=risk, revised_due_date=datetime.date(2020, 1, 31))
    client.force_login(world.users["mopac-governance"])
    for url, name in (
        (reverse("risks:export_xlsx"), "export.xlsx"),
        (reverse("risks:export_csv"), "export.csv"),
    ):
        content = client.get(url, {"organisation": "mopac"}).getvalue()
        plan = plan_for(world.mopac, content, name)
        assert plan.errors == []
        assert not plan.has_changes
        assert plan.counts()["Risks"]["unchanged"] == 1
        assert "Inherent score" in plan.ignored_columns["Risks"]
    assert plan.counts()["Controls"]["unchanged"] == 0  # CSV: risks only


def test_controls_and_actions_are_matched_by_description(world):
    risk = world.mopac_risk
    control = ControlFactory(risk=risk, description="Monthly oversight board.")
    content = make_xlsx(
        [risk_row()],
        controls=[
            {
                "Risk reference": "MOPAC-R01",
                "Description": "monthly  oversight board",
                "Owner post": "Head of Governance",
                "Effectiveness": "Effective",
            },
            {
                "Risk reference": "MOPAC-R10",
                "Description": "New grant conditions.",
                "Owner post": "Head of Finance",
            },
            {
                "Risk reference": "MOPAC-R99",
                "Description": "Orphan.",
                "Owner post": "Head of Finance",
            },
        ],
        actions=[
            {
                "Risk reference": "MOPAC-R10",
                "Description": "Bid for funding.",
                "Owner post": "Head of Finance",
                "Due date": datetime.date(2019, 12, 31),
                "Revised due date": datetime.date(2019, 11, 30),
                "Status": "On track",
            },
        ],
    )
    plan = plan_for(world.mopac, content)
    assert messages(plan) == [
        "Controls sheet, row 4, column 'Risk reference': there is no risk MOPAC-R99 "
        "on the Risks sheet or in the MOPAC register",
        "Actions sheet, row 2, column 'Revised due date': the revised due date must "
        "be after the due date",
    ]
    (update,) = plan.rows("Controls", "update")
    assert update.existing == control
    assert [(c.column, c.old, c.new) for c in update.changes] == [
        ("Effectiveness", "Not assessed", "Effective")
    ]
    assert [row.risk_reference for row in plan.rows("Controls", "create")] == [
        "MOPAC-R10"
    ]


def test_references_match_whatever_their_case(world):
    row = existing_row(world.mopac_risk, Reference="mopac-r01", Title="New title")
    plan = plan_for(world.mopac, make_xlsx([row]))
    (update,) = plan.rows("Risks", "update")
    assert update.reference == "MOPAC-R01"
    assert [c.column for c in update.changes] == ["Title"]
    imports.apply_plan(plan, user=world.users["mopac-governance"])
    world.mopac_risk.refresh_from_db()
    assert (world.mopac_risk.reference, world.mopac_risk.title) == (
        "MOPAC-R01",
        "New title",
    )
    content = make_xlsx([risk_row(), risk_row(Reference="mopac-r10")])
    assert messages(plan_for(world.mopac, content)) == [
        "Row 3, column 'Reference': mopac-r10 is already in row 2 of this file"
    ]


def test_a_workbook_of_controls_only(world):
    book = Workbook()
    book.active.title = "Controls"
    book.active.append(["Risk reference", "Description", "Owner post"])
    book.active.append(["mopac-r01", "Weekly check.", "Head of Governance"])
    buffer = io.BytesIO()
    book.save(buffer)
    plan = plan_for(world.mopac, buffer.getvalue())
    assert plan.errors == []
    imports.apply_plan(plan, user=world.users["mopac-governance"])
    control = world.mopac_risk.controls.get()
    assert control.description == "Weekly check."
    assert control.history.first().history_change_reason == (
        "Imported from register.xlsx"
    )


def test_plan_queries_do_not_grow_with_rows(world):
    counts = []
    for total in (5, 50):
        rows = [risk_row(Reference=f"MOPAC-N{n:03d}") for n in range(total)]
        workbook = import_files.read_upload("register.xlsx", make_xlsx(rows))
        with CaptureQueriesContext(connection) as queries:
            plan = import_plan.build_plan(workbook, world.mopac)
        assert plan.errors == []
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Reading files ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("register.xls", b"\xd0\xcf\x11\xe0", r"must be an Excel workbook \(.xlsx\)"),
        ("register.txt", b"Reference", r"must be an Excel workbook \(.xlsx\)"),
        ("register.xlsx", b"not a zip file", "not an Excel workbook we can read"),
        ("register.xlsx", b"", "The file is empty"),
        ("register.csv", b"PK\x03\x04\x00\x00binary", "not a CSV file we can read"),
        (
            "register.csv",
            b"Reference,Title\nMOPAC-R10,Thing\n",
            "These are missing: Cause, Event, Effect, Category",
        ),
        ("register.csv", ",".join(RISK_HEADERS).encode(), "no rows to import"),
        (
            "register.csv",
            (",".join([*RISK_HEADERS, "Title"]) + "\nx\n").encode(),
            "more than one “Title” column",
        ),
    ],
)
def test_unreadable_files_are_refused(name, content, expected):
    with pytest.raises(import_files.ImportFileError, match=expected):
        import_files.read_upload(name, content)


def test_a_renamed_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(import_files.ImportFileError, match="not an Excel workbook"):
        import_files.read_upload("register.xlsx", buffer.getvalue())


def test_size_and_row_limits(settings):
    settings.RISK_IMPORT_MAX_BYTES = 1000
    with pytest.raises(import_files.ImportFileError, match="smaller than 1000 bytes"):
        import_files.read_upload("register.csv", b"x" * 1001)
    settings.RISK_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    settings.RISK_IMPORT_MAX_ROWS = 3
    rows = [risk_row(Reference=f"MOPAC-N{n}") for n in range(4)]
    with pytest.raises(import_files.ImportFileError, match="more than 3 rows"):
        import_files.read_upload("register.xlsx", make_xlsx(rows))
    assert len(import_files.read_upload("register.csv", make_csv(rows[:3])).sheets) == 1


def test_windows_csv_and_blank_rows(world):
    content = make_csv([risk_row(Title="Café funding"), {}], encoding="cp1252")
    workbook = import_files.read_upload("register.csv", content)
    assert [number for number, _ in workbook.sheets["Risks"].rows] == [2]
    plan = import_plan.build_plan(workbook, world.mopac)
    assert plan.risks[0].data["title"] == "Café funding"


def test_raw_rows_survive_the_session_round_trip():
    workbook = import_files.read_upload("register.xlsx", make_xlsx([risk_row()]))
    again = import_files.RawWorkbook.from_json(workbook.to_json())
    assert again == workbook


# --- Applying ---------------------------------------------------------------


def full_file(world) -> bytes:
    return make_xlsx(
        [
            risk_row(),
            existing_row(world.mopac_risk, Title="A sharper title", Owner=""),
            risk_row(Reference="MOPAC-R11", Owner="mopac-governance"),
            risk_row(Reference="MOPAC-R12"),
        ],
        controls=[
            {
                "Risk reference": "MOPAC-R10",
                "Description": "Grant conditions.",
                "Owner post": "Head of Finance",
                "Type": "Directive",
            }
        ],
        actions=[
            {
                "Risk reference": "MOPAC-R01",
                "Description": "Bid for funding.",
                "Owner post": "Head of Finance",
                "Due date": "31/12/2019",
            }
        ],
    )


def test_apply_makes_every_change_with_the_reason(world):
    governance = world.users["mopac-governance"]
    plan = plan_for(world.mopac, full_file(world))
    assert plan.errors == []
    counts = imports.apply_plan(plan, user=governance)
    assert counts["Risks"] == {"create": 3, "update": 1, "unchanged": 0}
    created = Risk.objects.get(organisation=world.mopac, reference="MOPAC-R10")
    assert created.owner == world.users["mopac-owner"]
    assert created.horizon == "short_term"
    assert created.target_date == datetime.date(2020, 3, 31)
    assert created.controls.get().control_type == "directive"
    world.mopac_risk.refresh_from_db()
    assert world.mopac_risk.title == "A sharper title"
    assert world.mopac_risk.owner is None
    assert world.mopac_risk.actions.get().due_date == datetime.date(2019, 12, 31)
    for record in (
        created.history.first(),
        world.mopac_risk.history.first(),
        created.controls.get().history.first(),
        world.mopac_risk.actions.get().history.first(),
    ):
        assert record.history_change_reason == "Imported from register.xlsx"
        assert record.history_user == governance
    # The old owner lost the edit permission the owner held.
    assert not services.risk_delegates(world.mopac_risk)
    # Applying the same file again changes nothing.
    again = plan_for(world.mopac, full_file(world))
    assert again.errors == [] and not again.has_changes


def test_a_crash_mid_apply_writes_nothing(world, monkeypatch):
    plan = plan_for(world.mopac, full_file(world))
    before = snapshot()
    calls = []
    real_create = services.risk_create

    def flaky_create(**kwargs):
        calls.append(kwargs["data"]["reference"])
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "risk_create", flaky_create)
    with pytest.raises(RuntimeError):
        imports.apply_plan(plan, user=world.users["mopac-governance"])
    assert calls == ["MOPAC-R10", "MOPAC-R11", "MOPAC-R12"]
    assert snapshot() == before


def test_a_service_refusal_mid_apply_writes_nothing(world):
    plan = plan_for(world.mopac, full_file(world))
    before = snapshot()
    # A reader cannot manage the register: the services refuse the first write.
    with pytest.raises(services.PermissionDenied):
        imports.apply_plan(plan, user=world.users["mopac-reader"])
    assert snapshot() == before


def test_a_register_change_after_planning_is_refused(world):
    plan = plan_for(world.mopac, full_file(world))
    services.risk_update(
        risk=world.mopac_risk,
        user=world.users["mopac-governance"],
        data={"title": "Someone else's title"},
    )
    before = snapshot()
    with pytest.raises(imports.ImportConflict, match="MOPAC-R01 was changed"):
        imports.apply_plan(plan, user=world.users["mopac-governance"])
    assert snapshot() == before


def test_a_reference_taken_after_planning_is_refused(world):
    plan = plan_for(world.mopac, full_file(world))
    RiskFactory(organisation=world.mopac, reference="MOPAC-R11")
    before = snapshot()
    with pytest.raises(imports.ImportConflict, match="MOPAC-R11 was added"):
        imports.apply_plan(plan, user=world.users["mopac-governance"])
    assert snapshot() == before


def test_a_sensitive_risk_with_a_summary_imports(world):
    row = risk_row(Marking="OFFICIAL-SENSITIVE", **{"Public summary": "Summary."})
    plan = plan_for(world.mopac, make_xlsx([row]))
    imports.apply_plan(plan, user=world.users["mopac-governance"])
    risk = Risk.objects.get(reference="MOPAC-R10")
    assert risk.marking == Marking.OFFICIAL_SENSITIVE
    assert risk.status == RiskStatus.OPEN


# --- The command ------------------------------------------------------------


@pytest.fixture
def register_file(tmp_path, world):
    path = tmp_path / "register.xlsx"
    path.write_bytes(full_file(world))
    return path


def test_command_dry_run_prints_the_preview_and_writes_nothing(
    world, register_file, capsys
):
    before = snapshot()
    call_command(
        "import_register",
        "mopac",
        str(register_file),
        user="mopac-governance",
        dry_run=True,
    )
    out = capsys.readouterr().out
    assert "Risks: 3 to add, 1 to change, 0 unchanged." in out
    assert "+ row 2: MOPAC-R10 Funding gap in victim services" in out
    assert "~ row 3: MOPAC-R01: Title:" in out
    assert "Dry run: nothing has been imported." in out
    assert snapshot() == before


def test_command_imports(world, register_file):
    call_command(
        "import_register", "mopac", str(register_file), user="mopac-governance"
    )
    risk = Risk.objects.get(organisation=world.mopac, reference="MOPAC-R12")
    assert risk.history.first().history_change_reason == "Imported from register.xlsx"


def test_command_reports_errors_with_exit_code_1(world, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(make_csv([risk_row(**{"Current impact": 6})]))
    before = snapshot()
    with pytest.raises(CommandError) as raised:
        call_command("import_register", "mopac", str(path), user="mopac-governance")
    assert raised.value.returncode == 1
    assert "nothing has been imported" in str(raised.value)
    assert (
        "Row 2, column 'Current impact': enter a whole number from 1 to 5"
        in capsys.readouterr().err
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mopac", "FILE", "--user", "mopac-owner"], "not a MOPAC governance"),
        (["mps", "FILE", "--user", "mopac-governance"], "not a MPS governance"),
        (["nowhere", "FILE", "--user", "mopac-governance"], "No organisation"),
        (["mopac", "FILE", "--user", "nobody"], "No user"),
        (["mopac", "/no/such/file.xlsx", "--user", "mopac-governance"], "Cannot read"),
    ],
)
def test_command_refusals(world, register_file, args, message):
    args = [str(register_file) if arg == "FILE" else arg for arg in args]
    with pytest.raises(CommandError, match=message):
        call_command("import_register", *args)
    assert not Risk.objects.filter(reference="MOPAC-R10").exists()


def test_export_then_import_changes_nothing(client, world):
    """Round trip: the register's own export, imported back, is all "unchanged"."""
    risk = world.mopac_risk
    services.control_create(
        risk=risk,
        user=world.users["mopac-owner"],
        data={"description": "=SUM(A1) looks like a formula", "owner_post": "Head"},
    )
    services.action_create(
        risk=risk,
        user=world.users["mopac-owner"],
        data={
            "description": "Refresh the ward panels",
            "owner_post": "Head",
            "due_date": datetime.date(2020, 3, 31),
        },
    )
    client.force_login(world.users["mopac-governance"])
    exported = client.get(reverse("risks:export_xlsx"), {"organisation": "mopac"})
    assert exported.status_code == 200
    plan = plan_for(world.mopac, exported.getvalue(), "export.xlsx")
    assert plan.errors == []
    assert not plan.has_changes
    assert plan.counts()["Risks"]["unchanged"] == 1


def test_text_a_workbook_must_escape_survives_the_round_trip(client, world):
    """A control character, and text that looks like the escape for one."""
    title = "Vertical\x0btab, and _x0041_ typed as it is"
    Risk.objects.filter(pk=world.mopac_risk.pk).update(title=title)
    client.force_login(world.users["mopac-governance"])
    exported = client.get(reverse("risks:export_xlsx"), {"organisation": "mopac"})
    plan = plan_for(world.mopac, exported.getvalue(), "export.xlsx")
    assert plan.errors == []
    assert not plan.has_changes
    assert plan.risks[0].data["title"] == title


def test_escapes_in_any_workbook_are_read_as_the_text_they_stand_for(world):
    content = make_xlsx([risk_row(Title="Tab_x0009_here, _x005F_x0041_ kept")])
    plan = plan_for(world.mopac, content)
    assert plan.errors == []
    assert plan.risks[0].data["title"] == "Tab\there, _x0041_ kept"
