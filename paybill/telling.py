"""Telling a client by SMS that its M-Pesa payment became SMS (optional, per reseller).

Daraja sends only a hash of the payer's number, so the SMS goes to the phone in the client's
contact details (alerts/: Clients → the client → contact details), and only when the reseller
turned it on with a sender ID (`PaybillLink.tell_client`). Which phone is decided with the
top-up (`phone_to_tell`); the SMS goes once the top-up has succeeded, even if that was only
found out later by a check (the worker's sweep, `tell_due`).

It is the reseller's own `sendtext`, through the one submit step like an alert SMS
(`messaging.sending.send_alert_sms`): the ledger row (kind `alert SMS`) is written under a key
derived from the payment before the one call, so however many workers try, the client is told
at most once; nothing retries it, and a failed or unknown one is left as the ledger says.
"""

import logging
import uuid

from django.utils.translation import gettext as _

from accounts.tenancy import every_tenant, rows
from alerts import compose
from alerts.models import AccountContact, Book
from billing import money
from messaging import sending
from messaging.models import LedgerEntry
from messaging.sending import OutgoingSms
from paybill import keys
from paybill.models import MpesaPayment, PaybillLink

log = logging.getLogger(__name__)
# Keys of these SMS are uuid5(this, the payment's id): one per payment, whoever sends it.
_KEYS = uuid.UUID("6a1d2f0e-3b7c-5e8a-9f41-2c0d7b6e5a93")


def phone_to_tell(payment, client: str) -> str:
    """The phone to tell about `payment` topped up to `client`; empty when nobody is told."""
    link = rows(PaybillLink, payment.reseller_id).first()
    if link is None or not (link.tell_client and link.sender_id):
        return ""
    contact = (
        rows(AccountContact, payment.reseller_id)
        .filter(book=Book.CLIENTS, name=client)
        .exclude(phone="")
        .first()
    )
    return contact.phone if contact else ""


def key_of(payment) -> uuid.UUID:
    return uuid.uuid5(_KEYS, f"payment {payment.pk}")


def is_due(payment) -> bool:
    return bool(
        payment.tell_phone
        and payment.told_entry_id is None
        and payment.state == MpesaPayment.State.TOPPED_UP
        and payment.entry is not None
        and payment.entry.status == LedgerEntry.Status.SUCCEEDED
    )


def tell(payment, acting) -> LedgerEntry | None:
    """Send the SMS for a topped-up `payment` through `acting`, if due; its ledger entry (the
    first one, when it was sent before), or None when nothing was due."""
    if not is_due(payment):
        return None
    link = rows(PaybillLink, payment.reseller_id).first()
    if link is None or not link.sender_id:
        return None
    with compose.in_language_of(payment.reseller_id):
        text = _(
            "Thank you for your M-Pesa payment of %(amount)s (%(code)s): %(sms)s SMS were "
            "added to %(client)s."
        ) % {
            "amount": money.format_amount(payment.amount, money.Currency.KES),
            "code": payment.trans_id,
            "sms": f"{payment.sms:,}",
            "client": payment.client,
        }
        sms = OutgoingSms(sender_id=link.sender_id, recipient=payment.tell_phone, message=text)
        keys.remember(payment, key_of(payment))
        outcome = sending.send_alert_sms(acting, sms, form_key=key_of(payment))
    if outcome.entry is None:
        return None
    rows(MpesaPayment, payment.reseller_id).filter(pk=payment.pk, told_entry=None).update(
        told_entry=outcome.entry
    )
    log.info("M-Pesa payment %s: client told (%s)", payment.pk, outcome.entry.status)
    return outcome.entry


def tell_due(acting_of) -> int:
    """Tell every client whose payment's top-up has succeeded and who was not told yet
    (settled later by a check, or its worker stopped in between); how many were tried.
    `acting_of(reseller)` as for `paybill.crediting.credit`."""
    from paybill.crediting import Unavailable  # crediting tells through this module

    # Every reseller's, on purpose: the worker's sweep tells for every tenant.
    due = (
        every_tenant(MpesaPayment)
        .filter(
            state=MpesaPayment.State.TOPPED_UP,
            entry__status=LedgerEntry.Status.SUCCEEDED,
            told_entry=None,
        )
        .exclude(tell_phone="")
        .select_related("entry", "reseller")
    )
    tried = 0
    for payment in list(due):
        try:
            acting = acting_of(payment.reseller)
        except Unavailable:
            continue  # watch is off: it waits, as the inbox does, until someone can send it
        try:
            tell(payment, acting)
        except Exception:  # one client's trouble must not stop the others; the ledger knows
            log.exception("M-Pesa payment %s: the client could not be told", payment.pk)
        tried += 1
    return tried
