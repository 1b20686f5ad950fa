"""The app on a live server, the demo world in its simulator, and Chromium pages to drive it.

Every page opened through these fixtures records what a person never sees but a developer
must: console errors (a Content-Security-Policy violation is one) and uncaught script
errors. A test that leaves any behind fails at teardown, whatever it asserted itself.

Logging in through the form costs a round of page loads; only the tests about logging in
do it. Every other test gets its storage state (the session, CSRF and vault cookies) from
one POST to the real login view through Django's test client, handed to the browser
context. Each test's database is emptied afterwards (`transaction=True`, because the live
server's thread must see committed rows), so a session cannot outlive its test.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
# The dashboard's address exactly: a pattern ending in "/" alone would match the login page.
DASHBOARD_URL = re.compile(r"^https?://[^/]+/$")
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshots_wanted() -> bool:
    """`make screenshots` sets SCREENSHOTS=1; otherwise nothing is written into docs/."""
    return os.environ.get("SCREENSHOTS", "") not in ("", "0")


@dataclass
class Troubles:
    """What the browser complained about, page by page."""

    console_errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.console_errors, *self.script_errors]

    def watch(self, context) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda error: self.script_errors.append(str(error.error)))

    def _console(self, message) -> None:
        if message.type == "error":
            page = message.page.url if message.page else "?"
            self.console_errors.append(f"{page}: {message.text}")


@pytest.fixture
def demo_world(transactional_db):
    """The demo reseller (demo/demo, 25,000 SMS, 38 clients, 6 sub-accounts), fresh per test."""
    from simulator.seed import seed_demo

    return seed_demo()


@pytest.fixture
def troubles():
    return Troubles()


@pytest.fixture
def open_page(new_context, live_server, demo_world, troubles):
    """Open a page on the live app: `open_page(logged_in=True, viewport=PHONE, javascript=False)`.

    Each call is a new browser context (its own cookies). Console and script errors of all
    of them land in `troubles`, checked when the test ends.
    """

    def open_(*, logged_in=False, viewport=DESKTOP, javascript=True):
        context = new_context(
            base_url=live_server.url, viewport=viewport, java_script_enabled=javascript
        )
        troubles.watch(context)
        if logged_in:
            context.add_cookies(logged_in_cookies(live_server.url))
        return context.new_page()

    yield open_
    assert troubles.all() == [], "the browser reported errors"


@pytest.fixture
def reseller(open_page):
    """A desktop page logged in as the demo reseller, not yet on any page."""
    return open_page(logged_in=True)


@pytest.fixture
def visitor(open_page):
    """A desktop page of someone not logged in."""
    return open_page()


def logged_in_cookies(site_url: str, username=DEMO_USERNAME, password=DEMO_PASSWORD) -> list:
    """The cookies a browser holds after logging in on the real login page."""
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:300]
    return [
        {
            "name": name,
            "value": morsel.value,
            "url": site_url,
            "httpOnly": bool(morsel["httponly"]),
            "sameSite": "Lax",
        }
        for name, morsel in client.cookies.items()
        if morsel.value  # a deleted cookie (e.g. an old vault) stays deleted
    ]


def submit(page, button_name: str) -> None:
    """Press a form's button and wait for the page that answers, even one at the same address
    (a form sent back with its errors)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button_name).click()


def follow(page, link) -> None:
    """Click a link and wait for the page it opens, so the next look is at that page and not
    at the one being left (measuring mid-navigation finds no document)."""
    with page.expect_navigation():
        link.click()


def fits_without_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def serious_accessibility_problems(page) -> list[str]:
    """axe-core's violations of impact serious or critical, one line each, with where."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
