"""What other apps may listen to.

`balances_read`: a page read a reseller's balance or a book from mSpace (not from the cache).
Arguments: `reseller_id`, `what` ("balance", "clients" or "subaccounts"), `value` (the
balance, or the book's accounts), `at` (when the read set off).
"""

from django.dispatch import Signal

balances_read = Signal()
