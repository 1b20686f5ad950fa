"""Which client a payment is for: its BillRefNumber against the reseller's book.

A client is found by its name on mSpace or by an account number the reseller gave it, case
and spaces ignored ("mama mboga traders", "MAMAMBOGATRADERS"). Only a reference that names
exactly one client matches: a payment is never guessed onto an account.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.tenancy import rows
from paybill.models import AccountNumber
from paybill.notices import normalised


@dataclass(frozen=True)
class Match:
    client: str | None  # the client's name on mSpace, or None
    why_not: str = ""  # when None: why, for the inbox


def match(reseller, reference: str, accounts) -> Match:
    """The client of `accounts` (the reseller's book as mSpace lists it) that `reference` names."""
    key = normalised(reference)
    if not key:
        return Match(None, _("The payer typed no account number."))
    names = {account.name for account in accounts}
    numbered = (
        rows(AccountNumber, reseller).filter(key=key).values_list("client", flat=True).first()
    )
    if numbered is not None:
        if numbered in names:
            return Match(numbered)
        return Match(
            None,
            _("Account number %(number)s belongs to %(client)s, who is no longer in your list.")
            % {"number": reference, "client": numbered},
        )
    found = sorted(name for name in names if normalised(name) == key)
    if len(found) == 1:
        return Match(found[0])
    if found:
        return Match(
            None,
            _("“%(reference)s” fits several clients (%(names)s); choose one.")
            % {"reference": reference, "names": ", ".join(found)},
        )
    return Match(
        None,
        _("No client is called “%(reference)s”, nor has it as account number.")
        % {"reference": reference},
    )


def known_locally(reseller, reference: str) -> bool | None:
    """Whether `reference` names a client this site already knows of: an account number the
    reseller gave, or a client name keep watch has seen; None when the site knows no client
    of this reseller at all (then nobody can be refused). For Daraja's validation, which must
    answer in seconds, so mSpace is not asked."""
    from watch.models import WatchedAccount  # keep watch's last read of the book

    key = normalised(reference)
    numbers = rows(AccountNumber, reseller)
    if key and numbers.filter(key=key).exists():
        return True
    names = (
        rows(WatchedAccount, reseller)
        .filter(book=WatchedAccount.Book.CLIENTS)
        .values_list("name", flat=True)
    )
    if key and any(normalised(name) == key for name in names.iterator()):
        return True
    if not numbers.exists() and not names.exists():
        return None
    return False
