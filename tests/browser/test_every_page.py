"""Every page a reseller meets, walked the way they reach it: on a 390 px phone nothing
scrolls sideways, axe-core finds nothing serious, and the console stays clean (no CSP
violation, no script error) — the last checked by `open_page` for every test here too.
"""

import re

import pytest

from simulator import faults
from tests.browser.conftest import (
    DEMO_USERNAME,
    DESKTOP,
    PHONE,
    fits_without_sideways_scrolling,
    serious_accessibility_problems,
    submit,
)

pytestmark = pytest.mark.django_db(transaction=True)
PAGES_WALKED = 20

# Elements that scroll sideways inside the page: a wide table in a scrolling box fits the
# document but still makes a phone user swipe sideways to read it.
SIDEWAYS_SCROLLERS = """() => Array.from(document.querySelectorAll("body *"))
    .filter(e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX))
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))"""


def walk_logged_out_pages(page):
    """The login page, fresh and after a wrong password; yields each page's name."""
    page.goto("/accounts/login/")
    yield "login"
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill("wrong")
    submit(page, "Log in")
    yield "login with an error"


def walk_logged_in_pages(page):
    """Every logged-in page, reached by clicking and filling as a person would; yields names."""
    page.goto("/")
    yield "dashboard"
    page.get_by_role("link", name="See all clients").click()
    yield "clients"
    page.get_by_label("Search by name").fill("nothing like this")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"q=nothing"))
    yield "clients, no match"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sub-accounts").click()
    yield "sub-accounts"
    page.locator("tr", has_text="demo-eldoret").get_by_role("link", name="Top up").click()
    yield "sub-account top-up"

    page.goto("/clients/topup/?name=Kampala+Boda+Riders")
    yield "client top-up"
    page.get_by_label("Number of SMS").fill("lots")
    submit(page, "Top up")
    yield "client top-up with an error"
    page.get_by_label("Number of SMS").fill("250")
    page.get_by_role("button", name="Top up").click()
    page.wait_for_url(re.compile(r"/topups/\d+/$"))
    yield "top-up outcome"

    faults.inject("resellerclienttopup", "reset", times=1)  # sent, then the line dropped
    page.goto("/clients/topup/?name=Wandegeya+Stationers")
    page.get_by_label("Number of SMS").fill("50")
    page.get_by_role("button", name="Top up").click()
    page.wait_for_url(re.compile(r"/topups/\d+/$"))
    assert "outcome unknown" in page.get_by_role("heading", level=1).inner_text()
    yield "top-up outcome unknown"

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Send test SMS").click()
    yield "send"
    submit(page, "Send test SMS")
    yield "send with errors"
    page.get_by_label("Sender ID").fill("MSPACE")
    page.get_by_label("Recipient’s mobile number").fill("+256 772 123456")
    page.get_by_label("Message").fill("Karibu sana! 🎉 Jaribio la ujumbe.")
    page.get_by_role("button", name="Send test SMS").click()
    page.wait_for_url(re.compile(r"/send/\d+/$"))
    yield "send outcome"

    nav.get_by_role("link", name="Activity").click()
    yield "activity"
    page.get_by_role("link", name=re.compile(r"^Details of the client top-up to Kampala")).click()
    yield "activity entry"

    nav.get_by_role("link", name="Alerts").click()
    yield "alerts"
    page.get_by_label("Your phone").fill("12")
    submit(page, "Save alert rules")
    yield "alerts with errors"
    page.goto("/clients/history/?name=Kampala+Boda+Riders")
    yield "client page with its contact"

    faults.inject("*", "http500")
    page.goto("/?refresh=1")
    assert page.locator(".gateway-error").count() == 3
    yield "dashboard while mSpace fails"
    faults.clear()


def walk_every_page(open_page, viewport):
    """Both walks, each in its own browser; yields (name, page) once each page has loaded."""
    for page, walk in (
        (open_page(viewport=viewport), walk_logged_out_pages),
        (open_page(viewport=viewport, logged_in=True), walk_logged_in_pages),
    ):
        for name in walk(page):
            # Scripts run on DOMContentLoaded; an error from them would be in by now.
            page.wait_for_load_state("load")
            yield name, page


def test_on_a_390_px_phone_every_page_fits_reads_well_and_runs_clean(open_page, troubles):
    # One walk checks all three, so the suite walks the pages twice (phone, desktop), not six
    # times: axe takes a few hundred milliseconds a page.
    visited, misfits, problems = [], {}, {}
    for name, page in walk_every_page(open_page, PHONE):
        visited.append(name)
        scrollers = page.evaluate(SIDEWAYS_SCROLLERS)
        if scrollers or not fits_without_sideways_scrolling(page):
            misfits[name] = scrollers or ["the page itself"]
        found = serious_accessibility_problems(page)
        if found:
            problems[name] = found

    assert len(visited) == PAGES_WALKED
    assert misfits == {}
    assert problems == {}
    assert troubles.all() == []


def test_on_a_desktop_every_page_reads_well_and_runs_clean(open_page, troubles):
    visited, problems = [], {}
    for name, page in walk_every_page(open_page, DESKTOP):
        visited.append(name)
        found = serious_accessibility_problems(page)
        if found:
            problems[name] = found

    assert len(visited) == PAGES_WALKED
    assert problems == {}
    assert troubles.all() == []


def test_the_troubles_watch_does_see_a_csp_violation_and_a_script_error(open_page, troubles):
    # Proof that the check above can fail: an inline script is what the CSP forbids.
    page = open_page(logged_in=True)
    page.goto("/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.inlineRan = true";
                   document.body.append(s); }"""
    )

    assert page.evaluate("window.inlineRan === undefined")
    assert any("Content Security Policy" in error for error in troubles.console_errors)

    with page.expect_event("pageerror"):
        page.evaluate("() => { setTimeout(() => { throw new Error('boom'); }); }")
    assert any("boom" in error for error in troubles.script_errors)

    # Seen and expected: not failures of this test.
    troubles.console_errors.clear()
    troubles.script_errors.clear()


def test_the_accessibility_check_does_see_a_serious_problem(reseller):
    # Proof that axe runs and that its findings reach the assertions above.
    reseller.goto("/send/")
    reseller.evaluate("""() => {
        document.querySelector("label[for=id_message]").remove();
        document.querySelector(".hint").style.color = "#c8c8c8";
    }""")

    found = serious_accessibility_problems(reseller)

    assert any(problem.startswith("label (critical)") for problem in found)
    assert any(problem.startswith("color-contrast (serious)") for problem in found)
