"""Panel meetings in the browser: governance records a request (a past meeting is
refused), the panel member reads the meeting and downloads its agenda pack."""

import re

from playwright.sync_api import expect

from reports.models import PanelRequest

from .conftest import check_accessibility, screenshot, sign_in, sign_out


def test_governance_records_a_request_and_the_panel_member_gets_the_pack(
    page, live_server, demo
):
    sign_in(page, live_server, "met-governance")
    expect(page.get_by_text("Requests due at the next Panel meeting")).to_be_visible()
    page.get_by_role("link", name="Panel papers").click()
    page.get_by_role("link", name="the Panel's meetings").click()
    check_accessibility(page)
    page.get_by_role("link", name="18 September 2019", exact=True).click()
    expect(
        page.get_by_text("The Panel asked for a report on the aligned")
    ).to_be_visible()
    check_accessibility(page)
    screenshot(page, "meeting")
    page.get_by_role("link", name="Record a request of the Panel").click()
    page.get_by_label("Request").fill("Report on the new finance risk.")
    page.get_by_label("Owner organisation").select_option(label="MPS")
    page.get_by_label("Owner post").fill("Chief Finance Officer")
    page.get_by_label("Due at the meeting of").select_option(label="19 June 2019")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text(re.compile("has already taken place")).first
    ).to_be_visible()
    expect(page.get_by_label("Owner post")).to_have_value("Chief Finance Officer")
    check_accessibility(page)
    assert not PanelRequest.objects.filter(
        text__startswith="Report on the new"
    ).exists()
    sign_out(page)

    sign_in(page, live_server, "panel-member")
    page.goto(f"{live_server.url}/reports/meetings/")
    check_accessibility(page)
    page.get_by_role("link", name="18 September 2019", exact=True).click()
    expect(page.get_by_text("Paper not yet published")).to_be_visible()
    check_accessibility(page)
    link = page.get_by_role("link", name="Agenda pack (PDF)")
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
