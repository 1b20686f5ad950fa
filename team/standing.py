"""Staff act through the owner's standing credential (issue 13), never a password of their
own: a `messaging.gateway.CredentialSource` for a team member's requests.

While keep watch is off there is no credential: every gateway use then raises `WatchIsOff`,
an `MspaceError` whose message says why in plain words, so each page that reads mSpace or
moves credit shows it as it would any gateway that cannot be used, and nothing is sent.
"""

from django.utils.translation import gettext_lazy as _

from messaging.mspace import MspaceError
from watch.source import StandingCredentialSource

WATCH_IS_OFF = _(
    "Keep watch is off, so team members cannot read mSpace or move credit now: the owner "
    "turns it on at Keep watch. What the history holds (activity, account histories) is "
    "still here."
)


class WatchIsOff(MspaceError):
    kind = "watch off"

    def __init__(self):
        super().__init__(str(WATCH_IS_OFF))


class OwnersStandingCredential:
    """The owner's consented, stored password, looked up when first needed."""

    def __init__(self, reseller):
        self.reseller = reseller
        self.username = reseller.username
        self._source = None

    def _stored(self) -> StandingCredentialSource:
        if self._source is None:
            self._source = StandingCredentialSource.for_reseller(self.reseller)
        if self._source is None:
            raise WatchIsOff
        return self._source

    def password(self) -> str:
        source = self._stored()
        try:
            return source.password()
        except source.Unreadable:
            # The server's WATCH_KEYS no longer open it: as good as off, for staff.
            raise WatchIsOff from None

    def refused(self, error) -> None:
        # mSpace refused the stored password: keep watch deletes it and tells the owner.
        if self._source is not None:
            self._source.refused(error)
