"""A reader makes a token, reads the API docs under the real CSP, uses the token."""

import re

from playwright.sync_api import expect

from .conftest import check_accessibility, screenshot, sign_in


def test_token_page_docs_page_and_a_token_that_reads_the_register(
    page, live_server, demo
):
    sign_in(page, live_server, "mopac-reader")
    page.goto(f"{live_server.url}/accounts/tokens/")
    check_accessibility(page)
    page.get_by_label("Name").fill("Board dashboard (Power BI)")
    page.get_by_label("Days until it expires").fill("30")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy it now: it will not be shown again")).to_be_visible()
    secret = page.locator("#new-token").input_value()
    assert re.fullmatch(r"rrt_[A-Za-z0-9_-]{43}", secret)
    check_accessibility(page)
    screenshot(page, "api-tokens")

    # The reference page, read from the schema, in GOV.UK markup.
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(
        page.get_by_role("heading", name="GET /api/v1/dashboard/risks/")
    ).to_be_visible()
    expect(page.locator("#object-DashboardRisk")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "api-reference")

    # Swagger UI from our static files: the page fixture fails the test on any
    # console error, a Content-Security-Policy violation included.
    page.goto(f"{live_server.url}/api/v1/docs/explorer/")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/dashboard/risks/" in p for p in paths)
    policy = page.evaluate(
        "async () => (await fetch(location.href)).headers"
        ".get('content-security-policy')"
    )
    assert "script-src 'self'" in policy
    screenshot(page, "api-explorer")

    # The token reads what the browser register lists.
    register = page.goto(f"{live_server.url}/risks/")
    assert register.ok
    browser_ids = {
        int(pk) for pk in re.findall(r'href="/risks/(\d+)/"', page.content())
    }
    answer = page.request.get(
        f"{live_server.url}/api/v1/risks/?page_size=1000",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.ok
    assert {row["id"] for row in answer.json()["results"]} == browser_ids

    page.goto(f"{live_server.url}/accounts/tokens/")
    page.get_by_role("button", name="Revoke Board dashboard (Power BI)").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    refused = page.request.get(
        f"{live_server.url}/api/v1/risks/",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert refused.status == 401
