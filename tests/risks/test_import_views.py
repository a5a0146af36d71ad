"""The import pages: upload, preview (nothing written), confirm (all or nothing)."""

import io
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from openpyxl import load_workbook

from risks import services
from risks.models import Risk
from risks.selectors import RegisterFilters

from ..factories import ThemeFactory, UserFactory
from .spreadsheet_files import existing_row, make_csv, make_xlsx, risk_row, snapshot

UPLOAD_URL = reverse("risks:import")
TEMPLATE_URL = reverse("risks:import_template")


def upload(client, content: bytes, name: str = "register.xlsx", organisation=None):
    data = {"file": SimpleUploadedFile(name, content)}
    if organisation is not None:
        data["organisation"] = organisation.pk
    return client.post(UPLOAD_URL, data)


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def fingerprint(response) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]{64})"', response.text)[1]


@pytest.fixture
def governance(client, world):
    client.force_login(world.users["mopac-governance"])
    return world.users["mopac-governance"]


def valid_file(world) -> bytes:
    return make_xlsx(
        [risk_row(), existing_row(world.mopac_risk, Title="A sharper title")]
    )


# --- Who may import ---------------------------------------------------------


@pytest.mark.parametrize("url", [UPLOAD_URL, TEMPLATE_URL])
def test_anonymous_users_are_sent_to_log_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "username", ["mopac-reader", "mopac-owner", "panel", "outsider"]
)
def test_only_governance_officers_may_import(client, world, username):
    client.force_login(world.users[username])
    assert client.get(UPLOAD_URL).status_code == 403
    assert client.get(TEMPLATE_URL).status_code == 403
    assert upload(client, valid_file(world), organisation=world.mopac).status_code == (
        403
    )
    assert not Risk.objects.filter(reference="MOPAC-R10").exists()


def test_the_template_downloads(client, governance):
    ThemeFactory(name="Violence", slug="violence")
    ThemeFactory(name="Finance", slug="finance")
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert (
        'filename="risk-register-import-template.xlsx"'
        in (response["Content-Disposition"])
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["Risks", "Guidance"]
    rows = [[c.value for c in row] for row in book["Guidance"].iter_rows()]
    (themes,) = [row for row in rows if row[:2] == ["Risks", "Themes"]]
    assert themes[4] == "Finance; Violence"


def test_upload_page_offers_only_managed_registers(client, world, governance):
    response = client.get(UPLOAD_URL)
    assert response.status_code == 200
    page = text(response)
    assert "Mayor's Office for Policing and Crime" in page
    assert 'type="hidden" name="organisation"' in response.text
    assert 'class="govuk-file-upload"' in response.text
    assert reverse("risks:import_template") in response.text
    # Another organisation's register cannot be chosen.
    response = upload(client, valid_file(world), organisation=world.mps)
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)

    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get(UPLOAD_URL)
    assert '<select name="organisation"' in response.text
    assert "Metropolitan Police Service" in text(response)


# --- Upload and preview ------------------------------------------------------


def test_preview_shows_creates_and_updates_and_writes_nothing(
    client, world, governance
):
    before = snapshot()
    response = upload(client, valid_file(world), organisation=world.mopac)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    page = text(preview)
    assert "Check the import from register.xlsx" in page
    assert "Risks 1 to add, 1 to change, 0 already as in the file" in page
    assert "MOPAC-R10 Funding gap in victim services" in page
    assert f"Title: {world.mopac_risk.title} → changes to A sharper title" in page
    assert "Confirm and import into the MOPAC register" in page
    assert "no Controls or Actions sheet, so only risks are imported" in page
    assert snapshot() == before


def test_confirm_applies_everything_with_the_reason(client, world, governance):
    response = upload(client, valid_file(world), organisation=world.mopac)
    preview_url = response["Location"]
    preview = client.get(preview_url)
    response = client.post(preview_url, {"fingerprint": fingerprint(preview)})
    assert response.status_code == 302
    assert response["Location"] == reverse("risks:list") + "?organisation=mopac"
    created = Risk.objects.get(organisation=world.mopac, reference="MOPAC-R10")
    world.mopac_risk.refresh_from_db()
    assert world.mopac_risk.title == "A sharper title"
    for record in (created.history.first(), world.mopac_risk.history.first()):
        assert record.history_change_reason == "Imported from register.xlsx"
        assert record.history_user == governance
    listing = client.get(response["Location"])
    assert "Imported register.xlsx: 1 risk added, 1 risk changed." in text(listing)
    # The import is used up: posting it again imports nothing twice.
    again = client.post(preview_url, {"fingerprint": fingerprint(preview)})
    assert again.status_code == 302
    assert again["Location"] == UPLOAD_URL
    assert Risk.objects.filter(reference="MOPAC-R10").count() == 1


def test_history_page_shows_the_import(client, world, governance):
    response = upload(client, valid_file(world), organisation=world.mopac)
    preview = client.get(response["Location"])
    client.post(response["Location"], {"fingerprint": fingerprint(preview)})
    history = client.get(reverse("risks:history", args=[world.mopac_risk.pk]))
    assert "Imported from register.xlsx" in text(history)


def test_a_bad_row_is_listed_and_nothing_can_be_confirmed(client, world, governance):
    content = make_xlsx(
        [
            risk_row(),
            risk_row(Reference="MOPAC-R11", **{"Current likelihood": "high"}),
        ]
    )
    before = snapshot()
    preview_url = upload(client, content, organisation=world.mopac)["Location"]
    preview = client.get(preview_url)
    page = text(preview)
    assert "There is a problem" in page
    assert "The file has 1 error to correct" in page
    assert (
        "Row 3, column 'Current likelihood': enter a whole number from 1 to 5" in page
    )
    assert "Confirm and import" not in page
    # Posting a confirmation anyway writes nothing.
    response = client.post(preview_url, {"fingerprint": "0" * 64})
    assert response.status_code == 400
    assert "Nothing has been imported: the file has errors" in text(response)
    assert "Confirm and import" not in text(response)
    assert snapshot() == before


def test_csv_preview_says_risks_only(client, world, governance):
    preview_url = upload(
        client, make_csv([risk_row()]), "register.csv", organisation=world.mopac
    )["Location"]
    page = text(client.get(preview_url))
    assert "only risks are imported" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("register.pdf", b"%PDF-1.7", "must be an Excel workbook (.xlsx) or a CSV"),
        ("register.xlsx", b"garbage", "not an Excel workbook we can read"),
        ("register.csv", b"Title,Cause\nA,B\n", "These are missing: Reference"),
    ],
)
def test_unreadable_uploads_get_a_clear_error(
    client, world, governance, name, content, message
):
    response = upload(client, content, name, organisation=world.mopac)
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert 'class="govuk-file-upload govuk-file-upload--error"' in response.text


def test_oversized_upload_is_refused(client, world, governance, settings):
    settings.RISK_IMPORT_MAX_BYTES = 1024
    response = upload(client, valid_file(world), organisation=world.mopac)
    assert response.status_code == 200
    assert "The selected file must be smaller than 1 KB" in text(response)
    assert not Risk.objects.filter(reference="MOPAC-R10").exists()


def test_missing_file_is_an_error(client, world, governance):
    response = client.post(UPLOAD_URL, {"organisation": world.mopac.pk})
    assert "Select an Excel workbook (.xlsx) or CSV file (.csv)" in text(response)


def test_a_register_change_before_confirming_is_refused(client, world, governance):
    preview_url = upload(client, valid_file(world), organisation=world.mopac)[
        "Location"
    ]
    seen = fingerprint(client.get(preview_url))
    services.risk_update(
        risk=world.mopac_risk,
        user=world.users["mopac-owner"],
        data={"current_impact": 5},
        reason="Quarterly review",
    )
    before = snapshot()
    response = client.post(preview_url, {"fingerprint": seen})
    assert response.status_code == 409
    page = text(response)
    assert "The register has changed since you checked the preview" in page
    assert "nothing has been imported" in page
    assert "Current impact: 5 → changes to 4" in page  # the file restores 4
    assert snapshot() == before
    # Confirming the new preview works.
    response = client.post(preview_url, {"fingerprint": fingerprint(response)})
    assert response.status_code == 302
    assert Risk.objects.filter(reference="MOPAC-R10").exists()


def test_a_crash_while_confirming_writes_nothing(
    client, world, governance, monkeypatch
):
    content = make_xlsx([risk_row(Reference=f"MOPAC-R1{n}") for n in range(5)])
    preview_url = upload(client, content, organisation=world.mopac)["Location"]
    seen = fingerprint(client.get(preview_url))
    calls = []
    real_create = services.risk_create

    def flaky_create(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "risk_create", flaky_create)
    before = snapshot()
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post(preview_url, {"fingerprint": seen})
    assert len(calls) == 3
    assert snapshot() == before


def test_another_users_token_is_not_found(client, world, governance):
    preview_url = upload(client, valid_file(world), organisation=world.mopac)[
        "Location"
    ]
    client.force_login(world.users["mps-governance"])
    response = client.get(preview_url)
    assert response.status_code == 302
    assert response["Location"] == UPLOAD_URL
    response = client.get(reverse("risks:import_preview", args=["made-up-token"]))
    assert response["Location"] == UPLOAD_URL


def test_export_links_partial_keeps_the_filters(rf, world):
    request = rf.get("/risks/")
    html = render_to_string(
        "risks/_export_links.html",
        {"filters": RegisterFilters(category="financial"), "can_create": True},
        request=request,
    )
    assert reverse("risks:export_xlsx") + "?category=financial" in html
    assert reverse("risks:export_csv") + "?category=financial" in html
    assert reverse("risks:import") in html
    html = render_to_string(
        "risks/_export_links.html",
        {"filters": RegisterFilters(), "can_create": False},
        request=request,
    )
    assert f'href="{reverse("risks:export_csv")}"' in html
    assert reverse("risks:import") not in html
