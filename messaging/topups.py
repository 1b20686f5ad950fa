"""Topping up a client or sub-account.

The form (`messaging.forms.topup`) validates against balances read fresh here; the top-up is
then an `Intent` that the one submit step (`messaging.submit`) carries out: claim the one-time
key, ask mSpace exactly once, settle the row. Every outcome is put into the reseller's words
by `explain` and `headline`.
"""

from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from messaging import ledger, reads, submit
from messaging.gateway_words import said
from messaging.models import LedgerEntry
from messaging.mspace import (
    Account,
    AuthenticationError,
    GatewayError,
    GatewayUnavailableError,
    InsufficientBalanceError,
    MspaceError,
    NotAuthorizedError,
    OutcomeUnknownError,
)

Status = LedgerEntry.Status

CHECK_FIRST = gettext_noop("Check before trying again.")


@dataclass(frozen=True)
class Balances:
    """The reseller's own balance and their book of accounts, by name as people read them."""

    reseller: int
    accounts: list[Account]
    # The same read, searchable (`messaging.picker`); None when made by hand.
    listing: reads.AccountBook | None = None

    def of(self, name: str) -> int | None:
        """The balance of the account called `name`, or None if it is not in the book."""
        return next((a.balance for a in self.accounts if a.name == name), None)


def read_balances(acting, book, *, fresh: bool) -> Balances:
    """The reseller's balance and `book` (clients or sub-accounts); raises `MspaceError`.

    `fresh=True` asks mSpace now, as validating a top-up must; otherwise a recent copy may do
    (any ledger change makes the copy stale, see `messaging.reads`).
    """
    reseller = reads.balance(acting, fresh=fresh)
    listing = reads.account_book(acting, book, fresh=fresh)
    # A row mSpace sent unreadably is shown in the lists but cannot be chosen here.
    readable = [a for a in listing.sorted_by("name") if a.balance >= 0]
    if len(readable) != len(listing):
        listing = reads.AccountBook(readable)
    return Balances(reseller=reseller, accounts=readable, listing=listing)


def intent(
    book,
    *,
    name,
    amount,
    balance_before,
    target_balance_before,
    confirm_first=False,
    payment=None,
) -> submit.Intent:
    """Moving `amount` SMS to the account `name` of `book`, with the balances read before it
    (they settle an unknown outcome later, see `messaging.reconcile`). `confirm_first`: a large
    top-up not confirmed yet; `payment`: the money taken with it (`billing.topup.TopUpPayment`),
    promised before the top-up is sent and settled with its outcome."""
    return submit.Intent(
        kind=book.ledger_kind,
        target=name,
        amount=amount,
        method=book.top_up_method,
        args=(name, amount),
        details={
            "balance_before": balance_before,
            "target_balance_before": target_balance_before,
        },
        explain=lambda error: explain(error, book),
        confirm_first=confirm_first,
        promise=None
        if payment is None
        else lambda form_key: payment.promise(form_key=form_key, name=name, sms=amount),
        settled=None if payment is None else payment.settle,
    )


def top_up(acting, book, *, form_key, **checked) -> submit.Outcome:
    """Carry out a top-up already checked (`checked`: as for `intent`), at most once per
    `form_key`; see `messaging.submit.carry_out`."""
    return submit.carry_out(acting, form_key, intent(book, **checked))


def explain(error: MspaceError, book) -> str:
    """Why a top-up did not simply succeed, in the reseller's words (the entry's detail)."""
    if isinstance(error, OutcomeUnknownError):
        return _unknown(_cause(error))
    if isinstance(error, GatewayUnavailableError):
        return _(
            "mSpace could not be reached, so the top-up was not sent and no SMS moved. "
            "You can try again."
        )
    if isinstance(error, GatewayError):
        # "Internal service error", a Tomcat page, noise: mSpace may have moved the credit
        # before it failed, so this is never called a refusal (nor "try again").
        return _unknown(error.message.replace(" Please try again later.", ""))
    if isinstance(error, InsufficientBalanceError):
        return _("mSpace refused: your balance is too low for this top-up. No SMS moved.")
    if isinstance(error, NotAuthorizedError):
        return _(
            "mSpace refused: your account is not authorised to top up %(book)s "
            "(mSpace has not set it up for reselling). Contact mSpace to have it enabled."
        ) % {"book": book.title.lower()}
    if isinstance(error, AuthenticationError):
        return _(
            "mSpace refused: it no longer accepts the password you logged in with, so nothing "
            "was moved. Please log in again."
        )
    # `TopUpFailedError`: the client already words each of its four causes plainly (could
    # not top up that account, not successful, could not deduct, contact the provider).
    return said(error.message)


def headline(entry: LedgerEntry) -> str:
    """The outcome of a top-up in one sentence, as the outcome page leads with it."""
    if entry.status == Status.SUCCEEDED:
        return _("Topped up %(name)s with %(amount)s SMS.") % {
            "name": entry.target,
            "amount": intcomma(entry.amount),
        }
    if entry.status == Status.FAILED:
        return _("%(name)s was not topped up.") % {"name": entry.target}
    if ledger.needs_checking(entry):
        return _("Top-up of %(name)s: outcome unknown") % {"name": entry.target}
    return _("Still in progress: mSpace has not answered about %(name)s yet.") % {
        "name": entry.target
    }


def _cause(error: MspaceError) -> str:
    """The error's reason without the gateway client's own "so nobody knows" ending, which
    `_unknown` words its own way. A message without such an ending is kept whole."""
    message = error.message
    reason, joined, rest = message.partition(", so ")
    if joined and "went through" in rest:
        return reason + "."
    return message


def _unknown(cause: str) -> str:
    """`cause` is English (the gateway client's words), translated only here, after the
    decision whether it already says to check first."""
    text = _("We don't know whether it went through: %(cause)s") % {"cause": said(cause)}
    return text if "before trying again" in cause else f"{text} {_(CHECK_FIRST)}"
