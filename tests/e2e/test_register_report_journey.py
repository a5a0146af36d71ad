"""The organisation register report in the browser: a reader previews the demo
register as at its latest closed period, downloads the PDF, and waits for a
background render; the other organisation's reader is turned away."""

from playwright.sync_api import expect

from reports.models import RegisterReport
from risks.models import Organisation, ReportingPeriod

from .conftest import check_accessibility, screenshot, sign_in, sign_out


def test_reader_previews_and_downloads_the_register_report(
    page, live_server, demo, settings
):
    mopac = Organisation.objects.get(slug="mopac")
    latest_closed = (
        ReportingPeriod.objects.filter(organisation=mopac, is_closed=True)
        .order_by("-end")
        .first()
    )
    sign_in(page, live_server, "mopac-reader")
    page.goto(f"{live_server.url}/reports/register/mopac/")
    expect(
        page.get_by_role("heading", level=1, name="Corporate risk register")
    ).to_be_visible()
    expect(page.get_by_text(f"{latest_closed.label}, as at").first).to_be_visible()
    check_accessibility(page)
    screenshot(page, "register-report-preview")

    link = page.get_by_role("link", name="Download the register report as a PDF")
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")

    # A register above the threshold renders in the background (immediately
    # here): the page the reader lands on is the PDF itself, stored for reuse.
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 1
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.body().startswith(b"%PDF-")
    assert RegisterReport.objects.get().status == "ready"

    page.goto(f"{live_server.url}/reports/register/mopac/?period=2030/31 Q9")
    expect(
        page.get_by_role("heading", name="Reporting period not found")
    ).to_be_visible()
    check_accessibility(page)
    sign_out(page)

    sign_in(page, live_server, "met-reader")
    response = page.goto(f"{live_server.url}/reports/register/mopac/")
    assert response.status == 404
