"""What other apps may listen to.

`balances_read`: a page or a job read a reseller's balance or a book from mSpace (not from the
cache). Arguments: `reseller_id` (an `accounts.Reseller` id), `what` ("balance", "clients" or
"subaccounts"), `value` (the balance, or the book's accounts), `at` (when the read set off),
`by_person` (False for background work, which has no person acting).
"""

from django.dispatch import Signal

balances_read = Signal()
