from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts import throttle
from accounts.backends import GatewayNotAnswering, is_team_login
from messaging.forms.words import in_own_words
from messaging.gateway_words import said

# Checked before anything else is done with a login: longer input is refused with a message,
# never sent to mSpace, hashed, matched or counted. mSpace's own usernames and passwords are
# far shorter.
USERNAME_MAX_CHARS = 150
PASSWORD_MAX_CHARS = 128


class MspaceLoginForm(AuthenticationForm):
    """Django's login form, asking mSpace, with mSpace's own words when it cannot answer.

    Errors carry codes the login view logs by: `invalid_login` (mSpace said no, or axes
    refused to ask) and `gateway` (mSpace could not say).
    """

    # Django's form only tells the browser the limit (maxlength); this checks it on the
    # server as well, before mSpace or the throttle's varchar(255) on PostgreSQL see the name.
    username = UsernameField(
        max_length=USERNAME_MAX_CHARS, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        max_length=PASSWORD_MAX_CHARS,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={
            "max_length": gettext_lazy(
                "A password is at most %(limit_value)d characters; that one is "
                "%(show_value)d. Please check what was typed or pasted."
            ),
        },
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("mSpace did not accept that username and password."),
        "invalid_team_login": gettext_lazy(
            "That e-mail address and password do not match a member of a team. (Owners log "
            "in with their mSpace username, never an e-mail address.)"
        ),
        "gateway": gettext_lazy(
            "mSpace is not answering right now. {reason} Please try again in a moment."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages.update(
            required=gettext("Enter your mSpace username."),
            max_length=gettext(
                "That is longer than any mSpace username: at most %(limit_value)s characters "
                "(it has %(show_value)s)."
            ),
        )
        self.fields["password"].error_messages["required"] = gettext("Enter your mSpace password.")
        in_own_words(self)

    @property
    def focus_password(self) -> bool:
        """After a failed try the username stays filled in: the cursor goes to the password."""
        return self.is_bound and bool(self.errors) and not self.has_error("username")

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate(
                    self.request, username=username, password=password, mspace_login=True
                )
            except GatewayNotAnswering as error:
                raise forms.ValidationError(
                    str(self.error_messages["gateway"]).format(reason=said(error.message)),
                    code="gateway",
                ) from None
            if self.user_cache is None:
                raise self._refusal(username)
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def _refusal(self, username: str) -> forms.ValidationError:
        """mSpace said no: say so and, from the third failure, how many tries are left."""
        message = self.error_messages[
            "invalid_team_login" if is_team_login(username) else "invalid_login"
        ]
        if self.request is not None:
            limit = settings.LOGIN_FAILURE_LIMIT
            left = throttle.tries_left(self.request, username)
            if left > 0 and limit - left >= min(3, limit - 1):
                warning = ngettext(
                    "%(left)d try left: after that, logging in as %(name)s from this device "
                    "is paused for %(minutes)d minutes.",
                    "%(left)d tries left: after that, logging in as %(name)s from this device "
                    "is paused for %(minutes)d minutes.",
                    left,
                ) % {"left": left, "name": username, "minutes": settings.LOGIN_LOCK_MINUTES}
                message = f"{message} {warning}"
        return forms.ValidationError(message, code="invalid_login")
