"""The top-up form: which account, how many SMS, and the one-time key.

Both choices are checked against what mSpace said a moment ago, read fresh for the POST: the
name must be in the reseller's current list, and the amount within their current balance.
"""

import re

from django import forms
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext, gettext_lazy

from messaging.balances import shown as shown_balance
from messaging.forms.onetime import OneTimeKeyMixin
from messaging.mspace import UNLIMITED, Account

# ASCII digits only: `\d` and int() also take "٥" (Arabic-Indic five), and IntegerField
# takes "+5", " 5", "5.0" and "1e3". An amount that moves money is exactly digits, or nothing.
_WHOLE_NUMBER = re.compile(r"[0-9]+")
# Long enough for any sane amount with leading zeros; short enough that int() stays cheap.
_LONGEST_INPUT = 40


class TopUpForm(OneTimeKeyMixin):
    name = forms.ChoiceField(label=gettext_lazy("Account"))
    noofsms = forms.CharField(
        label=gettext_lazy("Number of SMS"),
        max_length=_LONGEST_INPUT,
        # No `pattern`: the browser's own message would hide the server's plainer one.
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": gettext_lazy("Enter how many SMS to give."),
            "max_length": gettext_lazy("Enter a whole number of SMS, such as 500."),
        },
    )

    def __init__(self, *args, book, accounts, balance, **kwargs):
        """`accounts`: the reseller's current list for `book`; `balance`: their SMS now."""
        super().__init__(*args, **kwargs)
        self.book = book
        self.balance = balance
        self.account_balances = {account.name: account.balance for account in accounts}
        name = self.fields["name"]
        name.label = book.singular.capitalize()
        singular = {"singular": book.singular}
        name.choices = [("", gettext("Choose a %(singular)s") % singular)] + [
            (account.name, account.name) for account in accounts
        ]
        name.error_messages = {
            "required": gettext("Choose the %(singular)s to top up.") % singular,
            "invalid_choice": gettext(
                "That %(singular)s is not in your list on mSpace any more. "
                "Choose one from the list."
            )
            % singular,
        }
        amount = self.fields["noofsms"]
        most = {"most": intcomma(settings.TOPUP_MAX)}
        if balance >= UNLIMITED:  # no balance to stay within
            amount.help_text = gettext("A whole number from 1 to %(most)s.") % most
        else:
            amount.help_text = (
                gettext("A whole number from 1 to %(most)s, no more than your balance.") % most
            )

    def with_data(self, data):
        accounts = [Account(name, balance) for name, balance in self.account_balances.items()]
        return TopUpForm(data, book=self.book, accounts=accounts, balance=self.balance)

    def clean_noofsms(self) -> int:
        amount = parse_amount(self.cleaned_data["noofsms"])
        # An unlimited balance counts as more than any amount, and a decimal one as its
        # whole part (see messaging.mspace.Balance), so this one comparison covers both.
        if amount > self.balance:
            raise forms.ValidationError(
                gettext("That is more than your balance of %(balance)s SMS.")
                % {"balance": shown_balance(self.balance)},
                code="above_balance",
            )
        return amount

    def target_balance(self) -> int | None:
        """The chosen account's balance as read for this form, if one is chosen."""
        return self.account_balances.get(self.cleaned_data.get("name", ""))


def parse_amount(text: str) -> int:
    """A top-up amount typed as digits: a whole number from 1 to TOPUP_MAX.

    Leading zeros are fine ("007" is 7); anything else but the ASCII digits 0-9 is refused.
    Raises `ValidationError` saying what is wrong.
    """
    if not _WHOLE_NUMBER.fullmatch(text) or len(text) > _LONGEST_INPUT:
        raise forms.ValidationError(
            gettext(
                "Enter a whole number of SMS using the digits 0 to 9 only, such as 500 "
                "(no decimals, signs, spaces or commas)."
            ),
            code="not_whole",
        )
    significant = text.lstrip("0")
    if not significant:
        raise forms.ValidationError(gettext("Top up at least 1 SMS."), code="too_small")
    limit = settings.TOPUP_MAX
    if len(significant) > len(str(limit)) or int(significant) > limit:
        raise forms.ValidationError(
            gettext("One top-up can move at most %(most)s SMS.") % {"most": intcomma(limit)},
            code="too_large",
        )
    return int(significant)
