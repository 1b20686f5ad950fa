"""The bulk top-up rule (fields `below`, `up_to`, or `add`) and the refill rule form."""

from django import forms
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging.forms.topup import parse_amount


def _whole(value, *, zero=False, most=None) -> int:
    """A whole number of SMS from 1 (or 0) to `most` (default TOPUP_MAX), in plain words."""
    most = settings.TOPUP_MAX if most is None else most
    if zero and value.strip() == "0":
        return 0
    try:
        amount = parse_amount(value)
    except ValidationError:
        raise ValidationError(_("Enter a whole number of SMS, such as 500.")) from None
    if amount > most:
        raise ValidationError(
            _("Enter at most %(most)s SMS.") % {"most": intcomma(most)}, code="too_many"
        )
    return amount


class BulkRuleForm(forms.Form):
    """ "Bring every account below `below` up to `up_to`", or "add `add` to each chosen one"."""

    below = forms.CharField(
        label=gettext_lazy("Every account below"), required=False, max_length=40
    )
    up_to = forms.CharField(label=gettext_lazy("comes up to"), required=False, max_length=40)
    add = forms.CharField(label=gettext_lazy("SMS to add to each"), required=False, max_length=40)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("add"):
            cleaned["rule"] = "add"
            try:
                cleaned["add"] = _whole(cleaned["add"])
            except ValidationError as error:
                self.add_error("add", error)
            return cleaned
        cleaned["rule"] = "up_to"
        for field in ("below", "up_to"):
            if not cleaned.get(field):
                self.add_error(field, _("Enter a whole number of SMS, such as 500."))
                continue
            try:
                cleaned[field] = _whole(cleaned[field])
            except ValidationError as error:
                self.add_error(field, error)
        if not self.errors and cleaned["up_to"] < cleaned["below"]:
            self.add_error(
                "up_to", _("Bring them up to at least the balance they are below, or more.")
            )
        return cleaned

    def rule(self) -> dict:
        """The rule as `batches.plan.lines` and `Batch` take it."""
        data = self.cleaned_data
        if data["rule"] == "add":
            return {"rule": "add", "add": data["add"]}
        return {"rule": "up_to", "below": data["below"], "up_to": data["up_to"]}

    def query(self) -> dict:
        return {k: v for k, v in self.rule().items() if k != "rule"}


class RefillRuleForm(forms.Form):
    name = forms.ChoiceField(label=gettext_lazy("Account"))
    below = forms.CharField(label=gettext_lazy("When its balance is below"), max_length=40)
    amount = forms.CharField(label=gettext_lazy("Top it up by"), max_length=40)
    times_a_day = forms.CharField(
        label=gettext_lazy("At most this many times a day"), max_length=40
    )
    sms_a_month = forms.CharField(
        label=gettext_lazy("At most this many SMS a month"), max_length=40
    )
    reserve = forms.CharField(
        label=gettext_lazy("Never when your own balance would fall below"), max_length=40
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = [("", _("Choose an account"))] + [
            (name, name) for name in accounts
        ]
        self.fields["name"].error_messages = {
            "required": _("Choose the account to refill."),
            "invalid_choice": _("That account is not in your list on mSpace any more."),
        }
        for name, field in self.fields.items():
            if name != "name":
                field.error_messages["required"] = _("Enter a whole number, such as 500.")

    def _sms(self, field, **options):
        return _whole(self.cleaned_data[field], **options)

    def clean_below(self):
        return self._sms("below")

    def clean_amount(self):
        return self._sms("amount")

    def clean_times_a_day(self):
        return self._sms("times_a_day", most=96)

    def clean_sms_a_month(self):
        return self._sms("sms_a_month", most=settings.TOPUP_MAX * 31)

    def clean_reserve(self):
        return self._sms("reserve", zero=True, most=10**12)

    def clean(self):
        cleaned = super().clean()
        amount, month = cleaned.get("amount"), cleaned.get("sms_a_month")
        if amount and month and month < amount:
            self.add_error("sms_a_month", _("Allow at least one refill a month."))
        return cleaned
