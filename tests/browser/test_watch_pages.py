"""Keep watch in a real browser: turning it on and off, and an account's history page
(chart, table, days left) reached from the list — clean console, nothing serious for axe,
nothing sideways on a phone."""

import re

import pytest

from simulator.models import SimAccount
from tests.browser.conftest import (
    PHONE,
    fits_without_sideways_scrolling,
    serious_accessibility_problems,
    submit,
)
from watch import demo
from watch.models import StandingCredential

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_history(demo_world):
    books = {
        book: list(
            SimAccount.objects.filter(parent=demo_world, relation=relation).values_list(
                "username", "balance", "balance"
            )
        )
        for relation, book in (("client", "clients"), ("subaccount", "subaccounts"))
    }
    # A rate of a tenth of the balance a day: everything with credit runs out in ten days.
    books = {b: [(n, bal, bal // 10) for n, bal, _ in rows] for b, rows in books.items()}
    demo.backfill("demo", (demo_world.balance, 500), books)


def test_a_reseller_turns_watch_on_and_off(reseller):
    reseller.goto("/")
    reseller.get_by_role("link", name="Keep watch").first.click()
    reseller.wait_for_url(re.compile(r"/watch/$"))
    assert serious_accessibility_problems(reseller) == []

    submit(reseller, "Start keeping watch")  # without the password or consent
    assert reseller.get_by_text("Tick the box to agree").is_visible()
    assert not StandingCredential.objects.exists()

    reseller.get_by_label("Your mSpace password").fill("demo")
    reseller.get_by_label(re.compile("I agree")).check()
    submit(reseller, "Start keeping watch")
    assert reseller.get_by_role("heading", name="Keep watch is on").is_visible()
    assert StandingCredential.objects.filter(reseller__username="demo").exists()

    submit(reseller, "Stop keeping watch")
    assert reseller.get_by_text("Keep watch is off: your stored").is_visible()
    assert not StandingCredential.objects.exists()
    reseller.goto("/activity/")
    assert reseller.get_by_role("heading", name="Keep watch").is_visible()
    assert reseller.locator(".watch-event-list tbody tr").count() == 2


def test_an_account_page_from_the_list_shows_chart_table_and_days_left(open_page, demo_history):
    page = open_page(logged_in=True)
    page.goto("/clients/?sort=days_left")
    first = page.locator(".account-list tbody tr").first
    name = first.locator(".account-name").inner_text()
    assert float(first.locator(".days-left").inner_text()) <= 10.5
    first.get_by_role("link", name=f"History of {name}").click()
    page.wait_for_url(re.compile(r"/clients/history/\?name="))

    assert page.get_by_role("heading", name=name).is_visible()
    chart = page.locator("svg.balance-chart, .balance-chart svg")
    assert chart.is_visible()
    assert chart.bounding_box()["height"] > 100
    assert page.locator("#daily-use tbody tr").count() == 31
    assert re.fullmatch(r"\d+\.\d", page.locator("#days-left").inner_text())
    page.get_by_role("link", name="7 days").click()
    page.wait_for_url(re.compile(r"days=7"))
    assert page.locator("#daily-use tbody tr").count() in (8, 9)
    assert serious_accessibility_problems(page) == []

    phone = open_page(logged_in=True, viewport=PHONE)
    phone.goto(page.url)
    assert fits_without_sideways_scrolling(phone)
    assert phone.locator(".balance-chart svg").is_visible()
