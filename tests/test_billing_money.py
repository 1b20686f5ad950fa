"""Money arithmetic: exact decimals, the stated rounding, and the M-Pesa code shape."""

from decimal import Decimal

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from billing import money
from billing.forms import clean_reference

KES, UGX = money.Currency.KES, money.Currency.UGX

prices = st.decimals(min_value="0.0001", max_value="1000", places=4)
kes_amounts = st.decimals(min_value="0.01", max_value="10000000", places=2)
ugx_amounts = st.integers(min_value=1, max_value=10**10).map(Decimal)


def test_it_turns_kes_5000_at_50_cents_into_10000_sms():
    assert money.sms_for_amount(Decimal("5000"), Decimal("0.50"), KES) == money.PaidFor(
        10000, Decimal("0.00")
    )


def test_it_rounds_sms_down_and_states_what_is_left_over():
    paid_for = money.sms_for_amount(Decimal("100"), Decimal("0.35"), KES)
    assert paid_for.sms == 285  # 285 × 0.35 = 99.75
    assert paid_for.left_over == Decimal("0.25")


def test_a_sale_is_rounded_half_up_to_the_cent_once():
    assert money.sale_amount(3, Decimal("0.0050"), KES) == Decimal("0.02")  # 0.015
    assert money.sale_amount(1, Decimal("0.0049"), KES) == Decimal("0.00")


def test_uganda_shillings_have_no_cents():
    assert money.sale_amount(3, Decimal("27.5"), UGX) == Decimal("83")  # 82.5 → 83
    assert money.format_amount(Decimal("27500"), UGX) == "UGX 27,500"
    with pytest.raises(ValueError, match="whole numbers"):
        money.parse_amount("100.50", UGX)


@given(paid=kes_amounts, price=prices)
def test_what_the_sms_cost_plus_the_left_over_is_exactly_what_was_paid(paid, price):
    paid_for = money.sms_for_amount(paid, price, KES)
    assert money.sale_amount(paid_for.sms, price, KES) + paid_for.left_over == paid
    assert paid_for.left_over >= 0
    # Rounded down: the SMS cost no more than was paid, and one SMS more would.
    assert paid_for.sms * price <= paid < (paid_for.sms + 1) * price


@given(paid=ugx_amounts, price=prices)
def test_in_uganda_shillings_too_nothing_is_lost_or_made(paid, price):
    paid_for = money.sms_for_amount(paid, price, UGX)
    assert money.sale_amount(paid_for.sms, price, UGX) + paid_for.left_over == paid
    assert paid_for.sms * price <= paid


@pytest.mark.parametrize(
    "typed, expected",
    [("5,000", "5000.00"), ("KES 5 000.5", "5000.50"), ("0.01", "0.01"), (" 12 ", "12.00")],
)
def test_it_reads_amounts_as_people_type_them(typed, expected):
    parsed = money.parse_amount(typed, KES)
    assert parsed == Decimal(expected) and isinstance(parsed, Decimal)


@pytest.mark.parametrize(
    "typed", ["", "abc", "-5", "0", "1.005", "NaN", "Infinity", "1e400", "9" * 20]
)
def test_it_refuses_what_is_not_an_amount(typed):
    with pytest.raises(ValueError):
        money.parse_amount(typed, KES)


@pytest.mark.parametrize("typed", ["0", "-1", "0.00001", "abc", "1e9", "NaN"])
def test_it_refuses_what_is_not_a_price(typed):
    with pytest.raises(ValueError):
        money.parse_price(typed)


def test_prices_keep_four_decimals_and_print_only_the_needed_ones():
    assert money.parse_price("0.35") == Decimal("0.3500")
    assert money.format_price(Decimal("0.3500"), KES) == "KES 0.35"
    assert money.format_price(Decimal("0.3525"), KES) == "KES 0.3525"
    assert money.format_price(Decimal("30.0000"), UGX) == "UGX 30"


@pytest.mark.parametrize("code", ["QK71ABCD2E", "qk71abcd2e", "QK71 ABCD 2E"])
def test_an_mpesa_code_is_ten_letters_and_digits(code):
    assert clean_reference("mpesa", code) == "QK71ABCD2E"


@pytest.mark.parametrize("code", ["", "QK71ABCD2", "QK71ABCD2EF", "QK71-BCD2E", "QK71ABCD2É"])
def test_it_refuses_what_is_not_an_mpesa_code(code):
    with pytest.raises(forms.ValidationError):
        clean_reference("mpesa", code)


def test_other_methods_take_any_reference():
    assert clean_reference("bank", " EFT 2026/11/30 ") == "EFT 2026/11/30"
