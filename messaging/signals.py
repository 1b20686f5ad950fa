"""What other apps may listen to.

`balances_read`: a page or a job read a reseller's balance or a book from mSpace (not from the
cache). Arguments: `reseller_id` (an `accounts.Reseller` id), `what` ("balance", "clients" or
"subaccounts"), `value` (the balance, or the book's accounts), `at` (when the read set off),
`by_person` (False for background work, which has no person acting).

`activity_rows`: the activity CSV is being written. Arguments: `reseller` (an
`accounts.Reseller`) and `chosen` (the valid filters: `date_from`, `date_to`, `kind`, `status`,
`target`). A receiver returns its own rows, newest first, as (time, row) pairs with the CSV's
columns (alerts/ adds alerts that have no ledger row, such as e-mails and SMS held for quiet
hours).
"""

from django.dispatch import Signal

balances_read = Signal()
activity_rows = Signal()
