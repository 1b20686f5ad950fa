"""The standing credential as a source of gateway clients, for work done while nobody looks.

The session vault is the source for pages; this one opens the consented, stored password
instead, and builds the same client (`messaging.gateway.client_with`).
"""

from messaging import gateway
from messaging.mspace import MspaceClient
from watch import credential
from watch.models import StandingCredential


class StandingCredentialSource:
    Unreadable = credential.CredentialUnreadable

    def __init__(self, stored: StandingCredential):
        self._stored = stored

    @classmethod
    def for_reseller(cls, reseller_id: int) -> "StandingCredentialSource | None":
        """The source for a watching reseller, or None if they are not watching."""
        stored = (
            StandingCredential.objects.select_related("reseller")
            .filter(reseller_id=reseller_id)
            .first()
        )
        return cls(stored) if stored else None

    def client(self) -> MspaceClient:
        """A gateway client with the stored password; raises `Unreadable`."""
        reseller = self._stored.reseller
        password = credential.decrypt(reseller.pk, self._stored.ciphertext)
        return gateway.client_with(reseller.get_username(), password)
