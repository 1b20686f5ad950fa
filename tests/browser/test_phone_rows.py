"""At 390 px: one compact row per account, and a test SMS outcome whose message uses the width
(issue 24, point 10)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, fits_without_sideways_scrolling, submit

pytestmark = pytest.mark.django_db(transaction=True)


def boxes(row) -> dict[str, dict]:
    cells = row.locator("td")
    return {
        "name": cells.nth(0).bounding_box(),
        "balance": cells.nth(1).bounding_box(),
        "action": cells.nth(3).bounding_box(),
    }


def same_line(a: dict, b: dict) -> bool:
    """Two boxes share a line when their vertical middles lie within each other."""
    return a["y"] <= b["y"] + b["height"] / 2 <= a["y"] + a["height"]


@pytest.mark.parametrize("path", ["/clients/", "/subaccounts/"])
def test_each_account_is_one_compact_row_on_a_phone(open_page, path):
    phone = open_page(logged_in=True, viewport=PHONE)
    phone.goto(path)
    rows = phone.locator("table.account-list tbody tr")
    expect(rows.first).to_be_visible()

    for index in range(rows.count()):
        row = rows.nth(index)
        box = boxes(row)
        name = row.locator("td").first.inner_text()
        assert same_line(box["name"], box["balance"]), name
        assert same_line(box["name"], box["action"]), name
        assert box["name"]["x"] < box["balance"]["x"] < box["action"]["x"], name
        # As tall as its tallest cell (a long name may wrap), nothing stacked beneath: not
        # the four labelled lines of a card.
        tallest = max(box["name"]["height"], box["action"]["height"])
        assert row.bounding_box()["height"] <= tallest + 16, name
        assert box["action"]["height"] < 48, name  # "Top up" and "History" on one line
        # Issue 16's Days left stays inside the account's row, under its balance.
        days = row.locator("td.days-left")
        if days.inner_text().strip():
            days_box, row_box = days.bounding_box(), row.bounding_box()
            assert row_box["y"] <= days_box["y"], name
            assert days_box["y"] + days_box["height"] <= row_box["y"] + row_box["height"] + 1, name
            assert abs(days_box["x"] - box["balance"]["x"]) < 2, name
    assert fits_without_sideways_scrolling(phone)


def test_a_low_account_shows_its_low_mark_in_its_row(open_page):
    phone = open_page(logged_in=True, viewport=PHONE)
    phone.goto("/clients/?sort=balance")
    first = phone.locator("table.account-list tbody tr").first
    badge = first.locator(".badge-low")

    expect(badge).to_have_text("Low")
    assert same_line(first.locator("td").first.bounding_box(), badge.bounding_box())


def test_the_column_titles_stay_visible_above_the_rows(open_page):
    phone = open_page(logged_in=True, viewport=PHONE)
    phone.goto("/clients/")

    expect(phone.locator("table.account-list thead th").first).to_be_visible()
    assert phone.locator("table.account-list thead th").nth(1).inner_text().startswith("Balance")
    expect(phone.locator("table.account-list thead th.days-left")).to_be_visible()


def test_the_test_sms_outcome_gives_the_message_the_whole_width(open_page):
    phone = open_page(logged_in=True, viewport=PHONE)
    phone.goto("/send/")
    phone.get_by_label("Sender ID").fill("DEMO SHOP")
    phone.get_by_label("Recipient’s mobile number").fill("0712 345 678")
    phone.get_by_label("Message").fill(
        "Habari! Your order is ready for collection at our shop on Ngong Road, open till 6pm."
    )
    submit(phone, "Send test SMS")
    assert re.search(r"/send/\d+/$", phone.url)

    facts = phone.locator(".send-outcome dl.facts").bounding_box()
    message = phone.locator(".sent-message").bounding_box()
    assert message["width"] >= 0.9 * facts["width"]
    assert fits_without_sideways_scrolling(phone)
