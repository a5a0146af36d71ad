"""One journey by keyboard alone: skip link, tab order, visible focus."""

from playwright.sync_api import expect

from .conftest import PASSWORD, check_accessibility


def focused(page) -> dict:
    return page.evaluate(
        """() => { const el = document.activeElement; const s = getComputedStyle(el);
        return {tag: el.tagName, id: el.id, text: (el.textContent || '').trim(),
                outline: s.outlineStyle, shadow: s.boxShadow,
                background: s.backgroundColor}; }"""
    )


def assert_focus_visible(state: dict) -> None:
    visible = state["outline"] not in ("none", "") or state["shadow"] != "none"
    assert visible or state["background"] == "rgb(255, 221, 0)", state


def test_sign_in_and_open_a_risk_by_keyboard(page, live_server, demo):
    page.goto(f"{live_server.url}/accounts/login/")
    # The username field takes focus on load (autofocus), so typing starts there.
    assert focused(page)["id"] == "id_username"
    assert_focus_visible(focused(page))
    page.keyboard.type("mopac-owner")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    check_accessibility(page)

    # The first Tab stop is the skip link; it moves focus past the navigation.
    page.keyboard.press("Tab")
    state = focused(page)
    assert state["text"] == "Skip to main content", state
    assert_focus_visible(state)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(
        "() => document.getElementById('main-content').contains(document.activeElement)"
    )

    # Tab on to the first of "my risks" and open it with Enter.
    for _ in range(30):
        state = focused(page)
        if state["tag"] == "A" and "Equalities" in state["text"]:
            break
        page.keyboard.press("Tab")
    assert "Equalities" in state["text"]
    assert_focus_visible(state)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Equalities")


def test_error_summary_links_to_the_field(page, live_server, demo):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to it
    summary.get_by_role("link").first.click()
    assert focused(page)["id"] == "id_username"
    check_accessibility(page)
