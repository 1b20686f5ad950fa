"""The money pages on a 390 px phone (the screenshot job sees the desktop): nothing scrolls
sideways, axe-core finds nothing serious, and the console stays clean (see `open_page`)."""

import re

import pytest

from tests.billing_helpers import set_prices
from tests.browser.conftest import (
    PHONE,
    fits_without_sideways_scrolling,
    follow,
    serious_accessibility_problems,
    submit,
)

pytestmark = pytest.mark.django_db(transaction=True)


def walk_money_pages(page):
    """Every money page, reached as a reseller would; yields each page's name."""
    page.goto("/clients/topup/?name=Kariakor+Shoe+Makers")
    page.get_by_label("Number of SMS").fill("100")
    page.get_by_role("button", name="Top up").click()
    page.wait_for_url(re.compile(r"/topups/\d+/$"))
    yield "top-up outcome with its money"
    follow(page, page.get_by_role("link", name="Record a payment"))
    yield "record a payment"
    page.get_by_label("Amount paid").fill("20")
    page.get_by_label("Reference").fill("not a code")
    submit(page, "Record the payment")
    yield "record a payment, with an error"
    page.get_by_label("Reference").fill("QK71ABCD2E")
    submit(page, "Record the payment")
    follow(page, page.get_by_role("link", name=re.compile(r"^Receipt No\.")))
    yield "receipt"
    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Money"))
    yield "money"
    follow(page, page.get_by_role("link", name="Client statements"))
    yield "statements"
    follow(page, page.get_by_role("link", name="Kariakor Shoe Makers"))
    yield "statement"
    page.goto("/money/prices/")
    yield "prices"
    page.goto("/money/settings/")
    yield "business details"


def test_on_a_phone_every_money_page_fits_and_reads_well(open_page):
    page = open_page(logged_in=True, viewport=PHONE)  # logs demo in: their user exists
    set_prices("demo", default="0.50", business_name="Demo Bulk SMS Ltd")
    visited, misfits, problems = [], [], {}
    for name in walk_money_pages(page):
        visited.append(name)
        if not fits_without_sideways_scrolling(page):
            misfits.append(name)
        found = serious_accessibility_problems(page)
        if found:
            problems[name] = found
    assert len(visited) == 9
    assert misfits == [] and problems == {}
