"""Logging in with mSpace credentials, inside Django's authentication contract.

Two kinds of people log in:

- resellers, on `/accounts/login/`: mSpace decides (`MspaceBackend`); their local user row
  exists only to hang sessions and ledger rows on, and never has a usable password;
- site administrators made with `createsuperuser`, on `/admin/`: Django's own password check
  (`SiteAdminBackend`).

The two never mix: the reseller form never consults local passwords, the admin form never
asks the gateway, and an mSpace user whose name happens to match a local administrator can
never become that administrator.
"""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend

from accounts.identity import canonical_username
from messaging import gateway
from messaging.mspace import AuthenticationError, MspaceError, RequestRefusedError

log = logging.getLogger(__name__)


class GatewayNotAnswering(Exception):
    """mSpace could not say yes or no; the login form says so, and it is no failed attempt.

    It is not a PermissionDenied, so Django's `authenticate()` lets it through without
    sending `user_login_failed`, and axes never counts it.
    """

    def __init__(self, error: MspaceError):
        super().__init__(error.message)
        self.message = error.message


def local_account_named(canonical: str):
    """The site administrator whose username has this canonical form, or None."""
    candidates = get_user_model()._default_manager.filter(username__iexact=canonical)
    return next(
        (
            user
            for user in candidates
            if is_local_account(user) and canonical_username(user.get_username()) == canonical
        ),
        None,
    )


def is_local_account(user) -> bool:
    """Whether this user is a site administrator (a local password or staff rights), not a
    reseller who logs in through mSpace."""
    return bool(user.is_staff or user.is_superuser or user.has_usable_password())


class MspaceBackend(BaseBackend):
    """Asks the gateway's `login` method; on "user exists" the local user is created or reused.

    The local user is named by the canonical form of the username (`accounts.identity`):
    "CaseUser", "caseuser" and " CASEUSER" are one person with one ledger. mSpace still
    receives the username exactly as typed (kept in the session beside the vault).

    Only answers the reseller login form, which passes `mspace_login=True`; any other
    `authenticate()` call (the admin's login form) is not its business.
    """

    def authenticate(self, request, username=None, password=None, mspace_login=False):
        if not mspace_login or not username or not password:
            return None
        if request is not None:
            # The lockout page tells "mSpace said no on this try" from "mSpace was not asked".
            request.mspace_was_asked = True
        # mSpace is asked first, whoever the name belongs to: refusing a local administrator's
        # name before asking would answer in a fraction of the time and name the local
        # accounts to anyone with a stopwatch.
        try:
            gateway.client_with(username, password).login()
        except (AuthenticationError, RequestRefusedError):
            # Wrong credentials, or a request so large mSpace would not read it: either way a
            # failed login, which Django reports (user_login_failed) and axes counts.
            return None
        except MspaceError as error:
            raise GatewayNotAnswering(error) from None
        canonical = canonical_username(username)
        if local_account_named(canonical) is not None:
            log.warning("mSpace login refused for %r: that name is a local administrator", username)
            return None
        user, created = get_user_model()._default_manager.get_or_create(username=canonical)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user):
        """An administrator can switch a reseller off here by unticking "active"."""
        return user.is_active and not is_local_account(user)

    def get_user(self, user_id):
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class SiteAdminBackend(ModelBackend):
    """Django's password check and permissions, for accounts made with `createsuperuser`.

    It ignores the reseller login form: a reseller's wrong password is mSpace's business,
    and checking it locally too would only spend a slow password hash on every attempt.
    """

    def authenticate(self, request, username=None, password=None, mspace_login=False, **kwargs):
        if mspace_login:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
