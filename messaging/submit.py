"""The one submit step every credit-moving intent goes through: a top-up, a test SMS, and
later an alert SMS, a batch row, a refill or a payment.

In this order, which is what keeps money safe:

1. a one-time key already claimed shows that first outcome (a replay or a double click never
   asks mSpace again, even if the form would now be refused);
2. the intent is checked against what mSpace says now (the caller's `check`);
3. another top-up of the same account still open (pending or unknown) stops it, and so does
   a team member's daily limit (`team.allowance`), counted under a lock with the claim;
4. a large top-up not yet confirmed goes back for its confirmation, with nothing claimed
   (`messaging.large_topup`);
5. what must be written before sending is (the payment taken with a top-up, `billing`), the
   key is claimed (the pending ledger row), mSpace is asked exactly once, the row is settled,
   and what hangs on the outcome follows it (the payment's receipt).

The caller gets an `Outcome` to render. Credentials mSpace refuses are reported to their
source by the gateway itself (`messaging.gateway.Gateway.call`), whichever step met them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from messaging import ledger, methods
from messaging.models import LedgerEntry
from messaging.mspace import MspaceError


@dataclass(frozen=True)
class Intent:
    """One credit-moving call, checked and ready: the ledger row it makes and the call."""

    kind: str  # a `LedgerEntry.Kind`
    target: str  # the account topped up, the SMS's recipient
    amount: int  # SMS moved (a test SMS: its parts)
    method: methods.Method
    args: tuple
    # More ledger fields: balances read before, sender ID and message.
    details: dict = field(default_factory=dict)
    # Words for the entry's detail: a gateway error (default: its own message) and a success.
    explain: Callable[[MspaceError], str] | None = None
    describe: Callable[[object], str] | None = None
    # A large top-up the reseller has not confirmed yet: shown back, nothing claimed or sent.
    confirm_first: bool = False
    # Written just before the claim, with the one-time key (a payment must never be lost,
    # whatever happens next), and told the settled entry (its receipt).
    promise: Callable[[object], None] | None = None
    settled: Callable[[LedgerEntry], None] | None = None

    @property
    def one_open_per_target(self) -> bool:
        # An unknown top-up is settled by comparing the account's balance with the one before
        # it, which only works while nothing else of ours moves credit to that account.
        return self.kind not in LedgerEntry.SMS_KINDS


@dataclass(frozen=True)
class Outcome:
    """What came of a submission; exactly one of these says why when `entry` is None."""

    entry: LedgerEntry | None = None  # carried out, now or the first time: show it
    busy: LedgerEntry | None = None  # another top-up of the account is still open
    to_confirm: Intent | None = None  # a large top-up to confirm first: nothing was sent
    unreadable: MspaceError | None = None  # mSpace could not be read to check it: not sent
    key_used_elsewhere: bool = False  # the one-time key is another reseller's: not sent
    over_limit: str = ""  # a team member's daily limit would be passed (why): not sent

    @property
    def carried_out(self) -> bool:
        return self.entry is not None


def submit(acting, form_key, check: Callable[[], Intent | None]) -> Outcome:
    """Steps 1 to 5 for a posted form whose one-time key is `form_key` (None if it was not a
    key at all). `check()` reads what it needs fresh and returns the `Intent`, None when the
    form is refused (it keeps its own errors), or raises `MspaceError` when mSpace cannot be
    read. Never raises a gateway error; raises the credential source's error (before any row
    is written) when the password cannot be read."""
    if form_key is not None and (first := ledger.find_claimed(acting.reseller, form_key)):
        return Outcome(entry=first)
    try:
        intent = check()
    except MspaceError as error:
        return Outcome(unreadable=error)
    outcome = Outcome() if intent is None else carry_out(acting, form_key, intent)
    if not outcome.carried_out and form_key is not None:
        # A copy of this same form, sent at the same moment, may have claimed the key while
        # this one was being checked: that outcome, not a refusal of (or a wait for) its twin.
        first = ledger.find_claimed(acting.reseller, form_key)
        if first is not None:
            return Outcome(entry=first)
    return outcome


def carry_out(acting, form_key, intent: Intent) -> Outcome:
    """Steps 3 to 5 for an intent already checked (background work starts here, with a key
    of its own). Never raises a gateway error."""
    reseller = acting.reseller
    if intent.one_open_per_target:
        busy = ledger.open_top_up(reseller, intent.kind, intent.target)
        if busy is not None:
            return Outcome(busy=busy)
    allowance = acting.allowance
    if allowance is not None and (why := allowance.refusal(intent.kind, intent.amount, lock=False)):
        return Outcome(over_limit=why)
    if intent.confirm_first:
        return Outcome(to_confirm=intent)
    # Before the claim: credentials that can no longer be read must leave no row.
    acting.gateway.open()
    # The limit is counted again with the member's row locked, and the claim made before the
    # lock goes: two top-ups at the same moment are counted one after the other.
    with transaction.atomic():
        if allowance is not None and (
            why := allowance.refusal(intent.kind, intent.amount, lock=True)
        ):
            return Outcome(over_limit=why)
        if intent.promise is not None:
            intent.promise(form_key)
        try:
            entry = ledger.claim(
                acting=acting,
                form_key=form_key,
                kind=intent.kind,
                target=intent.target,
                amount=intent.amount,
                **intent.details,
            )
        except ledger.AlreadyClaimed as claimed:
            return Outcome(entry=claimed.entry, key_used_elsewhere=claimed.entry is None)
        except ledger.UnsettledTopUp as unsettled:
            return Outcome(busy=unsettled.entry)
    settled = ledger.record_call(
        entry,
        lambda: acting.gateway.call(intent.method, *intent.args),
        explain=intent.explain,
        describe=intent.describe,
    )
    if intent.settled is not None:
        intent.settled(settled)
    return Outcome(entry=settled)
