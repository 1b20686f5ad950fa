"""M-Pesa in a real browser: in demo mode a client pays by M-Pesa, the worker turns the
payment into SMS, and the page shows it topped up; an unknown account waits in the inbox and
is assigned with a click. Clean console, nothing serious for axe, nothing sideways on a phone."""

from decimal import Decimal

import pytest

from billing.prices import profile_of
from paybill import worker
from simulator.models import SimAccount
from tests.browser.conftest import (
    PHONE,
    SCREENSHOT_DIR,
    fits_without_sideways_scrolling,
    follow,
    screenshots_wanted,
    serious_accessibility_problems,
    submit,
)
from tests.watch_helpers import start_watching

pytestmark = pytest.mark.django_db(transaction=True)
CLIENT = "Jinja Fish Mongers"


@pytest.fixture
def priced(demo_world):
    user = start_watching("demo", "demo")
    profile = profile_of(user)
    profile.default_price = Decimal("0.50")
    profile.save()
    return user


def balance_of(name) -> Decimal:
    return SimAccount.objects.get(parent__username="demo", username=name).balance


def test_a_demo_payment_turns_into_sms(reseller, priced, tmp_path):
    before = balance_of(CLIENT)
    reseller.goto("/")
    follow(reseller, reseller.get_by_role("link", name="M-Pesa"))
    assert reseller.locator("#confirmation-url").inner_text().endswith("/confirm")
    assert serious_accessibility_problems(reseller) == []

    reseller.get_by_label("Account no.").select_option(CLIENT)
    reseller.get_by_label("Amount (KES)").fill("250")
    submit(reseller, "A client pays by M-Pesa")
    assert reseller.get_by_text("A client paid KES 250.00").is_visible()

    worker.credit_waiting()  # what the worker does as soon as the notice is queued
    reseller.reload()
    outcome = reseller.locator(".payments-received .payment-outcome").first
    assert "500 SMS to Jinja Fish Mongers" in outcome.inner_text()
    assert balance_of(CLIENT) == before + 500
    # The README's picture (written into docs/screenshots/ by `make screenshots` only).
    folder = SCREENSHOT_DIR if screenshots_wanted() else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    reseller.evaluate("document.activeElement.blur()")
    reseller.screenshot(path=folder / "payments.png", full_page=True)
    follow(reseller, outcome.get_by_role("link", name="500 SMS to Jinja Fish Mongers"))
    assert reseller.get_by_text("Topped up Jinja Fish Mongers with 500 SMS").is_visible()


def test_a_payment_for_an_unknown_account_waits_and_is_assigned_with_a_click(open_page, priced):
    page = open_page(logged_in=True, viewport=PHONE)
    page.goto("/payments/")
    page.get_by_label("Account no.").select_option("NO SUCH CLIENT")
    submit(page, "A client pays by M-Pesa")
    worker.credit_waiting()
    page.reload()

    row = page.locator(".payments-inbox tbody tr")
    assert row.count() == 1
    assert "No client is called “NO SUCH CLIENT”" in row.inner_text()
    assert fits_without_sideways_scrolling(page)
    row.get_by_label("Client").select_option(CLIENT)
    before = balance_of(CLIENT)
    submit(page, "Top up")

    assert page.get_by_text("Topped up Jinja Fish Mongers with 1,000 SMS").is_visible()
    assert balance_of(CLIENT) == before + 1000
