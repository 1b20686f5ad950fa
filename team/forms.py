"""The team's forms: inviting, changing a member, joining, and typing a code."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from messaging.forms.words import in_own_words
from team.models import Membership

ROLE_CHOICES = Membership.Roles.choices
_LIMIT_MAX = 100_000_000
_LIMIT_WORDS = {
    "required": _("Enter the SMS this person may top up per day (0 for none)."),
    "invalid": _("Enter the daily limit as a whole number of SMS, such as 5000."),
    "min_value": _("The daily limit cannot be below 0."),
    "max_value": _("The daily limit can be at most 100000000 SMS."),
}
_ROLE_WORDS = {
    "required": _("Choose a role: viewer, operator or admin."),
    "invalid_choice": _("Choose a role: viewer, operator or admin."),
}


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={
            "required": _("Enter the e-mail address to send the invitation to."),
            "invalid": _("Enter an e-mail address such as jane@example.com."),
            "max_length": _("An e-mail address has at most 254 characters."),
        },
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, error_messages=_ROLE_WORDS)
    daily_limit = forms.IntegerField(
        label=_("Daily top-up limit (SMS)"),
        min_value=0,
        max_value=_LIMIT_MAX,
        initial=0,
        required=False,
        error_messages=_LIMIT_WORDS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_own_words(self)

    def clean_daily_limit(self):
        return self.cleaned_data.get("daily_limit") or 0


class MemberForm(forms.Form):
    """A member's role and daily limit, changed by the owner or an admin."""

    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, error_messages=_ROLE_WORDS)
    daily_limit = forms.IntegerField(
        label=_("Daily top-up limit (SMS)"),
        min_value=0,
        max_value=_LIMIT_MAX,
        error_messages=_LIMIT_WORDS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_own_words(self)


class JoinForm(forms.Form):
    """Choosing one's own password on joining: Django's validators decide what is strong."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={
            "required": _("Choose a password."),
            "max_length": _("A password is at most 128 characters."),
        },
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={
            "required": _("Type the password again."),
            "max_length": _("A password is at most 128 characters."),
        },
    )

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        in_own_words(self)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ: type the same one twice."))
        elif first:
            from django.contrib.auth import get_user_model

            # The validators compare it with the person's address, as they would their user.
            someone = get_user_model()(username=self.email, email=self.email)
            try:
                password_validation.validate_password(first, someone)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}
        ),
        error_messages={
            "required": _("Type the code your authenticator app shows."),
            "max_length": _("A code is at most 32 characters."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_own_words(self)
