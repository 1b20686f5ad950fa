"""Every message a form can show is in the app's own words and number format, never one of
Django's stock sentences ("Ensure this value is less than or equal to 1000000000.")."""

import pytest
from django import forms

from accounts.forms import MspaceLoginForm
from messaging.books import CLIENTS
from messaging.forms.send import SendTestSmsForm
from messaging.forms.topup import TopUpForm
from messaging.mspace import Account
from messaging.views.activity import ActivityFilter
from messaging.views.dashboard import LowBalanceForm

pytestmark = pytest.mark.django_db(transaction=True)


def every_form():
    return [
        LowBalanceForm(),
        TopUpForm(book=CLIENTS, accounts=[Account("Jinja Fish", 5)], balance=500),
        SendTestSmsForm(balance=500),
        ActivityFilter(),
        MspaceLoginForm(),
    ]


def stock_messages(field) -> set[str]:
    """What Django itself would say for `field`'s error codes and validators."""
    said = set()
    for klass in reversed(type(field).__mro__):
        said.update(str(m) for m in getattr(klass, "default_error_messages", {}).values())
    said.update(str(getattr(v, "message", "")) for v in field.validators)
    return said


@pytest.mark.parametrize("form", every_form(), ids=lambda form: type(form).__name__)
def test_no_field_can_show_one_of_djangos_stock_messages(form):
    stock_words = []
    for name, field in form.fields.items():
        stock = stock_messages(field)
        codes = set(field.error_messages) | {getattr(v, "code", "") for v in field.validators}
        if not field.required:
            codes.discard("required")  # an optional box is never refused for being empty
        for code in codes - {""}:
            message = field.error_messages.get(code)
            if message is None or str(message) in stock:
                stock_words.append(f"{name}.{code}: {message!r}")
    assert stock_words == []


def test_the_low_balance_limit_is_said_with_its_thousands_grouped(alice_client):
    response = alice_client.post("/", {"low_balance": "1000000001"})

    page = response.content.decode()
    assert "Enter at most 1,000,000,000 SMS." in page
    assert "Ensure this value" not in page


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Enter the number of SMS"),
        ("-1", "0 or more"),
        ("ten", "whole number"),
    ],
)
def test_the_low_balance_field_explains_each_refusal(alice_client, typed, words):
    response = alice_client.post("/", {"low_balance": typed})

    assert response.status_code == 200
    assert words in response.content.decode()


def test_a_long_message_counts_its_characters_with_thousands_grouped():
    form = SendTestSmsForm(
        {"senderid": "ALICE", "recipient": "0712345678", "message": "a" * 1700}, balance=500
    )

    assert not form.is_valid()
    assert "1,700 characters" in form.errors["message"][0]
    assert isinstance(form.fields["message"], forms.CharField)
