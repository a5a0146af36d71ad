"""A governance officer imports a register in real Chromium; axe-core on each page."""

from playwright.sync_api import expect

from risks.models import Risk

from ..risks.spreadsheet_files import existing_row, make_xlsx, risk_row
from .conftest import check_accessibility, screenshot, sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def choose_file(page, name: str, content: bytes) -> None:
    page.get_by_label("Upload a file").set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": content}
    )


def test_governance_officer_imports_a_register(page, live_server, demo):
    risk = Risk.objects.get(reference="MOPAC-R02")
    sign_in(page, live_server, "mopac-governance")
    page.goto(f"{live_server.url}/risks/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a register")
    check_accessibility(page)

    # A file with a bad row: the preview lists the error and offers no confirm.
    bad = make_xlsx([risk_row(**{"Current likelihood": 9})])
    choose_file(page, "register.xlsx", bad)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_text("Row 2, column 'Current likelihood'")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm and import")).to_have_count(0)
    check_accessibility(page)
    screenshot(page, "import-errors")

    page.get_by_role("link", name="Upload a different file").first.click()
    good = make_xlsx(
        [
            risk_row(Owner="mopac-owner"),
            existing_row(risk, Title="Equalities in policing: revised"),
        ]
    )
    choose_file(page, "register.xlsx", good)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Check the import from register.xlsx"
    )
    expect(page.get_by_text("Funding gap in victim services")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "import-preview")
    assert not Risk.objects.filter(reference="MOPAC-R10").exists()

    page.get_by_role("button", name="Confirm and import").click()
    expect(page.get_by_text("Imported register.xlsx")).to_be_visible()
    check_accessibility(page)
    created = Risk.objects.get(reference="MOPAC-R10")
    assert created.history.first().history_change_reason == (
        "Imported from register.xlsx"
    )


def test_upload_errors_are_accessible(page, live_server, demo):
    sign_in(page, live_server, "mopac-governance")
    page.goto(f"{live_server.url}/risks/import/")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Select an Excel workbook (.xlsx) or CSV file (.csv)"
    )
    check_accessibility(page)
    screenshot(page, "import-upload-error")
