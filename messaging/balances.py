"""SMS balances as pages, CSVs and scripts show them, and the few rules that read them.

A balance from the gateway client is an int, or a `messaging.mspace.Balance` when mSpace
wrote it unlimited ("-1"), as a decimal ("49.5"), or unreadably; as an int it is already the
number rules count with (unlimited is more than any real balance, a decimal its whole part,
unreadable below zero). What those ints must never do is reach a person as a number: they
are shown here. The ledger keeps the counted int, so a stored unlimited balance is shown as
"Unlimited" too.
"""

from decimal import Decimal

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext

from messaging.mspace import UNLIMITED, exact_balance, is_countable

# CSV cells keep these English words whatever the page's language, as the activity CSV keeps
# its status codes: a spreadsheet or script reading them should not depend on who exported.
UNLIMITED_WORD = "Unlimited"
UNREADABLE_WORD = "unreadable"


def shown(balance: int | Decimal | None) -> str:
    """ "12,400", "49.5" (as mSpace sent it), "Unlimited" or "unreadable"; "" for None."""
    if balance is None:
        return ""
    if balance >= UNLIMITED:
        return gettext("Unlimited")
    if balance < 0:
        return gettext("unreadable")
    return intcomma(exact_balance(balance) if isinstance(balance, int) else balance)


def is_low(balance: int, threshold: int) -> bool:
    """Below the reseller's threshold. Never an unlimited balance, nor one nobody could read."""
    return 0 <= balance < threshold


def after(balance: int, change: int) -> int | Decimal:
    """The balance after `change` SMS move (shown by `shown`): unlimited stays unlimited, and
    a decimal keeps its fraction."""
    return exact_balance(balance) + change if is_countable(balance) else balance


def for_script(balance: int) -> str:
    """For a page's script (topup.js): the exact number, or "unlimited"."""
    if balance >= UNLIMITED:
        return "unlimited"
    return str(exact_balance(balance)) if is_countable(balance) else ""


def for_csv(balance: int) -> int | Decimal | str:
    """A CSV cell: a number where there is one ("49.5" stays exact), else the word."""
    if is_countable(balance):
        return exact_balance(balance)
    return UNLIMITED_WORD if balance >= UNLIMITED else UNREADABLE_WORD
