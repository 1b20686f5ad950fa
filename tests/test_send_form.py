"""The test SMS form: every rule of SPEC §5 for a send, checked before mSpace is asked."""

import json
import uuid
from pathlib import Path

import pytest

from messaging.forms.send import SendTestSmsForm, as_handset_shows, check_sender_id
from messaging.sms import measure

CANONICAL_CASES = json.loads(
    (Path(__file__).resolve().parent / "data" / "sms_segments.json").read_text(encoding="utf-8")
)["cases"]
CANONICAL = {case["name"]: case["text"] for case in CANONICAL_CASES}

HOSTILE = "Habari Zoë! 50% off / ? # & + = ; Café ŋ 🎉\nNew line\n\n  indented  "


def bound(balance=5000, **fields):
    data = {
        "form_key": str(uuid.uuid4()),
        "senderid": "ALICESHOP",
        "recipient": "0712 345 678",
        "message": "Hello",
        **fields,
    }
    return SendTestSmsForm(data, balance=balance)


def test_a_good_form_gives_the_normalised_values_to_send():
    form = bound(senderid="  ALICESHOP  ", recipient="+256 772 123456")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["senderid"] == "ALICESHOP"
    assert form.cleaned_data["recipient"] == "256772123456"
    assert form.cleaned_data["message"] == "Hello"
    assert form.parts() == 1


# --- Sender IDs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender_id",
    [
        "A",
        "MSPACE",
        "ALICESHOP",
        "Alice Shop",
        "ABCDEFGHIJK",  # 11 characters
        "DEMO SHOP 1",  # 11 with spaces
        "24680",
        "12345678901",
        "123456789012345",  # numeric: up to 15 digits
        "0712345678",
    ],
)
def test_it_accepts_each_kind_of_sender_id(sender_id):
    assert check_sender_id(sender_id) == sender_id
    form = bound(senderid=sender_id)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("sender_id", "reason"),
    [
        ("", "Enter the sender ID"),
        ("     ", "Enter the sender ID"),
        ("ABCDEFGHIJKL", "at most 11 characters (spaces count); this one has 12"),
        ("Alice Shop X", "at most 11 characters"),
        ("1234567890123456", "A numeric sender ID has at most 15 digits; this one has 16"),
        ("ALICE-SHOP", "“-” is not allowed"),
        ("ALICE_SHOP", "“_” is not allowed"),
        ("Zoë", "“ë” is not allowed"),
        ("SHOP🎉", "“🎉” is not allowed"),
        ("ALICE\u00a0SHOP", "U+00A0 is not allowed"),
        ("ALICE\tSHOP", "a line break or tab is not allowed"),
        ("+254712", "“+” is not allowed"),
        ("ＡＢＣ", "“Ａ” is not allowed"),  # full-width letters are not ASCII
        ("١٢٣", "“١” is not allowed"),  # nor are Arabic-Indic digits
    ],
)
def test_it_refuses_a_sender_id_spec_does_not_allow_and_says_why(sender_id, reason):
    form = bound(senderid=sender_id)

    assert not form.is_valid()
    assert list(form.errors) == ["senderid"]
    assert reason in form.errors["senderid"][0]


def test_a_sender_id_is_trimmed_but_keeps_its_inner_spaces():
    form = bound(senderid="\t DEMO SHOP \n")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["senderid"] == "DEMO SHOP"


# --- Recipients ---------------------------------------------------------------------------


def test_a_recipient_is_refused_with_the_reason_from_normalisation():
    form = bound(recipient="020 2345678")

    assert not form.is_valid()
    assert form.errors["recipient"] == [
        "That is not a Kenyan mobile number (those start with 07 or 01); "
        "a landline cannot receive SMS."
    ]


def test_a_recipient_uses_the_default_country_code_setting(settings):
    settings.DEFAULT_COUNTRY_CODE = "256"
    form = bound(recipient="0772 123 456")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["recipient"] == "256772123456"


def test_an_absurdly_long_recipient_is_refused_before_it_is_parsed():
    form = bound(recipient="0712 345 678 " * 10)

    assert not form.is_valid()
    assert form.errors["recipient"] == ["That is far too long for a phone number."]


# --- Messages -----------------------------------------------------------------------------


@pytest.mark.parametrize("message", ["", " ", "   \r\n\t  ", "\n\n"])
def test_a_blank_message_is_refused(message):
    form = bound(message=message)

    assert not form.is_valid()
    assert list(form.errors) == ["message"]


@pytest.mark.parametrize(
    "case",
    [case for case in CANONICAL_CASES if "\r" not in case["text"]],
    ids=[case["name"] for case in CANONICAL_CASES if "\r" not in case["text"]],
)
def test_every_canonical_case_is_accepted_or_refused_by_its_parts(case):
    form = bound(message=case["text"])

    assert form.message_count().parts == case["parts"]
    assert form.is_valid() is (1 <= case["parts"] <= 10), form.errors
    if form.is_valid():
        assert form.parts() == case["parts"]
        assert form.cleaned_data["message"] == case["text"]


def test_the_canonical_cr_case_costs_what_a_browser_user_typed():
    # "line one\nline two\r\nthree" counts its CR (24 units), as the counter must for any
    # text. A browser's textarea never holds a CR, though: what the reseller typed, saw
    # counted and is sent is the LF version, one unit shorter.
    text = CANONICAL["newline and CR"]
    form = bound(message=text)

    assert measure(text).units == 24
    assert form.is_valid(), form.errors
    assert form.cleaned_data["message"] == "line one\nline two\nthree"
    assert form.message_count().units == measure(form.cleaned_data["message"]).units == 23


@pytest.mark.parametrize("name", ["1530 GSM (10 parts)", "670 UCS-2 (10 parts)"])
def test_a_message_of_exactly_ten_sms_is_accepted(name):
    form = bound(message=CANONICAL[name])

    assert form.is_valid(), form.errors
    assert form.parts() == 10


@pytest.mark.parametrize(
    ("name", "characters"), [("1531 GSM (11 parts)", 1531), ("671 UCS-2 (11 parts)", 671)]
)
def test_a_message_of_eleven_sms_is_refused_saying_how_many_it_needs(name, characters):
    form = bound(message=CANONICAL[name])

    assert not form.is_valid()
    assert form.errors["message"] == [
        f"This message needs 11 SMS ({characters:,} characters); "
        "a test SMS can be at most 10 SMS. Shorten it."
    ]


def test_an_emoji_that_tips_a_message_over_ten_sms_is_counted_as_unicode():
    # 669 BMP characters fit in 10 parts; an emoji (2 units) pushes it to 11.
    form = bound(message="ş" * 669 + "🎉")

    assert not form.is_valid()
    assert "needs 11 SMS" in form.errors["message"][0]


def test_a_message_is_kept_exactly_as_typed():
    form = bound(message=HOSTILE)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["message"] == HOSTILE


def test_browser_line_breaks_are_sent_as_the_handset_shows_them():
    # Browsers post a textarea's line breaks as CRLF; the live counter counts them as LF.
    form = bound(message="Line one\r\nLine two\r\n\r\nLine four\rend")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["message"] == "Line one\nLine two\n\nLine four\nend"


def test_a_crlf_does_not_cost_an_extra_sms():
    as_posted = "a" * 79 + "\r\n" + "a" * 80  # 161 characters as posted, 160 as typed

    form = bound(message=as_posted)

    assert measure(as_posted).parts == 2
    assert form.is_valid(), form.errors
    assert form.parts() == 1
    assert form.message_count().units == 160


def test_as_handset_shows_changes_nothing_but_line_breaks():
    assert as_handset_shows(HOSTILE) == HOSTILE
    assert as_handset_shows("\r\n\r") == "\n\n"


def test_a_message_costing_more_than_the_balance_is_refused():
    form = bound(balance=1, message=CANONICAL["161 GSM"])

    assert not form.is_valid()
    assert form.errors["message"] == ["This message costs 2 SMS and your balance is 1 SMS."]


def test_a_message_costing_exactly_the_balance_is_accepted():
    form = bound(balance=2, message=CANONICAL["161 GSM"])

    assert form.is_valid(), form.errors


def test_an_unknown_balance_leaves_affordability_to_mspace():
    form = bound(balance=None, message=CANONICAL["1530 GSM (10 parts)"])

    assert form.is_valid(), form.errors


def test_a_form_without_its_one_time_key_is_refused():
    form = bound(form_key="")

    assert not form.is_valid()
    assert list(form.errors) == ["form_key"]


def test_a_fresh_form_carries_a_new_one_time_key_each_time():
    first, second = SendTestSmsForm(), SendTestSmsForm()

    assert first.initial["form_key"] != second.initial["form_key"]
