"""Journeys of risk owners in real Chromium, with axe-core on every page visited."""

import re

from playwright.sync_api import expect

from risks.models import Risk

from .conftest import check_accessibility, screenshot, sign_in


def test_owner_updates_score_adds_action_and_sees_history(page, live_server, demo):
    risk = Risk.objects.get(reference="MOPAC-R02")
    sign_in(page, live_server, "mopac-owner")
    check_accessibility(page)
    screenshot(page, "landing")
    page.get_by_role("link", name=re.compile("Equalities")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Equalities")
    check_accessibility(page)
    screenshot(page, "risk")

    page.get_by_role("button", name="Edit risk").click()
    check_accessibility(page)
    page.get_by_label("Current likelihood").select_option("5")
    page.get_by_label("Reason for change").fill("Disproportionality rose this quarter")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Equalities")
    risk.refresh_from_db()
    assert risk.current_likelihood == 5

    page.get_by_role("link", name="Add action").click()
    check_accessibility(page)
    page.get_by_label("Description", exact=True).fill(
        "Publish the stop and search dashboard"
    )
    page.get_by_label("Owner post title").fill("Director of Strategy")
    page.get_by_label("Due date", exact=True).fill("2020-03-31")
    page.get_by_role("button", name="Add action").click()
    expect(page.get_by_text("Publish the stop and search dashboard")).to_be_visible()

    page.get_by_role("link", name=re.compile("history", re.I)).first.click()
    expect(page.get_by_text("Disproportionality rose this quarter")).to_be_visible()
    expect(page.get_by_text("Action: Publish the stop and search dashboard created"))
    check_accessibility(page)
    screenshot(page, "history")


def test_register_and_heat_map_are_accessible(page, live_server, demo):
    sign_in(page, live_server, "mopac-governance")
    page.goto(f"{live_server.url}/risks/")
    expect(page.get_by_role("heading", name="Risk register")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "register")
    page.goto(f"{live_server.url}/risks/?as_at=2019-09-30")
    expect(page.get_by_text("Historical view")).to_be_visible()
    check_accessibility(page)


def test_other_organisations_unaligned_risk_is_not_found(page, live_server, demo):
    # MOPAC-R04 has only a proposal from the MPS, not an agreed alignment.
    risk = Risk.objects.get(reference="MOPAC-R04")
    sign_in(page, live_server, "met-owner")
    response = page.goto(f"{live_server.url}/risks/{risk.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    check_accessibility(page)


def test_stale_edit_shows_the_conflict_page(page, live_server, demo, browser):
    risk = Risk.objects.get(reference="MOPAC-R02")
    sign_in(page, live_server, "mopac-owner")
    page.goto(f"{live_server.url}/risks/{risk.pk}/edit/")
    # Someone else saves first, in another browser session.
    other = browser.new_context().new_page()
    sign_in(other, live_server, "mopac-governance")
    other.goto(f"{live_server.url}/risks/{risk.pk}/edit/")
    other.get_by_label("Title", exact=True).fill("Equalities – changed by governance")
    other.get_by_role("button", name="Save changes").click()
    other.wait_for_url(re.compile(rf"/risks/{risk.pk}/$"))

    page.get_by_label("Title", exact=True).fill("Equalities – my stale change")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Someone else changed this risk while you were editing"
    )
    expect(page.get_by_text("Equalities – my stale change").first).to_be_visible()
    expect(page.get_by_text("Equalities – changed by governance").first).to_be_visible()
    check_accessibility(page)
    risk.refresh_from_db()
    assert risk.title == "Equalities – changed by governance"
