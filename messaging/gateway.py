"""Where the Django side gets its gateway client.

Views and services never build a `MspaceClient` themselves: this module knows the settings,
the demo simulator's in-process transport, and the reseller's vaulted password.
"""

from functools import cache

from django.conf import settings

from accounts import vault
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


class ResellerGateway:
    """The logged-in reseller's client.

    When mSpace refuses the stored password (changed elsewhere since login), it marks the
    request so that `accounts.middleware.GatewayCredentialsMiddleware` ends the session,
    however the view handled the error.
    """

    def __init__(self, request):
        self._request = request
        self._client = client_with(vault.gateway_username(request), vault.reveal(request))

    def _call(self, method, *args):
        try:
            return getattr(self._client, method)(*args)
        except AuthenticationError:
            self._request.gateway_refused_credentials = True
            raise

    def login(self):
        return self._call("login")

    def balance(self):
        return self._call("balance")

    def reseller_clients(self):
        return self._call("reseller_clients")

    def sub_accounts(self):
        return self._call("sub_accounts")

    def top_up_client(self, name, amount):
        return self._call("top_up_client", name, amount)

    def top_up_sub_account(self, name, amount):
        return self._call("top_up_sub_account", name, amount)

    def send_text(self, sender_id, recipient, message):
        return self._call("send_text", sender_id, recipient, message)


def for_reseller(request) -> ResellerGateway:
    """The gateway client for the logged-in reseller; raises `vault.VaultLocked` if the
    password is no longer available (the middleware then asks them to log in again)."""
    return ResellerGateway(request)


def uses_simulator() -> bool:
    return settings.MSPACE_SIMULATOR


def is_reachable() -> bool:
    """Whether the gateway answers HTTP at all (no credentials are sent)."""
    return probe(
        settings.MSPACE_BASE_URL,
        timeout=min(settings.MSPACE_TIMEOUT, 3.0),
        adapter=_simulator_adapter() if settings.MSPACE_SIMULATOR else None,
    )
