"""Logging in through mSpace, and out."""

import logging
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters

from accounts import throttle, vault
from accounts.backends import is_local_account, is_team_login
from accounts.forms import MspaceLoginForm
from accounts.sessions import SessionStore
from team import second_factor

log = logging.getLogger(__name__)


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's login view, asking mSpace; one log line per attempt, never the password."""

    form_class = MspaceLoginForm
    template_name = "accounts/login.html"

    def dispatch(self, request, *args, **kwargs):
        # A reseller already logged in goes straight on; an administrator (no mSpace password)
        # sees the form, since the reseller pages sent them here to log in with mSpace.
        user = request.user
        self.redirect_authenticated_user = user.is_authenticated and not is_local_account(user)
        return super().dispatch(request, *args, **kwargs)

    def get_redirect_url(self):
        """`next`, if it is a page of this site other than logging in or out (which would go
        round in a circle or answer 405)."""
        url = super().get_redirect_url()
        if url and urlsplit(url).path in (reverse("accounts:login"), reverse("accounts:logout")):
            return ""
        return url

    def form_valid(self, form):
        response = super().form_valid(form)  # login(): new session key, new CSRF token
        typed = form.cleaned_data["username"]
        person = form.get_user()
        if is_team_login(typed):
            # A team member's own password opens nothing at mSpace: it is never vaulted.
            second_factor.require_for_session(self.request, True)
        else:
            vault.store(self.request, form.cleaned_data["password"], username=typed)
            second_factor.require_for_session(self.request, second_factor.has_authenticator(person))
        username = person.get_username()
        throttle.forgive(self.request, username)
        # This browser proved itself: others' failures never pause its logins as this user.
        throttle.trust_device(self.request, response, username)
        # Sessions that simply ran out (the browser never came back) still hold a vault
        # ciphertext: sweep them away now rather than wait for `clearsessions`.
        SessionStore.clear_expired()
        _log_attempt(self.request, username, "succeeded")
        return response

    def form_invalid(self, form):
        outcome = _outcome_of(self.request, form)
        if outcome:
            username = form.cleaned_data.get("username") or form.data.get("username", "")
            _log_attempt(self.request, username, outcome)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default: a GET is answered 405); the vault goes with the session."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            log.info("logout by %r", request.user.get_username())
        was_logged_in = request.user.is_authenticated
        vault.forget(request)
        response = super().post(request, *args, **kwargs)
        if was_logged_in:
            # Added after the session was flushed, so it survives into the login page.
            messages.success(
                request,
                gettext(
                    "You have logged out. Your mSpace password is no longer kept here; "
                    "log in again to carry on."
                ),
            )
        return response


def _outcome_of(request, form) -> str:
    """What the log line says about a rejected login; "" when nobody asked for anything."""
    if form.has_error("__all__", "gateway"):
        return "gateway not answering"
    if not form.has_error("__all__", "invalid_login"):
        return ""  # a field left empty: nothing was tried
    asked = getattr(request, "mspace_was_asked", False)
    if getattr(request, "axes_locked_out", False):
        return "wrong credentials, now locked out" if asked else "locked out"
    return "wrong credentials"


def _log_attempt(request, username: str, outcome: str) -> None:
    level = logging.INFO if outcome == "succeeded" else logging.WARNING
    # %r: a username is typed by anyone, and must not forge a second log line.
    log.log(
        level,
        "login %s: username=%r address=%s",
        outcome,
        username,
        throttle.client_address(request),
    )
