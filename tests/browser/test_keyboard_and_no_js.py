"""Keyboard-only use, and the site with JavaScript switched off: both must get the work done."""

import re
import time

import pytest
from playwright.sync_api import expect

from messaging.models import LedgerEntry
from simulator import faults
from simulator.models import SimAccount, SimCall
from tests.browser.conftest import DASHBOARD_URL, DEMO_PASSWORD, DEMO_USERNAME, submit

pytestmark = pytest.mark.django_db(transaction=True)

FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
        name: element.getAttribute("name") || element.textContent.trim(),
        ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    };
}"""


def settled(entry_filter, *, within=5.0) -> list[LedgerEntry]:
    """The matching ledger rows once none is pending; a request still in flight may finish
    after the browser has moved on, and the count must include it."""
    deadline = time.monotonic() + within
    while True:
        entries = list(LedgerEntry.objects.filter(**entry_filter))
        if all(entry.status != LedgerEntry.Status.PENDING for entry in entries):
            return entries
        if time.monotonic() > deadline:
            return entries
        time.sleep(0.05)


def test_a_keyboard_user_tabs_to_the_login_fields_and_logs_in_with_enter(visitor):
    visitor.goto("/accounts/login/")
    assert visitor.evaluate(FOCUSED)["name"] == "username"  # the page starts in the form

    # The order a keyboard user meets from the top of the page, each stop visibly focused.
    visitor.get_by_role("link", name="Skip to content").focus()
    stops = [visitor.evaluate(FOCUSED)]
    for _ in range(6):
        visitor.keyboard.press("Tab")
        stops.append(visitor.evaluate(FOCUSED))
    assert [stop["name"] for stop in stops] == [
        "Skip to content",
        "mSpace Reseller Admin",
        "language",  # the chooser's two buttons, English then Kiswahili
        "language",
        "username",
        "password",
        "Log in",
    ]
    assert all(stop["ring"] for stop in stops), stops

    visitor.keyboard.press("Shift+Tab")
    visitor.keyboard.press("Shift+Tab")
    visitor.keyboard.type(DEMO_USERNAME)
    visitor.keyboard.press("Tab")
    visitor.keyboard.type(DEMO_PASSWORD)
    visitor.keyboard.press("Enter")

    visitor.wait_for_url(DASHBOARD_URL)
    assert visitor.get_by_role("heading", level=1).inner_text() == "Dashboard"


def test_the_skip_link_takes_a_keyboard_user_past_the_navigation(reseller):
    reseller.goto("/")

    reseller.keyboard.press("Tab")
    skip = reseller.get_by_role("link", name="Skip to content")
    assert skip.evaluate("link => link === document.activeElement")
    assert skip.is_visible()
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0  # on screen, not parked at -999px
    reseller.keyboard.press("Enter")
    reseller.keyboard.press("Tab")

    assert reseller.evaluate(FOCUSED)["name"] == "refresh"  # the first control in main


def test_without_javascript_a_reseller_logs_in_and_tops_up(open_page):
    page = open_page(javascript=False)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(DASHBOARD_URL)
    assert page.locator("#balance-figure").inner_text() == "25,000 SMS"

    page.locator("#low-clients tr", has_text="Machakos Fruit Vendors").get_by_role(
        "link", name="Top up"
    ).click()
    assert page.get_by_label("Client").input_value() == "Machakos Fruit Vendors"
    page.get_by_label("Number of SMS").fill("300")
    page.get_by_role("button", name="Top up").click()

    page.wait_for_url(re.compile(r"/topups/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Topped up Machakos Fruit Vendors with 300 SMS."
    )
    assert page.locator(".topup-balance-now").inner_text() == "24,700 SMS"
    assert SimAccount.objects.get(username="Machakos Fruit Vendors").balance == 300


def test_without_javascript_a_top_up_clicked_again_while_waiting_reaches_mspace_once(open_page):
    page = open_page(javascript=False, logged_in=True)
    page.goto("/clients/topup/?name=Meru+Miraa+Traders")
    page.get_by_label("Number of SMS").fill("40")
    faults.inject("resellerclienttopup", "slow", delay=0.5)  # long enough to lose patience
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    button = page.get_by_role("button", name="Top up")
    button.scroll_into_view_if_needed()  # below the payment fields: raw clicks need it seen
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    # Nothing disables the button without JavaScript: clicked again while the first is out,
    # it sends the form a second time. (Raw mouse clicks: a locator would wait for the first.)
    with page.expect_request(lambda request: request.method == "POST"):
        page.mouse.click(x, y)
    page.mouse.click(x, y)

    # expect() polls the address: the first navigation was cut short by the second click.
    expect(page).to_have_url(re.compile(r"/topups/\d+/$"))
    assert len(posts) == 2  # both went out: only the server's one-time key stands guard
    entries = settled({"target": "Meru Miraa Traders"})
    assert len(entries) == 1
    assert entries[0].status == LedgerEntry.Status.SUCCEEDED
    assert SimCall.objects.filter(method="resellerclienttopup").count() == 1
    assert SimAccount.objects.get(username="Meru Miraa Traders").balance == 95 + 40


def test_without_javascript_the_send_page_still_counts_the_message(open_page):
    page = open_page(javascript=False, logged_in=True)
    page.goto("/send/")
    page.get_by_label("Message").fill("Habari 🎉")
    submit(page, "Send test SMS")  # no sender ID: the form comes back

    assert page.locator("#message-counter").inner_text() == (
        "8 characters · 1 SMS · Unicode (because of “🎉”)"
    )
    assert page.get_by_label("Message").input_value() == "Habari 🎉"
    assert LedgerEntry.objects.count() == 0
