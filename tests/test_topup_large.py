"""A large top-up asks for a second, explicit confirmation (issue 24, point 6): the amount in
words and both balances after it, with still one gateway call under one one-time key."""

import re

import pytest

from messaging.models import LedgerEntry
from messaging.number_words import in_words
from tests.topup_helpers import CLIENT_TOPUP, a_top_up, outcome_entry, top_up_calls

pytestmark = pytest.mark.django_db(transaction=True)


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def hidden_fields(response) -> dict[str, str]:
    html = response.content.decode()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_half_the_balance_or_more_asks_for_confirmation_and_sends_nothing(alice_client):
    response = alice_client.post(CLIENT_TOPUP, a_top_up(alice_client, "Jinja Fish", "2500"))

    assert response.status_code == 200
    words = text_of(response)
    assert "Confirm a large top-up" in words
    assert "Two thousand five hundred SMS" in words
    assert "Your balance 5,000 SMS, after the top-up 2,500 SMS" in words
    assert "Jinja Fish 0 SMS, after the top-up 2,500 SMS" in words
    assert top_up_calls().count() == 0
    assert LedgerEntry.objects.count() == 0


def test_a_top_up_below_both_limits_is_sent_at_once(alice_client):
    response = alice_client.post(CLIENT_TOPUP, a_top_up(alice_client, "Jinja Fish", "2499"))

    assert response.status_code == 303
    assert top_up_calls().count() == 1


def test_the_setting_makes_a_top_up_large_whatever_the_balance(alice_client, settings):
    settings.TOPUP_CONFIRM_ABOVE = 1000

    below = alice_client.post(CLIENT_TOPUP, a_top_up(alice_client, "Jinja Fish", "999"))
    at = alice_client.post(CLIENT_TOPUP, a_top_up(alice_client, "Jinja Fish", "1000"))

    assert below.status_code == 303
    assert at.status_code == 200 and "Confirm a large top-up" in text_of(at)


def test_confirming_sends_it_once_under_the_forms_own_key(alice_client):
    data = a_top_up(alice_client, "Jinja Fish", "3000")
    confirm_page = alice_client.post(CLIENT_TOPUP, data)
    confirmed = hidden_fields(confirm_page)
    assert confirmed["form_key"] == data["form_key"]
    assert confirmed["confirmed_amount"] == "3000"

    first = alice_client.post(CLIENT_TOPUP, confirmed)
    twice = alice_client.post(CLIENT_TOPUP, confirmed)  # a double click on "Yes"

    entry = outcome_entry(first)
    assert entry.status == LedgerEntry.Status.SUCCEEDED
    assert str(entry.form_key) == data["form_key"]
    assert outcome_entry(twice).pk == entry.pk
    assert top_up_calls().count() == 1


def test_a_confirmation_of_another_amount_confirms_nothing(alice_client):
    data = a_top_up(alice_client, "Jinja Fish", "4000")
    data["confirmed_amount"] = "3000"

    response = alice_client.post(CLIENT_TOPUP, data)

    assert response.status_code == 200
    assert "Four thousand SMS" in text_of(response)
    assert top_up_calls().count() == 0


def test_the_amount_is_written_out_in_english_and_kiswahili():
    assert in_words(12_500, "en") == "twelve thousand five hundred"
    assert in_words(10_000, "en") == "ten thousand"
    assert in_words(1_000_105, "en") == "one million one hundred and five"
    assert in_words(12_500, "sw") == "elfu kumi na mbili na mia tano"
    assert in_words(25, "sw") == "ishirini na tano"
    assert in_words(1_000_000, "sw") == "milioni moja"
