"""The top-up form in a real Chromium: the live preview of both balances, under the real CSP,
and a top-up sent from the browser landing on its outcome page."""

import re

import pytest

from messaging.models import LedgerEntry


@pytest.mark.django_db(transaction=True)
def test_the_preview_follows_the_chosen_client_and_the_amount(alice_page, live_server):
    complaints = []
    alice_page.on("console", lambda message: complaints.append(message.text))
    alice_page.goto(f"{live_server.url}/clients/topup/?name=Kampala%20Boda%20Riders")
    preview = alice_page.locator("#topup-preview")
    assert preview.locator("[data-target-label]").text_content() == "Kampala Boda Riders"
    assert not preview.locator("[data-after=reseller]").is_visible()

    alice_page.fill("input[name=noofsms]", "1250")
    assert preview.locator("[data-after=reseller]").text_content() == "3,750"
    assert preview.locator("[data-after=target]").text_content() == "1,290"

    alice_page.select_option("select[name=name]", "Mama Mboga Traders")
    assert preview.locator("[data-target-label]").text_content() == "Mama Mboga Traders"
    assert preview.locator("[data-after=target]").text_content() == "2,450"

    for refused in ("1e3", "-5", "٥", "9999"):
        alice_page.fill("input[name=noofsms]", refused)
        assert not preview.locator("[data-after=reseller]").is_visible()
    assert not [text for text in complaints if "Content Security Policy" in text]


@pytest.mark.django_db(transaction=True)
def test_a_top_up_sent_from_the_browser_shows_its_outcome(alice_page, live_server):
    alice_page.goto(f"{live_server.url}/clients/topup/?name=Jinja%20Fish")
    alice_page.fill("input[name=noofsms]", "25")
    alice_page.get_by_role("button", name="Top up").click()
    alice_page.wait_for_url(re.compile(r"/topups/\d+/$"))

    topped_up = LedgerEntry.objects.get()
    assert (topped_up.target, topped_up.amount, topped_up.status) == ("Jinja Fish", 25, "succeeded")
    assert alice_page.locator("h1").text_content() == "Topped up Jinja Fish with 25 SMS."
