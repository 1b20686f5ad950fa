from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, UsernameField

from accounts.backends import GatewayNotAnswering


class MspaceLoginForm(AuthenticationForm):
    """Django's login form, asking mSpace, with mSpace's own words when it cannot answer.

    Errors carry codes the login view logs by: `invalid_login` (mSpace said no, or axes
    refused to ask) and `gateway` (mSpace could not say).
    """

    # Django's form only tells the browser the limit (maxlength); this checks it on the
    # server as well, before mSpace or the throttle's varchar(255) on PostgreSQL see the name.
    username = UsernameField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "mSpace did not accept that username and password.",
        "gateway": "mSpace is not answering right now. {reason} Please try again in a moment.",
    }

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
                    self.error_messages["gateway"].format(reason=error.message), code="gateway"
                ) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
