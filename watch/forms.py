from django import forms
from django.utils.translation import gettext_lazy as _


class StartWatchForm(forms.Form):
    password = forms.CharField(
        label=_("Your mSpace password"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree: store my mSpace password, encrypted, so this app reads my balances "
            "while I am away."
        ),
        error_messages={"required": _("Tick the box to agree, or leave watch off.")},
    )


class PeriodForm(forms.Form):
    PERIODS = (7, 30, 90)
    days = forms.TypedChoiceField(choices=[(d, d) for d in PERIODS], coerce=int, required=False)

    def period(self) -> int:
        return (self.cleaned_data.get("days") if self.is_valid() else None) or 30
