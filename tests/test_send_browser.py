"""/send/ in a real Chromium: the live counter works on the real page, under the real CSP."""

import re

import pytest

from messaging.models import LedgerEntry


@pytest.mark.django_db(transaction=True)
def test_the_counter_follows_typing_and_a_browser_newline_counts_once(alice_page, live_server):
    blocked = []
    alice_page.on("console", lambda message: blocked.append(message.text))
    alice_page.goto(f"{live_server.url}/send/")
    counter = alice_page.locator("#message-counter")
    assert counter.text_content() == "0 characters · 0 SMS · GSM-7"

    alice_page.fill("textarea[name=message]", "Habari\nyako 🎉")

    assert counter.text_content() == "13 characters · 1 SMS · Unicode (because of “🎉”)"
    assert not [text for text in blocked if "Content Security Policy" in text]


@pytest.mark.django_db(transaction=True)
def test_a_message_typed_in_the_browser_is_sent_as_typed(alice_page, live_server):
    alice_page.goto(f"{live_server.url}/send/")
    alice_page.fill("input[name=senderid]", "ALICESHOP")
    alice_page.fill("input[name=recipient]", "0712 345 678")
    alice_page.fill("textarea[name=message]", "Line one\nLine two / 50% & more #1 ?")
    alice_page.get_by_role("button", name="Send test SMS").click()
    alice_page.wait_for_url(re.compile(r"/send/\d+/$"))

    entry = LedgerEntry.objects.get()
    assert entry.message == "Line one\nLine two / 50% & more #1 ?"
    assert alice_page.locator("h1").text_content() == "Test SMS sent"
    assert entry.message_id in alice_page.content()
