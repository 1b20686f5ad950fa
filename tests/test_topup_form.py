"""The top-up form on its own: what counts as an amount and a name, before mSpace is asked."""

import uuid

import pytest
from django.test import override_settings

from messaging.books import CLIENTS, SUB_ACCOUNTS
from messaging.forms.topup import TopUpForm
from messaging.mspace import Account

BOOK = [Account("Mama Mboga Traders", 1200), Account("Café Ngong' Road", 85)]


def form(noofsms="500", name="Mama Mboga Traders", *, balance=5000, book=CLIENTS, accounts=BOOK):
    data = {"form_key": str(uuid.uuid4()), "name": name, "noofsms": noofsms}
    return TopUpForm(data, book=book, accounts=accounts, balance=balance)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1", 1),
        ("500", 500),
        ("007", 7),
        ("0000000000000000000000000000000000000042", 42),
        (" 42 ", 42),
        ("5000", 5000),
    ],
)
def test_it_accepts_a_whole_number_of_sms(typed, amount):
    checked = form(typed)
    assert checked.is_valid(), checked.errors
    assert checked.cleaned_data["noofsms"] == amount


@pytest.mark.parametrize(
    "typed",
    [
        "5.0",  # decimals
        "2.5",
        "1e3",  # exponent
        "1E3",
        "+5",  # signs
        "-5",
        "5 00",  # a space inside
        "5\u00a000",  # a no-break space inside
        "1,000",  # grouping
        "1_000",  # Python's own grouping, which int() takes
        "٥",  # Arabic-Indic five, which int() takes
        "５",  # full-width five
        "०५",  # Devanagari digits
        "0x10",
        "five",
        "5\x00",
        "½",
    ],
)
def test_it_rejects_anything_but_ascii_digits(typed):
    checked = form(typed)
    assert not checked.is_valid()
    assert "noofsms" in checked.errors
    assert (
        "digits 0 to 9" in checked.errors["noofsms"][0]
        or "control character" in checked.errors["noofsms"][0]
    )


@pytest.mark.parametrize("typed", ["", "   ", "\t"])
def test_it_rejects_a_blank_amount(typed):
    checked = form(typed)
    assert not checked.is_valid()
    assert checked.errors["noofsms"] == ["Enter how many SMS to give."]


@pytest.mark.parametrize("typed", ["0", "000"])
def test_it_rejects_zero(typed):
    checked = form(typed)
    assert not checked.is_valid()
    assert checked.errors["noofsms"] == ["Top up at least 1 SMS."]


@override_settings(TOPUP_MAX=1000)
@pytest.mark.parametrize("typed", ["1001", "99999999999999999999", "0" * 10 + "1001"])
def test_it_rejects_more_than_topup_max(typed):
    checked = form(typed, balance=10**30)
    assert not checked.is_valid()
    assert checked.errors["noofsms"] == ["One top-up can move at most 1,000 SMS."]


@override_settings(TOPUP_MAX=1000)
def test_it_accepts_exactly_topup_max():
    assert form("1000", balance=5000).is_valid()


def test_it_rejects_a_very_long_number_without_parsing_it():
    checked = form("9" * 5000)
    assert not checked.is_valid()
    assert "noofsms" in checked.errors


def test_it_rejects_more_than_the_resellers_balance():
    checked = form("5001", balance=5000)
    assert not checked.is_valid()
    assert checked.errors["noofsms"] == ["That is more than your balance of 5,000 SMS."]


def test_it_accepts_exactly_the_resellers_balance():
    assert form("5000", balance=5000).is_valid()


def test_it_rejects_a_name_not_in_the_list_read_fresh():
    checked = form(name="Somebody Else")
    assert not checked.is_valid()
    assert "not in your list on mSpace" in checked.errors["name"][0]


@pytest.mark.parametrize(
    "name", ["mama mboga traders", "Mama Mboga Traders ", " Mama Mboga Traders"]
)
def test_it_takes_the_name_exactly_as_mspace_lists_it(name):
    assert not form(name=name).is_valid()


def test_it_takes_names_with_quotes_and_accents():
    checked = form(name="Café Ngong' Road")
    assert checked.is_valid(), checked.errors
    assert checked.target_balance() == 85


def test_it_asks_for_a_name():
    checked = form(name="")
    assert not checked.is_valid()
    assert checked.errors["name"] == ["Choose the client to top up."]


def test_it_speaks_of_sub_accounts_on_the_sub_account_form():
    checked = form(name="", book=SUB_ACCOUNTS, accounts=[Account("alice-nairobi", 300)])
    assert not checked.is_valid()
    assert checked.errors["name"] == ["Choose the sub-account to top up."]


def test_it_needs_a_one_time_key():
    data = {"name": "Mama Mboga Traders", "noofsms": "5"}
    checked = TopUpForm(data, book=CLIENTS, accounts=BOOK, balance=5000)
    assert not checked.is_valid()
    assert "form_key" in checked.errors


def test_a_new_form_carries_a_new_key_each_time():
    first = TopUpForm(book=CLIENTS, accounts=BOOK, balance=5000)
    second = TopUpForm(book=CLIENTS, accounts=BOOK, balance=5000)
    assert first["form_key"].value() != second["form_key"].value()
