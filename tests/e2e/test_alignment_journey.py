"""Alignment in the browser: one officer proposes, the other organisation's agrees."""

from playwright.sync_api import expect

from alignment.models import AlignmentLink, LinkStatus

from .conftest import check_accessibility, screenshot, sign_in, sign_out


def choose(page, label: str, text: str) -> None:
    """Pick the option of a select whose text contains the given text."""
    select = page.get_by_label(label)
    value = select.locator("option", has_text=text).first.get_attribute("value")
    select.select_option(value)


def test_propose_then_other_organisation_agrees(page, live_server, demo):
    sign_in(page, live_server, "mopac-governance")
    page.get_by_role("link", name="Aligned risks").click()
    expect(page.get_by_role("heading", name="Aligned risks")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "alignment")

    page.get_by_role("button", name="Propose an alignment").click()
    check_accessibility(page)
    choose(page, "Your organisation's risk", "MOPAC-R04")
    choose(page, "The other organisation's risk", "MPS-R01")
    page.get_by_label("Theme").select_option(label="Victims")
    page.get_by_label("Rationale").fill(
        "Local engagement reaches the vulnerable people MOPAC must protect."
    )
    page.get_by_role("button", name="Propose").click()
    expect(
        page.get_by_text("Alignment proposed to the other organisation.")
    ).to_be_visible()
    check_accessibility(page)
    link = AlignmentLink.objects.get(
        proposer_risk__reference="MOPAC-R04", partner_risk__reference="MPS-R01"
    )
    assert link.status == LinkStatus.PROPOSED
    sign_out(page)

    sign_in(page, live_server, "met-governance")
    page.goto(f"{live_server.url}{link.get_absolute_url()}")
    page.get_by_label("Comment (optional)").fill("Agreed at the risk board")
    page.get_by_role("button", name="Agree alignment").click()
    expect(page.get_by_text("Alignment agreed.")).to_be_visible()
    check_accessibility(page)
    link.refresh_from_db()
    assert link.status == LinkStatus.AGREED
    # The MPS now sees the MOPAC risk, read-only.
    page.get_by_role("link", name="MOPAC-R04").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Protecting the vulnerable"
    )
    expect(page.get_by_role("button", name="Edit risk")).to_have_count(0)
