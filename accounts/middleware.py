"""Session rules that hold on every page: lifetimes, who may open which page (guarded by
default, `accounts.guard`), and a password mSpace stopped taking.

Both middlewares do their checks in `process_view`, which runs once every middleware has
set the request up: by then messages can be added, and a response returned from there
still passes through every middleware (the messages cookie, the vault cookie, no-store).
"""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import guard, roles, vault
from accounts.backends import is_local_account
from accounts.roles import Role
from accounts.tenancy import reseller_of
from team import second_factor
from team.members import membership_of

log = logging.getLogger(__name__)

_LOGGED_IN_AT = "_logged_in_at"
_SEEN_AT = "_seen_at"
# Writing the session on every request would cost a database write per page; a minute's
# precision is plenty for a 30-minute idle timeout.
_SEEN_PRECISION = 60


def mark_logged_in(request) -> None:
    """Start the session's clocks (idle and absolute lifetime) now."""
    now = int(time.time())
    request.session[_LOGGED_IN_AT] = now
    request.session[_SEEN_AT] = now


@receiver(user_logged_in, dispatch_uid="accounts.mark_logged_in")
def _on_logged_in(sender, request, user, **kwargs):
    # Every login, the admin's included, so that no session goes without its clocks.
    if request is not None and hasattr(request, "session"):
        mark_logged_in(request)


def log_out(request, message: str, reason: str) -> None:
    """Log out (the session row and the vault go with it) and tell the person why."""
    log.info("session ended for %r: %s", request.user.get_username(), reason)
    vault.forget(request)
    logout(request)
    messages.warning(request, message)


class SessionLifetimeMiddleware:
    """Idle timeout (SESSION_IDLE_SECONDS) and an absolute lifetime (SESSION_ABSOLUTE_SECONDS).

    An expired session is logged out and the request goes on anonymously: the page's own
    rule (login required, or the admin's) then sends the person to the right login page,
    and the message says why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        session = request.session
        now = int(time.time())
        if _LOGGED_IN_AT not in session:
            mark_logged_in(request)
        elif now - session[_LOGGED_IN_AT] > settings.SESSION_ABSOLUTE_SECONDS:
            hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
            log_out(
                request,
                ngettext(
                    "You were logged out after %(hours)s hour. Please log in again.",
                    "You were logged out after %(hours)s hours. Please log in again.",
                    hours,
                )
                % {"hours": hours},
                reason="absolute lifetime",
            )
        elif now - session.get(_SEEN_AT, 0) > settings.SESSION_IDLE_SECONDS:
            minutes = settings.SESSION_IDLE_SECONDS // 60
            log_out(
                request,
                ngettext(
                    "You were logged out after %(minutes)s minute without activity.",
                    "You were logged out after %(minutes)s minutes without activity.",
                    minutes,
                )
                % {"minutes": minutes},
                reason="idle",
            )
        elif now - session.get(_SEEN_AT, 0) >= _SEEN_PRECISION:
            session[_SEEN_AT] = now
        return None


class GatewayCredentialsMiddleware:
    """Every page but the public ones needs a person of a tenant: a reseller logged in through
    mSpace whose browser holds the vault's key (both cookies), or a member of their team
    (`request.membership`); their `Reseller` is then `request.reseller`. The person's role
    must reach the page and method (`accounts.roles`), and a required second factor must
    have been given in this session. An owner's session ends when the vaulted password is
    gone, the key does not open it, or mSpace refuses it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "gateway_refused_credentials", False) and request.user.is_authenticated:
            log_out(
                request,
                _(
                    "mSpace no longer accepts the password you logged in with "
                    "(was it changed?). Please log in again."
                ),
                reason="mSpace refused the stored password",
            )
            response = _to_login(request)
        vault.update_cookie(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if guard.is_public(match):
            return None
        user = request.user
        if not user.is_authenticated:
            return _to_login(request)
        membership = membership_of(user) if is_local_account(user) else None
        if membership is not None:
            # A team member: their own password, no vault; they act through the owner's
            # standing credential (`messaging.acting.for_request`).
            request.reseller, request.membership = membership.reseller, membership
            return _second_factor_or_role(request, match, membership.rank)
        if is_local_account(user):
            # An administrator (made with createsuperuser) has no mSpace password to act with.
            # Their admin session stays; the login page does not bounce them back here.
            messages.info(
                request,
                _(
                    "The reseller pages act on an mSpace account: log in with your mSpace "
                    "username and password to use them."
                ),
            )
            return _to_login(request)
        if not vault.opens(request):
            # Both cookies, every time: a `sessionid` alone (copied from a browser, a proxy
            # log or an old backup) must not show the ledger, the lists or the message texts,
            # nor act, even on pages that never ask mSpace.
            log_out(
                request,
                "Your session has ended. Please log in again.",
                reason="vault key missing or wrong",
            )
            return _to_login(request)
        request.reseller = reseller_of(user)
        return _second_factor_or_role(request, match, Role.OWNER)

    def process_exception(self, request, exception):
        if isinstance(exception, vault.VaultLocked):
            log_out(
                request,
                _("Your session has ended. Please log in again."),
                reason="vaulted password unavailable",
            )
            return _to_login(request)
        return None


def _second_factor_or_role(request, match, role):
    """Logging in is finished only with the second factor, where one is required (staff
    always; an owner who turned it on): until then only its own pages open. Then the role
    decides (`accounts.roles`): a clear 403 page, never the page."""
    due = role != Role.OWNER or second_factor.is_required(request)
    if due and not second_factor.is_verified(request):
        if match.view_name in roles.SECOND_STEP:
            # Not logged in all the way yet: the page shows no balance and no menu.
            request.second_factor_due = True
            return None
        return second_factor.ask_for_code(request)
    if roles.allows(role, match, request.method):
        return None
    return forbidden(request, roles.needed(match, request.method))


def forbidden(request, needed):
    """The page a person sees where their role does not reach: what it takes, and who can
    change it. 403, never the page's content."""
    log.info(
        "refused %s %s to %r: needs %s",
        request.method,
        request.path,
        request.user.get_username(),
        needed.name.lower(),
    )
    return render(
        request,
        "accounts/forbidden.html",
        {"needed": needed.label, "owner_only": needed == Role.OWNER},
        status=403,
    )


def _to_login(request):
    """A redirect to the login page, coming back to this page afterwards (never to the login
    or logout pages themselves, which would go round in a circle)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and "accounts" in match.namespaces:
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))
    return redirect_to_login(request.get_full_path())
