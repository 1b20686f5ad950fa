"""Sending a test SMS: claim the form's one-time key, ask mSpace once, settle the ledger row.

The form (`messaging.forms.send.TestSmsForm`) has already validated and normalised
everything; this module only moves the message and records what happened, in the reseller's
words: a refusal says what to do about it, a success says when mSpace took it.
"""

from dataclasses import dataclass

from django.db.models import Max

from messaging import gateway, ledger
from messaging.balances import shown as shown_balance
from messaging.models import LedgerEntry
from messaging.mspace import (
    AuthenticationError,
    InsufficientBalanceError,
    InvalidSenderIdError,
    MspaceError,
    SendResult,
)
from messaging.sms import measure

# Enough to recognise one's own, few enough to read at a glance.
RECENT_SENDER_IDS = 8


@dataclass(frozen=True)
class OutgoingSms:
    """A validated test SMS: sender ID as registered, recipient in international digits."""

    sender_id: str
    recipient: str
    message: str

    @property
    def parts(self) -> int:
        return measure(self.message).parts


def send_test_sms(
    request, sms: OutgoingSms, *, form_key, balance_before: int | None
) -> LedgerEntry:
    """Send `sms` for the logged-in reseller once, and return its settled ledger entry.

    The pending row is written before mSpace is asked; the entry comes back succeeded (with
    mSpace's message id), failed (mSpace refused, or could not be reached at all) or unknown
    (it may have been sent). Raises `ledger.AlreadyClaimed` when `form_key` was used before,
    and `accounts.vault.VaultLocked` (before anything is written) when the session has lost
    the password. Never raises a gateway error.
    """
    reseller_gateway = gateway.for_reseller(request)
    entry = ledger.claim(
        reseller=request.user,
        form_key=form_key,
        kind=LedgerEntry.Kind.TEST_SMS,
        target=sms.recipient,
        amount=sms.parts,
        sender_id=sms.sender_id,
        message=sms.message,
        balance_before=balance_before,
    )
    return ledger.record_call(
        entry,
        lambda: reseller_gateway.send_text(sms.sender_id, sms.recipient, sms.message),
        explain=lambda error: _explained_refusal(error, sms, balance_before),
        # The gateway's own time is worth keeping with a success.
        describe=_accepted,
    )


def _accepted(answer: SendResult) -> str:
    if not answer.response_time:
        return "mSpace accepted it."
    return f"mSpace accepted it at {answer.response_time} (mSpace’s clock)."


def _explained_refusal(error: MspaceError, sms: OutgoingSms, balance_before: int | None) -> str:
    """The gateway's refusal, with what the reseller can do about it."""
    if isinstance(error, InvalidSenderIdError):
        return (
            f"{error.message} Sender IDs must be registered with mSpace for your account "
            f"before they can be used: check the spelling of “{sms.sender_id}” "
            "(capitals count), or ask mSpace to register it."
        )
    if isinstance(error, InsufficientBalanceError):
        balance = (
            f", and your balance was {shown_balance(balance_before)} SMS"
            if balance_before is not None
            else ""
        )
        return (
            f"{error.message} This message costs {sms.parts} SMS{balance}. "
            "Buy more credit from mSpace, then send it again."
        )
    if isinstance(error, AuthenticationError):
        return f"{error.message} You were logged out: log in with your current mSpace password."
    return error.message


def recent_sender_ids(reseller, limit: int = RECENT_SENDER_IDS) -> list[str]:
    """Sender IDs the reseller's test SMS went out with, the most recently used first.

    Only sends mSpace accepted: an ID it refused is not worth offering again.
    """
    rows = (
        LedgerEntry.objects.filter(
            reseller=reseller,
            kind=LedgerEntry.Kind.TEST_SMS,
            status=LedgerEntry.Status.SUCCEEDED,
        )
        .exclude(sender_id="")
        .values("sender_id")
        .annotate(last_used=Max("id"))
        .order_by("-last_used")[:limit]
    )
    return [row["sender_id"] for row in rows]
