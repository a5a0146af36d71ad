"""Browser tests: real Chromium driven by Playwright against Django's live server.

Chromium comes from Debian (`/usr/bin/chromium`), never from a Playwright
download. Without it the browser tests are skipped with a message locally and
fail under CI=true, where `.ci/run` installs it.
"""

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
AXE_SOURCE = Path(settings.BASE_DIR, "node_modules", "axe-core", "axe.min.js")
SCREENSHOTS = Path(settings.BASE_DIR, "tests", "e2e", "screenshots")
PASSWORD = "riskregister-demo"


def pytest_collection_modifyitems(config, items):
    """Skip browser tests without Chromium, except in CI where that is a failure."""
    e2e = [item for item in items if "tests/e2e/" in str(item.fspath)]
    for item in e2e:
        item.add_marker(pytest.mark.e2e)
    if CHROMIUM and AXE_SOURCE.exists():
        return
    reason = "Chromium (/usr/bin/chromium) or node_modules/axe-core is missing"
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"Browser tests are mandatory in CI: {reason}.")
    print(f"\nSkipping {len(e2e)} browser tests: {reason}.")
    for item in e2e:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser(live_server, browser):
    """The browser, closed before the live server stops, and the server quiet.

    Asking for the live server first makes it stop after the browser closes.
    Chromium keeps connections open; when it closes, the server threads serving
    them close their database connections, which must happen while the live
    server still shares its SQLite connection (otherwise Django raises in those
    threads) and before the test database is dropped (otherwise PostgreSQL
    refuses: "being accessed by other users").
    """
    yield browser
    browser.close()
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=10)


@pytest.fixture
def demo(transactional_db):
    """The demo organisations, users, registers, links and draft paper."""
    call_command("load_demo", "--until", "2019-09-30", verbosity=0)


@pytest.fixture
def page(page):
    """A page whose browser console errors (CSP violations included) fail the test."""
    errors: list[str] = []

    def on_console(message) -> None:
        # A 404, 403 or 409 page is itself logged as a failed load: expected.
        is_document = message.location.get("url") == page.url
        if message.type == "error" and not (
            is_document and message.text.startswith("Failed to load resource")
        ):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(15_000)
    yield page
    assert errors == [], f"Browser console errors: {errors}"


def sign_in(page, live_server, username: str) -> None:
    """Sign in through the login form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def check_accessibility(page) -> list[dict]:
    """Run axe-core (WCAG 2.2 A/AA rules) on the page; return serious/critical ones."""
    # evaluate() runs outside the page's CSP, so the page keeps its real policy.
    page.evaluate("() => { " + AXE_SOURCE.read_text() + "\n}")
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    serious = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"axe violations on {page.url}: {json.dumps(serious)}"
    return serious


def screenshot(page, name: str) -> None:
    """Keep a full-page screenshot as evidence (folder ignored by git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
