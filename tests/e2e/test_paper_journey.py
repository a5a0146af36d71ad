"""The panel paper in the browser: both organisations clear it, one publishes it,
and a panel member downloads the PDF."""

import re

from playwright.sync_api import expect

from reports.models import PanelPaper, Publication, PublicationStatus

from .conftest import check_accessibility, screenshot, sign_in, sign_out


def clear(page, live_server, paper, username: str) -> None:
    sign_in(page, live_server, username)
    page.get_by_role("link", name="Panel papers").click()
    check_accessibility(page)
    page.get_by_role("link", name=re.compile("Edit, clear and publish")).click()
    check_accessibility(page)
    page.get_by_role("button", name=re.compile(r"^Clear revision")).click()
    expect(page.get_by_text(re.compile("Cleared by"))).to_be_visible()


def test_clear_publish_and_panel_member_downloads(page, live_server, demo):
    paper = PanelPaper.objects.get()
    sign_in(page, live_server, "mopac-governance")
    page.goto(f"{live_server.url}/reports/{paper.pk}/")
    expect(page.get_by_text("Alignment of MOPAC and Met Risks").first).to_be_visible()
    check_accessibility(page)
    screenshot(page, "paper-preview")
    sign_out(page)

    clear(page, live_server, paper, "mopac-governance")
    sign_out(page)
    clear(page, live_server, paper, "met-governance")
    page.get_by_role("button", name="Publish as version 1").click()
    expect(
        page.get_by_text(re.compile("Published \\(version 1\\)")).first
    ).to_be_visible()
    publication = Publication.objects.get(paper=paper)
    assert publication.status == PublicationStatus.PUBLISHED
    sign_out(page)

    sign_in(page, live_server, "panel-member")
    page.get_by_role("link", name="Panel papers").click()
    check_accessibility(page)
    link = page.get_by_role("link", name=re.compile("full PDF")).first
    # The PDF opens inline; fetch it with the panel member's own session.
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
