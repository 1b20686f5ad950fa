"""The forms of /payments/: the Paybill settings, account numbers, assigning a payment."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.forms.send import check_sender_id
from paybill.notices import normalised

_SHORT_CODE = re.compile(r"\d{5,7}")


class PaybillSettingsForm(forms.Form):
    short_code = forms.CharField(
        label=_("Paybill number"),
        required=False,
        max_length=10,
        help_text=_(
            "Notices for any other Paybill are refused; the daily check asks about this one."
        ),
    )
    tell_client = forms.BooleanField(
        label=_("Tell the client by SMS when its payment is topped up"),
        required=False,
        help_text=_(
            "To the phone in the client's contact details (Clients → the client). The SMS goes "
            "out from your own mSpace account and costs SMS, as an alert does."
        ),
    )
    sender_id = forms.CharField(label=_("Sender ID"), required=False, max_length=15)

    def clean_short_code(self):
        value = "".join(self.cleaned_data["short_code"].split())
        if value and not _SHORT_CODE.fullmatch(value):
            raise forms.ValidationError(_("A Paybill number is 5 to 7 digits, such as 600984."))
        return value

    def clean_sender_id(self):
        value = self.cleaned_data["sender_id"].strip()
        if not value:
            return value
        try:
            return check_sender_id(value)
        except ValueError as why:
            raise forms.ValidationError(str(why)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("tell_client") and not cleaned.get("sender_id") and not self.errors:
            self.add_error("sender_id", _("Enter the sender ID the SMS to clients goes out with."))
        return cleaned


class AccountNumberForm(forms.Form):
    number = forms.CharField(
        label=_("Account number"),
        max_length=40,
        help_text=_(
            "What the client types as “Account no.” when paying; case and spaces are ignored."
        ),
    )
    client = forms.CharField(label=_("Client"), max_length=200)

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.clients = clients  # the names on mSpace, when they could be read

    def clean_number(self):
        number = " ".join(self.cleaned_data["number"].split())
        if not normalised(number):
            raise forms.ValidationError(_("Enter an account number."))
        return number

    def clean_client(self):
        client = self.cleaned_data["client"]
        if self.clients is not None and client not in self.clients:
            raise forms.ValidationError(_("Choose one of your clients."))
        return client


class AssignForm(forms.Form):
    client = forms.CharField(label=_("Client"), max_length=200)
