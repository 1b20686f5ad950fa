"""Sending a test SMS.

The form (`messaging.forms.send.SendTestSmsForm`) validates and normalises everything; the send
is then an `Intent` that the one submit step (`messaging.submit`) carries out, recording what
happened in the reseller's words: a refusal says what to do about it, a success says when
mSpace took it.
"""

from dataclasses import dataclass

from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.tenancy import rows
from messaging import methods, submit
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


def intent(sms: OutgoingSms, *, balance_before: int | None) -> submit.Intent:
    """Sending `sms`; `balance_before` (None if it could not be read) words a refusal."""
    return submit.Intent(
        kind=LedgerEntry.Kind.TEST_SMS,
        target=sms.recipient,
        amount=sms.parts,
        method=methods.SEND_TEXT,
        args=(sms.sender_id, sms.recipient, sms.message),
        details={
            "sender_id": sms.sender_id,
            "message": sms.message,
            "balance_before": balance_before,
        },
        explain=lambda error: _explained_refusal(error, sms, balance_before),
        # The gateway's own time is worth keeping with a success.
        describe=_accepted,
    )


def send_test_sms(acting, sms: OutgoingSms, *, form_key, balance_before) -> submit.Outcome:
    """Send `sms` for `acting.reseller` at most once per `form_key`; see
    `messaging.submit.carry_out`."""
    return submit.carry_out(acting, form_key, intent(sms, balance_before=balance_before))


def send_alert_sms(acting, sms: OutgoingSms, *, form_key) -> submit.Outcome:
    """Send an alert SMS (alerts/) for `acting.reseller` once, through the one submit step like
    a test SMS: `acting` is background work on the reseller's consented standing credential
    (`watch.source.StandingCredentialSource.acting`), the ledger row (kind `alert SMS`) is
    written under `form_key` before mSpace is asked, and the entry comes back succeeded,
    failed or unknown. Nothing retries it; a key used before gives back that first entry and
    mSpace is not asked again. Raises the source's `Unreadable` (no row written) when the
    stored password cannot be opened."""
    alert_intent = submit.Intent(
        kind=LedgerEntry.Kind.ALERT_SMS,
        target=sms.recipient,
        amount=sms.parts,
        method=methods.SEND_TEXT,
        args=(sms.sender_id, sms.recipient, sms.message),
        details={"sender_id": sms.sender_id, "message": sms.message},
        explain=lambda error: _explained_alert_refusal(error, sms),
        describe=_accepted,
    )
    return submit.carry_out(acting, form_key, alert_intent)


def _explained_alert_refusal(error: MspaceError, sms: OutgoingSms) -> str:
    if isinstance(error, AuthenticationError):
        return _("%(reason)s Turn keep watch on again with your current mSpace password.") % {
            "reason": said(error.message)
        }
    if isinstance(error, InsufficientBalanceError):
        return _("%(reason)s This alert costs %(parts)s SMS: buy more credit from mSpace.") % {
            "reason": said(error.message),
            "parts": sms.parts,
        }
    return _explained_refusal(error, sms, None)


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
    used = (
        rows(LedgerEntry, reseller)
        .filter(
            kind=LedgerEntry.Kind.TEST_SMS,
            status=LedgerEntry.Status.SUCCEEDED,
        )
        .exclude(sender_id="")
        .values("sender_id")
        .annotate(last_used=Max("id"))
        .order_by("-last_used")[:limit]
    )
    return [row["sender_id"] for row in used]
