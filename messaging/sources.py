"""Where a ledger entry came from: a form (the default), or what the app that made it says.

Apps that move credit without a form (bulk top-ups and refill rules, batches/; M-Pesa
payments) register a finder here, so the activity page and its CSV (`source` column: `form`,
`batch <id>`, `rule`, `payment`) name them without this app knowing theirs. An alert SMS
(alerts/) is made by the reseller's alert rules: `rule`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from messaging.models import LedgerEntry


@dataclass(frozen=True)
class Source:
    label: str  # as the CSV has it: "form", "batch 12", "rule"
    text: str  # as a page shows it
    url: str = ""


FORM = Source("form", _("form"))
ALERT_RULES = Source("rule", _("alert rules"))
_BY_KIND = {LedgerEntry.Kind.ALERT_SMS: ALERT_RULES}
_finders: list[Callable[[object, list], dict]] = []


def register(finder: Callable[[object, list], dict]) -> Callable[[object, list], dict]:
    """`finder(reseller, entries)` returns {entry.pk: Source} for those of the reseller's
    `entries` it made."""
    _finders.append(finder)
    return finder


def of(reseller, entries: Iterable) -> dict:
    """{entry.pk: Source} for every one of `entries` (the reseller's own)."""
    entries = list(entries)
    found = {entry.pk: _BY_KIND.get(entry.kind, FORM) for entry in entries}
    for finder in _finders:
        found.update(finder(reseller, entries))
    return found
