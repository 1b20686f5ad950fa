from functools import cached_property

from django.conf import settings
from django.utils.translation import gettext

from accounts import vault
from accounts.tenancy import reseller_of
from messaging import acting, reads
from messaging.mspace import MspaceError


class HeaderBalance:
    """The reseller's balance in the page header, with when it was read, or why it is not
    shown. Read only when a page's header asks for it (a CSV or a redirect never does)."""

    def __init__(self, request):
        self._request = request

    @cached_property
    def _found(self):
        try:
            found = reads.balance_for_header(
                acting.for_request(self._request),
                may_ask=self._request.method in ("GET", "HEAD"),
            )
        except MspaceError as error:
            return (None, None), error.message
        except vault.VaultLocked:
            # The page itself decides what an ended session means; the header only says so.
            return (None, None), gettext("your session has ended; log in again to see it.")
        if found is None:
            return (None, None), gettext("it is read again on the next page you open.")
        return found, None

    @property
    def value(self) -> int | None:
        return self._found[0][0]

    @property
    def read_at(self):
        return self._found[0][1]

    @property
    def problem(self) -> str:
        return self._found[1] or ""


def header(request):
    """The gateway mode, and for a logged-in reseller the header's balance (read lazily).
    An administrator has no mSpace account, so no balance either."""
    if getattr(request, "reseller", None) is None:
        # A page outside the guard (an error page): the person's reseller, if they have one.
        request.reseller = reseller_of(getattr(request, "user", None))
    # Before the second factor nothing of the tenant's is read or shown (accounts.roles).
    shown = request.reseller is not None and not getattr(request, "second_factor_due", False)
    return {
        "gateway_is_simulator": settings.MSPACE_SIMULATOR,
        "header_balance": HeaderBalance(request) if shown else None,
    }
