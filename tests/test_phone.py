"""Recipients normalised to international digits (SPEC §5), or refused with a reason."""

import re

import pytest
from django.utils import translation

from messaging.phone import normalise


@pytest.mark.parametrize(
    ("typed", "international"),
    [
        # SPEC §5's own examples.
        ("0712 345 678", "254712345678"),
        ("+256 772 123456", "256772123456"),
        ("0112345678", "254112345678"),
        # Every way resellers write the same Kenyan number.
        ("0712345678", "254712345678"),
        ("+254712345678", "254712345678"),
        ("254712345678", "254712345678"),
        ("00254712345678", "254712345678"),
        ("+254 (0)712 345 678", "254712345678"),  # the trunk 0 in brackets
        ("(0712) 345-678", "254712345678"),
        ("0712.345.678", "254712345678"),
        ("0712-345-678", "254712345678"),
        ("  0712 345 678  ", "254712345678"),
        ("0712\u00a0345\u00a0678", "254712345678"),  # pasted from a document
        ("712 345 678", "254712345678"),  # a national number without its 0
        ("+254 110 123 456", "254110123456"),
        # Uganda; Tanzania and Rwanda as any other country, by their numbering plans.
        ("+256772123456", "256772123456"),
        ("00256 701 234 567", "256701234567"),
        ("+255 754 123 456", "255754123456"),
        ("+255 621 123 456", "255621123456"),
        ("+250 788 123 456", "250788123456"),
        # Elsewhere: valid mobile numbers (the US and Canada do not tell them from landlines).
        ("+44 7911 123456", "447911123456"),
        ("+1 (415) 555-2671", "14155552671"),
        ("0049 1512 3456789", "4915123456789"),
        ("+256 760 123 456", "256760123456"),
        ("0757 123 456", "254757123456"),
    ],
)
def test_it_writes_every_plausible_mobile_number_in_international_form(typed, international):
    assert normalise(typed, "254") == international


def test_a_leading_zero_takes_the_configured_country_code():
    assert normalise("0772 123 456", "256") == "256772123456"
    assert normalise("772 123 456", "256") == "256772123456"
    assert normalise("07911 123456", "44") == "447911123456"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Enter the mobile number"),
        ("   ", "Enter the mobile number"),
        ("0712 345 67a", "“a” cannot be part of one"),
        ("O712345678", "“O” cannot be part of one"),  # a letter O for a zero
        ("07l2345678", "“l” cannot be part of one"),
        ("+254+712345678", "“+” cannot be part of one"),
        ("0712/345678", "“/” cannot be part of one"),
        ("٠٧١٢٣٤٥٦٧٨", "cannot be part of one"),  # Arabic-Indic digits
        ("0712 345 67", "too short for a Kenyan mobile number"),
        ("0712 345 6789", "too long for a Kenyan mobile number"),
        ("+254 71234567", "this has 8"),
        ("020 2345678", "not a Kenyan mobile number"),  # a Nairobi landline
        ("+254 20 2345678", "a landline cannot receive SMS"),
        ("041 2345678", "not a Kenyan mobile number"),  # a Mombasa landline
        ("+256 414 123456", "not a Ugandan mobile number"),  # a Kampala landline
        ("+256 772 12345", "too short for a Ugandan mobile number"),
        ("+255 22 2123456", "not a mobile number with the country code +255 (Tanzania)"),
        ("+250 252 123456", "not a mobile number with the country code +250 (Rwanda)"),
        # Issue 24: this was accepted and sent as "15550100".
        ("+1 555 0100", "too short for a mobile number with the country code +1 (United States)"),
        ("+12 345 678", "too short for a mobile number with the country code +1"),
        ("+123 456 789 012 345", "too long for a mobile number with the country code +1"),
        ("+44 1234 567890", "not a mobile number with the country code +44 (United Kingdom)"),
        ("+49 30 12345678", "not a mobile number with the country code +49 (Germany)"),
        ("+49 1999 1234567", "not a number in use with the country code +49"),
        ("+999 1234 5678", "No country's code starts the way +9991"),
        ("+0712345678", "never starts with 0"),
        ("000712345678", "never starts with 0"),
        ("+44 1234", "too short for a mobile number"),
        ("+1234567890123456", "too long for a mobile number"),
        ("12345", "too short for a mobile number"),
    ],
)
def test_it_refuses_what_cannot_be_a_mobile_number_and_says_why(typed, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        normalise(typed, "254")


def test_the_reason_shows_how_a_number_should_look():
    with pytest.raises(ValueError) as refused:
        normalise("0712 345 67", "254")

    assert str(refused.value) == (
        "That is too short for a Kenyan mobile number: it needs 9 digits after the 0 "
        "(like 0712 345 678), and this has 8."
    )


def test_a_nairobi_landline_is_refused_in_plain_words():
    with pytest.raises(ValueError) as refused:
        normalise("020 2345678", "254")

    assert str(refused.value) == (
        "That is not a Kenyan mobile number (those start with 07 or 01); "
        "a landline cannot receive SMS."
    )


def test_a_foreign_country_is_named_in_the_readers_language():
    with translation.override("sw"), pytest.raises(ValueError) as raised:
        normalise("+49 30 12345678", "254")

    assert "+49 (Ujerumani)" in str(raised.value)
    assert "Germany" not in str(raised.value)
