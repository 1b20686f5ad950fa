"""Logging in with mSpace credentials, inside Django's authentication contract.

Three kinds of people log in:

- resellers (owners), on `/accounts/login/`: mSpace decides (`MspaceBackend`); their local
  user row exists only to hang sessions and ledger rows on, and never has a usable password;
- team members (staff acting for an owner, `team`), on the same form with their e-mail
  address and a password of their own: Django's password check (`TeamMemberBackend`);
- site administrators made with `createsuperuser`, on `/admin/`: Django's own password check
  (`SiteAdminBackend`).

They never mix: a name with an "@" is a team member's e-mail address and is never sent to
mSpace (a staff password must not travel to the gateway, in a URL, on a wrong guess); any
other name is mSpace's and never checked against local passwords; the admin form never asks
the gateway; and an mSpace user whose name matches a local account never becomes it.
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


def is_team_login(username: str) -> bool:
    """Whether a name typed on the login form is a team member's (an e-mail address): mSpace
    usernames have no "@", so this name is never sent to mSpace."""
    return "@" in username


def is_local_account(user) -> bool:
    """Whether this user has a local password or staff rights (a site administrator or a
    team member), not a reseller who logs in through mSpace."""
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
        if not mspace_login or not username or not password or is_team_login(username):
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


class TeamMemberBackend(ModelBackend):
    """A team member's own password, on the reseller login form, for names with an "@".

    `get_user` runs on every request of their sessions: once the owner takes access back
    (the membership and the user switched off), the next request finds nobody, whichever
    worker serves it. The membership found is kept on the user for the rest of the request.
    """

    def authenticate(self, request, username=None, password=None, mspace_login=False, **kwargs):
        if not mspace_login or not username or not is_team_login(username):
            return None
        user = super().authenticate(
            request, username=canonical_username(username), password=password
        )
        return user if user is not None and self._membership(user) is not None else None

    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("membership__reseller")
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        return user if self._membership(user) is not None else None

    @staticmethod
    def _membership(user):
        from team.members import membership_of  # team's models build on accounts'

        membership = membership_of(user)
        user.team_membership = membership
        return membership
