"""The standing credential as a credential source (`messaging.gateway.CredentialSource`), for
work done while nobody looks: `Gateway(StandingCredentialSource(...))` reads and moves credit
through the same services as a page does with the session vault.

The password is opened only when the gateway first needs it; mSpace refusing it deletes the
stored credential and tells the reseller (`watch.service.stop_refused`).
"""

from accounts.tenancy import rows
from messaging import gateway
from messaging.acting import Acting
from watch import credential
from watch.models import StandingCredential


class StandingCredentialSource:
    """The consented, stored password of one reseller (a `StandingCredential` row)."""

    Unreadable = credential.CredentialUnreadable

    def __init__(self, stored: StandingCredential):
        self._stored = stored
        self.reseller = stored.reseller
        # The canonical username: what the reseller's login made local, and what watch sends.
        self.username = stored.reseller.username

    @classmethod
    def for_reseller(cls, reseller) -> "StandingCredentialSource | None":
        """The source for a watching reseller (a `Reseller` or its id), or None if they are
        not watching."""
        stored = rows(StandingCredential, reseller).select_related("reseller").first()
        return cls(stored) if stored else None

    def password(self) -> str:
        """The stored password; raises `Unreadable` (no key in WATCH_KEYS opens it)."""
        return credential.decrypt(self.reseller.pk, self._stored.ciphertext)

    def refused(self, error) -> None:
        from watch import service  # service imports the gateway factory, as this module does

        service.stop_refused(self.reseller.pk, error.message)

    def acting(self, job: str) -> Acting:
        """Background work `job` (its name, recorded as who acted) for this reseller, through a
        gateway on this credential."""
        return Acting(self.reseller, gateway.Gateway(self), actor_name=job)
