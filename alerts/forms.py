"""The /alerts/ rules form and an account's contact form."""

import zoneinfo

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from alerts import rules
from alerts.models import AccountContact, AlertSettings
from messaging import phone
from messaging.forms.send import check_sender_id
from messaging.forms.words import in_own_words

_TIME = {"type": "time"}


def _limit(field, least: int, most: int) -> None:
    """A whole-number field between `least` and `most`, refusing anything else in our words."""
    field.validators += [MinValueValidator(least), MaxValueValidator(most)]
    field.widget.attrs.update({"min": least, "max": most})
    field.error_messages.update(
        {
            "invalid": _("Enter a whole number."),
            "min_value": _("Enter %(limit_value)s or more."),
            "max_value": _("Enter %(limit_value)s or less."),
        }
    )


def _in_our_words(form: forms.ModelForm) -> None:
    form.fields["email"].error_messages["invalid"] = _(
        "Enter an e-mail address such as name@example.co.ke."
    )
    in_own_words(form)


def _phone(raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        return phone.normalise(raw, settings.DEFAULT_COUNTRY_CODE)
    except ValueError as error:
        raise forms.ValidationError(str(error), code="phone") from None


class AlertSettingsForm(forms.ModelForm):
    # Longer than any sender ID, so a wrong one is refused by `check_sender_id`'s words.
    sender_id = forms.CharField(required=False, max_length=60)

    class Meta:
        model = AlertSettings
        fields = [
            "email",
            "phone",
            "sender_id",
            "on_low_balance",
            "on_running_out",
            "running_out_days",
            "on_own_balance",
            "own_threshold",
            "rearm_percent",
            "client_template",
            "quiet_from",
            "quiet_until",
            "time_zone",
        ]
        labels = {
            "email": _("Your e-mail"),
            "phone": _("Your phone"),
            "sender_id": _("Sender ID for alert SMS"),
            "on_low_balance": _("Alert when an account falls below its threshold"),
            "on_running_out": _("Alert when an account will run out within"),
            "running_out_days": _("Days"),
            "on_own_balance": _("Alert on your own balance too"),
            "own_threshold": _("Your own threshold (SMS)"),
            "rearm_percent": _("Alert again only after rising this many percent above"),
            "client_template": _("Message to clients who chose to be told"),
            "quiet_from": _("Quiet hours from"),
            "quiet_until": _("until"),
            "time_zone": _("Your time zone"),
        }
        help_texts = {
            "email": _("Alerts are e-mailed only after you follow the link we send to it."),
            "phone": _("Alert SMS go out from your own mSpace account and cost SMS."),
            "client_template": _("Placeholders: {name}, {balance}, {days_left}, {threshold}."),
        }
        widgets = {
            "quiet_from": forms.TimeInput(attrs=_TIME, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs=_TIME, format="%H:%M"),
            "client_template": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["running_out_days"], 1, 60)
        _limit(self.fields["rearm_percent"], 0, 100)
        _limit(self.fields["own_threshold"], 0, 100_000_000)
        _in_our_words(self)

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data["phone"])

    def clean_sender_id(self) -> str:
        sender_id = self.cleaned_data["sender_id"].strip()
        if not sender_id:
            return ""
        try:
            return check_sender_id(sender_id)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="sender_id") from None

    def clean_client_template(self) -> str:
        template = self.cleaned_data["client_template"]
        problem = rules.template_problem(template)
        if problem:
            raise forms.ValidationError(problem, code="template")
        return template

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                _("Enter a time zone such as Africa/Nairobi or Africa/Kampala."), code="zone"
            ) from None
        return name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("phone") and not cleaned.get("sender_id"):
            self.add_error(
                "sender_id", _("Choose the sender ID your alert SMS come from (one of yours).")
            )
        return cleaned


class AccountContactForm(forms.ModelForm):
    class Meta:
        model = AccountContact
        fields = ["phone", "email", "note", "low_balance", "alert_client"]
        labels = {
            "phone": _("Contact phone"),
            "email": _("Contact e-mail"),
            "note": _("Note"),
            "low_balance": _("Own threshold (SMS)"),
            "alert_client": _("Tell the client too when it runs low"),
        }
        help_texts = {
            "low_balance": _("Leave empty to use the dashboard's threshold."),
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "maxlength": 2000})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].validators.append(MaxLengthValidator(2000))
        _limit(self.fields["low_balance"], 0, 100_000_000)
        _in_our_words(self)

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("alert_client") and not (cleaned.get("phone") or cleaned.get("email")):
            self.add_error(
                "alert_client", _("Enter the client's phone or e-mail to tell them anything.")
            )
        return cleaned
