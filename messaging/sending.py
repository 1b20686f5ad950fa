"""Sending a test SMS: claim the form's one-time key, ask mSpace once, settle the ledger row.

The form (`messaging.forms.send.TestSmsForm`) has already validated and normalised
everything; this module only moves the message and records what happened, in the reseller's
words: a refusal says what to do about it, a success says when mSpace took it.
"""

from dataclasses import dataclass

from django.db.models import Max
from django.utils.translation import gettext as _

from messaging import gateway, ledger
from messaging.balances import shown as shown_balance
from messaging.gateway_words import said
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
        return _("mSpace accepted it.")
    return _("mSpace accepted it at %(time)s (mSpace’s clock).") % {"time": answer.response_time}


def _explained_refusal(error: MspaceError, sms: OutgoingSms, balance_before: int | None) -> str:
    """The gateway's refusal, with what the reseller can do about it."""
    if isinstance(error, InvalidSenderIdError):
        return _(
            "%(reason)s Sender IDs must be registered with mSpace for your account before "
            "they can be used: check the spelling of “%(sender_id)s” (capitals count), or "
            "ask mSpace to register it."
        ) % {"reason": said(error.message), "sender_id": sms.sender_id}
    if isinstance(error, InsufficientBalanceError):
        if balance_before is None:
            costs = _("This message costs %(parts)s SMS.") % {"parts": sms.parts}
        else:
            costs = _("This message costs %(parts)s SMS, and your balance was %(balance)s SMS.") % {
                "parts": sms.parts,
                "balance": shown_balance(balance_before),
            }
        return _("%(reason)s %(costs)s Buy more credit from mSpace, then send it again.") % {
            "reason": said(error.message),
            "costs": costs,
        }
    if isinstance(error, AuthenticationError):
        return _("%(reason)s You were logged out: log in with your current mSpace password.") % {
            "reason": said(error.message)
        }
    return said(error.message)


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
