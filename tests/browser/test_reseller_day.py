"""A reseller's day in a real Chromium, against the live app and its simulator.

Each test is one thing a person does: log in, read the dashboard, find a client, top it up,
press a button twice, write a test SMS, meet a gateway outage, log out. Pages opened through
`open_page` also fail the test on any console error, CSP violation or script error.
"""

import re

import pytest
from playwright.sync_api import expect

from messaging.models import LedgerEntry
from messaging.sms import describe, measure
from simulator import faults
from simulator.models import UNLIMITED, SimAccount, SimCall
from simulator.seed import DEMO_CLIENTS, DEMO_SUBACCOUNTS
from tests.browser.conftest import DASHBOARD_URL, DEMO_PASSWORD, DEMO_USERNAME, submit

pytestmark = pytest.mark.django_db(transaction=True)

LOW_BELOW = 100  # the demo reseller's threshold until they change it
OUTCOME_URL = re.compile(r"/topups/\d+/$")


def balance_of(name: str) -> int:
    return SimAccount.objects.get(username=name, parent__isnull=False).balance


def names_in(table) -> list[str]:
    return [name.strip() for name in table.locator("td.account-name").all_inner_texts()]


def test_a_reseller_logs_in_with_their_mspace_username_and_password(visitor):
    visitor.goto("/")
    assert "/accounts/login/" in visitor.url  # the dashboard is not for strangers

    visitor.get_by_label("Username").fill(DEMO_USERNAME)
    visitor.get_by_label("Password").fill(DEMO_PASSWORD)
    visitor.get_by_role("button", name="Log in").click()

    visitor.wait_for_url(DASHBOARD_URL)
    assert visitor.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert visitor.locator(".who-name").inner_text() == DEMO_USERNAME


def test_a_wrong_password_is_explained_on_the_login_page(visitor):
    visitor.goto("/accounts/login/")
    visitor.get_by_label("Username").fill(DEMO_USERNAME)
    visitor.get_by_label("Password").fill("not-the-password")
    submit(visitor, "Log in")

    assert "/accounts/login/" in visitor.url
    assert visitor.get_by_role("alert").inner_text().strip() != ""
    assert visitor.get_by_label("Username").input_value() == DEMO_USERNAME


def test_the_dashboard_shows_every_balance_and_the_ones_running_low(reseller):
    reseller.goto("/")

    assert reseller.locator("#balance-figure").inner_text() == "25,000 SMS"
    assert reseller.locator("#clients-count").inner_text() == str(len(DEMO_CLIENTS))
    assert reseller.locator("#subaccounts-count").inner_text() == str(len(DEMO_SUBACCOUNTS))
    # The demo book has an unlimited client (-1), shown apart, and a decimal balance.
    client_credit = sum(balance for _, balance in DEMO_CLIENTS if balance != UNLIMITED)
    assert reseller.locator("#clients-credit").inner_text() == f"{client_credit:,}"

    low_clients = sorted((b, n) for n, b in DEMO_CLIENTS if 0 <= b < LOW_BELOW)
    table = reseller.locator("#low-clients")
    assert names_in(table) == [f"{name} Low" for _, name in low_clients]
    balances = table.locator("td.num")
    assert balances.all_inner_texts() == [f"{balance:,}" for balance, _ in low_clients]
    # Scanning down a column of figures: right-aligned, so the digits line up.
    assert balances.first.evaluate("cell => getComputedStyle(cell).textAlign") == "right"
    low_subaccounts = [n for n, b in sorted(DEMO_SUBACCOUNTS, key=lambda a: a[1]) if b < LOW_BELOW]
    assert names_in(reseller.locator("#low-subaccounts")) == [f"{n} Low" for n in low_subaccounts]


def test_a_low_balance_is_marked_in_words_not_only_in_colour(reseller):
    reseller.goto("/clients/?sort=balance")
    rows = reseller.locator("table.account-list tbody tr")

    low_rows = rows.filter(has=reseller.locator(".badge-low"))
    assert low_rows.count() == sum(1 for _, balance in DEMO_CLIENTS if 0 <= balance < LOW_BELOW)
    for row in low_rows.all():
        assert row.locator(".badge-low").inner_text() == "Low"
    plenty = rows.filter(has_text="Kisumu Water Works")
    assert plenty.locator(".badge-low").count() == 0
    assert plenty.locator("td.num").inner_text() == "12,400"


def test_searching_the_clients_narrows_the_list_to_the_matches(reseller):
    reseller.goto("/clients/")
    assert reseller.locator("table.account-list tbody tr").count() == len(DEMO_CLIENTS)

    reseller.get_by_label("Search by name").fill("coffee")
    reseller.get_by_label("Search by name").press("Enter")

    reseller.wait_for_url(re.compile(r"[?&]q=coffee"))
    names = names_in(reseller.locator("table.account-list"))
    assert names == ["Mbale Coffee Union", "Nyeri Coffee Growers"]
    assert (
        f"2 of {len(DEMO_CLIENTS)} match “coffee”" in reseller.locator(".list-summary").inner_text()
    )


def test_a_client_is_topped_up_from_its_row_and_the_new_balances_show(reseller):
    reseller.goto("/clients/?q=Kariakor")
    row = reseller.locator("table.account-list tbody tr", has_text="Kariakor Shoe Makers")
    row.get_by_role("link", name="Top up").click()

    assert reseller.get_by_label("Client").input_value() == "Kariakor Shoe Makers"
    reseller.get_by_label("Number of SMS").fill("1500")
    preview = reseller.locator("#topup-preview")
    # expect() waits for topup.js, which may still be loading when the typing starts.
    expect(preview.locator("[data-after=reseller]")).to_have_text("23,500")
    expect(preview.locator("[data-after=target]")).to_have_text("1,547")
    reseller.get_by_role("button", name="Top up").click()

    reseller.wait_for_url(OUTCOME_URL)
    headline = reseller.get_by_role("heading", level=1).inner_text()
    assert headline == "Topped up Kariakor Shoe Makers with 1,500 SMS."
    assert reseller.locator(".alert-success").is_visible()
    nav = reseller.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Clients").get_attribute("aria-current") == "page"
    assert reseller.locator(".topup-balance-now").inner_text() == "23,500 SMS"
    assert reseller.locator(".topup-target-now").inner_text() == "1,547 SMS"
    assert balance_of("Kariakor Shoe Makers") == 1547

    reseller.get_by_role("link", name="Dashboard").click()
    assert reseller.locator("#balance-figure").inner_text() == "23,500 SMS"
    assert "Kariakor Shoe Makers" not in reseller.locator("#low-clients").inner_text()


def test_a_double_clicked_top_up_reaches_mspace_once(reseller):
    reseller.goto("/clients/topup/?name=Garissa+Livestock+Market")
    reseller.get_by_label("Number of SMS").fill("200")

    reseller.get_by_role("button", name="Top up").dblclick()

    reseller.wait_for_url(OUTCOME_URL)
    reseller.wait_for_load_state()
    assert reseller.locator(".topup-outcome .badge").inner_text() == "succeeded"
    assert SimCall.objects.filter(method="resellerclienttopup").count() == 1
    assert LedgerEntry.objects.count() == 1
    assert balance_of("Garissa Livestock Market") == 12 + 200


def test_the_counter_switches_to_unicode_at_the_first_emoji(reseller):
    reseller.goto("/send/")
    message = reseller.get_by_label("Message")
    counter = reseller.locator("#message-counter")

    message.press_sequentially("Habari yako")
    expect(counter).to_have_text("11 characters · 1 SMS · GSM-7")

    message.press_sequentially(" 🎉")
    expect(counter).to_have_text("13 characters · 1 SMS · Unicode (because of “🎉”)")
    assert counter.inner_text() == describe(measure("Habari yako 🎉"))  # as the server counts

    message.press("Backspace")  # one keypress takes the whole emoji, and Unicode with it
    expect(counter).to_have_text("12 characters · 1 SMS · GSM-7")


def test_a_test_sms_is_sent_and_its_outcome_shown(reseller):
    reseller.goto("/send/")
    reseller.get_by_label("Sender ID").fill("MSPACE")
    reseller.get_by_label("Recipient’s mobile number").fill("0712 345 678")
    reseller.get_by_label("Message").fill("Habari 🎉")
    reseller.get_by_role("button", name="Send test SMS").click()

    reseller.wait_for_url(re.compile(r"/send/\d+/$"))
    assert reseller.get_by_role("heading", level=1).inner_text() == "Test SMS sent"
    assert "254712345678" in reseller.locator(".send-outcome").inner_text()
    assert SimCall.objects.filter(method="sendtext").count() == 1


def test_a_form_error_is_shown_next_to_its_field(reseller):
    reseller.goto("/clients/topup/?name=Jinja+Fish+Mongers")
    amount = reseller.get_by_label("Number of SMS")
    amount.fill("12.5")
    submit(reseller, "Top up")

    assert amount.get_attribute("aria-invalid") == "true"
    error = reseller.locator(".field", has=amount).locator(".field-error")
    assert "whole number" in error.inner_text()
    # Screen readers hear the error with the field: it is part of the field's description.
    error_id = error.locator("xpath=..").get_attribute("id")
    assert error_id in amount.get_attribute("aria-describedby").split()
    assert SimCall.objects.writes().count() == 0
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("fault", "explanation"),
    [
        ("http500", "mSpace answered with an error"),
        ("refuse", "mSpace could not be reached"),
    ],
)
def test_a_gateway_failure_is_explained_in_plain_words(reseller, fault, explanation):
    reseller.goto("/")
    assert reseller.locator("#balance-figure").inner_text() == "25,000 SMS"

    faults.inject("*", fault)
    submit(reseller, "Refresh")  # asks mSpace afresh

    problems = reseller.locator(".gateway-error")
    assert problems.count() == 3  # balance, clients, sub-accounts: each says what failed
    assert problems.first.inner_text().startswith("Could not read your balance:")
    assert explanation in problems.first.inner_text()
    assert "Traceback" not in reseller.content()
    assert reseller.locator("#balance-figure").count() == 0

    faults.clear()
    submit(reseller, "Refresh")
    assert reseller.locator("#balance-figure").inner_text() == "25,000 SMS"


def test_after_logging_out_the_back_button_shows_nothing_private(reseller):
    reseller.goto("/clients/")
    assert "Mama Mboga Traders" in reseller.content()

    reseller.get_by_role("button", name="Log out").click()
    reseller.wait_for_url(re.compile(r"/accounts/login/"))
    reseller.go_back()

    assert "/accounts/login/" in reseller.url
    page_text = reseller.content()
    assert "Mama Mboga Traders" not in page_text
    assert "25,000" not in page_text
    assert reseller.get_by_label("Password").is_visible()


def test_logged_in_pages_tell_the_browser_not_to_keep_them(reseller):
    response = reseller.goto("/")

    cache_control = response.headers["cache-control"]
    assert "no-store" in cache_control
    assert "private" in cache_control
