"""The header's balance: on every page a reseller opens, always with the time it was read,
or a plain sentence saying why it is not shown (issue 24, point 2)."""

import re

import pytest
from playwright.sync_api import expect

from simulator import faults
from tests.browser.conftest import submit

pytestmark = pytest.mark.django_db(transaction=True)

READ_AT = re.compile(r"^Balance [\d,]+ SMS read at \d\d:\d\d$")


def header_balance(page):
    return page.locator("#header-balance")


def test_the_outcome_of_a_test_sms_shows_the_balance_after_it(reseller):
    reseller.goto("/send/")
    reseller.get_by_label("Sender ID").fill("DEMO SHOP")
    reseller.get_by_label("Recipient’s mobile number").fill("0712 345 678")
    reseller.get_by_label("Message").fill("Habari")
    submit(reseller, "Send test SMS")

    assert re.search(r"/send/\d+/$", reseller.url)
    expect(header_balance(reseller)).to_have_text(READ_AT)
    assert "24,999 SMS" in header_balance(reseller).inner_text()


def test_every_reload_of_activity_shows_the_balance_with_its_time(reseller):
    for _ in range(10):
        reseller.goto("/activity/")
        expect(header_balance(reseller)).to_have_text(READ_AT)


def test_every_page_of_the_app_shows_the_balance_with_its_time(reseller):
    for path in ("/", "/clients/", "/subaccounts/", "/clients/topup/", "/send/", "/activity/"):
        reseller.goto(path)
        expect(header_balance(reseller)).to_have_text(READ_AT)


def test_without_a_balance_the_header_says_why(reseller):
    faults.inject("balance", "http500")

    reseller.goto("/activity/")

    expect(header_balance(reseller)).to_have_text(re.compile(r"^Balance not shown: mSpace "))
