"""Where the Django side gets its gateway client.

Views and services never build a `MspaceClient` themselves: this module knows the settings
and the demo simulator's in-process transport, and takes the credentials from a
`CredentialSource`:

- `SessionVault`: the password a person logged in with, kept in their session's vault
  (`accounts.vault`); mSpace refusing it ends that session.
- `watch.source.StandingCredentialSource`: the password a reseller consented to store for
  background work; mSpace refusing it deletes it. Any object with the same three members
  plugs in.

A `Gateway` made from a source is what services take; it never sees a request.
"""

import threading
from functools import cache
from typing import Protocol

from django.conf import settings

from accounts import vault
from messaging import methods
from messaging.mspace import AuthenticationError, MspaceClient, probe


@cache
def _simulator_adapter():
    from simulator.transport import SimulatorAdapter  # only ever imported in demo mode

    return SimulatorAdapter()


def client_with(username: str, password: str) -> MspaceClient:
    """A client for these credentials (used to log in, before anything is vaulted)."""
    return MspaceClient(
        settings.MSPACE_BASE_URL,
        username,
        password,
        timeout=settings.MSPACE_TIMEOUT,
        adapter=_simulator_adapter() if settings.MSPACE_SIMULATOR else None,
    )


class CredentialSource(Protocol):
    """Where a gateway's username and password come from."""

    username: str  # as the person typed it: the gateway receives exactly this

    def password(self) -> str:
        """The password; raises an exception of the source's own when it is unavailable
        (the session vault: `accounts.vault.VaultLocked`)."""

    def refused(self, error: AuthenticationError) -> None:
        """mSpace refused these credentials (`error` says how): stop using them (end the
        session, drop the standing credential)."""


class SessionVault:
    """The credentials of the person logged in on this request, from their session's vault."""

    def __init__(self, request):
        self._request = request
        # As typed at login: the local user's username is canonical, mSpace gets what was typed.
        self.username = vault.gateway_username(request)

    def password(self) -> str:
        return vault.reveal(self._request)

    def refused(self, error: AuthenticationError) -> None:
        # `accounts.middleware.GatewayCredentialsMiddleware` ends the session on the way out,
        # however the view handled the error.
        self._request.gateway_refused_credentials = True


class Gateway:
    """A reseller's gateway, with credentials from `source`.

    The password is only opened on first use (or by `open()`), so a page served from cached
    reads never decrypts it. When mSpace refuses the credentials, the source is told, once,
    here: no caller has to remember.
    """

    def __init__(self, source: CredentialSource):
        self.source = source
        self.refused = False
        self._client = None
        self._lock = threading.Lock()

    def open(self) -> None:
        """Make sure the credentials can be read; raises the source's error if not."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = client_with(self.source.username, self.source.password())

    def call(self, method: methods.Method, *args):
        """Call `method` (one of `messaging.methods`) with `args`; raises `MspaceError`."""
        self.open()
        try:
            return getattr(self._client, method.client_method)(*args)
        except AuthenticationError as error:
            self.refused = True
            self.source.refused(error)
            raise

    def login(self):
        return self.call(methods.LOGIN)

    def balance(self):
        return self.call(methods.BALANCE)

    def reseller_clients(self):
        return self.call(methods.CLIENTS)

    def sub_accounts(self):
        return self.call(methods.SUB_ACCOUNTS)

    def top_up_client(self, name, amount):
        return self.call(methods.CLIENT_TOP_UP, name, amount)

    def top_up_sub_account(self, name, amount):
        return self.call(methods.SUB_ACCOUNT_TOP_UP, name, amount)

    def send_text(self, sender_id, recipient, message):
        return self.call(methods.SEND_TEXT, sender_id, recipient, message)


def for_session(request) -> Gateway:
    """The gateway of the person logged in on `request`, from their session's vault. Using it
    raises `vault.VaultLocked` if the password is no longer available (the middleware then
    asks them to log in again)."""
    return Gateway(SessionVault(request))


def uses_simulator() -> bool:
    return settings.MSPACE_SIMULATOR


def is_reachable() -> bool:
    """Whether the gateway answers HTTP at all (no credentials are sent)."""
    return probe(
        settings.MSPACE_BASE_URL,
        timeout=min(settings.MSPACE_TIMEOUT, 3.0),
        adapter=_simulator_adapter() if settings.MSPACE_SIMULATOR else None,
    )
