"""Sales, receipts and payments: the money side of top-ups.

A top-up with billing goes: `promise` (before mSpace is asked, keyed by the form's one-time
key) → the top-up itself → `settle` (link the ledger entry; if it succeeded, issue the receipt
and record the promised payment). `catch_up` does the same for every succeeded top-up that
has no receipt yet — one settled later by a check, or made where no price was shown — so every
succeeded top-up has exactly one receipt.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.tenancy import rows
from billing import money
from billing.models import BusinessProfile, Payment, Sale
from billing.prices import Price, price_for, profile_of, profile_to_read
from messaging.books import BOOK_FOR_KIND
from messaging.models import LedgerEntry

Status = LedgerEntry.Status
TOP_UP_KINDS = list(BOOK_FOR_KIND)


@dataclass(frozen=True)
class Promise:
    """A payment taken with a top-up: how much, how, and its reference."""

    amount: Decimal
    method: str
    reference: str = ""


def promise(
    reseller, *, form_key, kind, name, sms, price: Price, paid: Promise | None = None
) -> Sale | None:
    """Write the sale for a top-up about to be sent (its amount at `price`, and `paid`).

    Called again with the same key (the form shown again, then sent), it is rewritten.
    """
    profile = profile_to_read(reseller)
    amount = money.sale_amount(sms, price.amount, price.currency) if price.amount else None
    fields = {
        "kind": kind,
        "name": name,
        "sms": sms,
        "price": price.amount,
        "currency": price.currency,
        "amount": amount,
        "buying_price": profile.buying_price if profile.currency == price.currency else None,
        "promised_amount": paid.amount if paid else None,
        "promised_method": paid.method if paid else "",
        "promised_reference": paid.reference if paid else "",
    }
    try:
        sale, _ = rows(Sale, reseller).update_or_create(
            reseller=reseller, form_key=form_key, entry=None, defaults=fields
        )
    except IntegrityError:
        # The key has a sale already: this form's twin, sent at the same moment, or a key
        # that was used before (then the ledger refuses the top-up, and no sale is needed).
        sale = rows(Sale, reseller).filter(form_key=form_key).first()
    return sale


def settle(entry: LedgerEntry) -> Sale | None:
    """Link the sale of a settled top-up to its ledger entry; receipt it if it succeeded.

    Returns the sale, or None for a top-up that has none and did not succeed.
    """
    sale = rows(Sale, entry.reseller_id).filter(form_key=entry.form_key).first()
    if sale is None:
        if entry.status != Status.SUCCEEDED:
            return None
        sale = _sale_at_todays_price(entry)
    elif sale.entry_id is None:
        rows(Sale, entry.reseller_id).filter(pk=sale.pk, entry=None).update(
            entry=entry, sms=entry.amount
        )
        sale.refresh_from_db()
    if entry.status == Status.SUCCEEDED and sale.receipt_number is None:
        issue_receipt(sale)
        sale.refresh_from_db()
    return sale


def catch_up(reseller) -> int:
    """Receipt every succeeded top-up of the reseller's that has none yet; how many were.

    Oldest first, so numbers follow the order of the top-ups wherever they can.
    """
    done = 0
    waiting = (
        rows(LedgerEntry, reseller)
        .filter(kind__in=TOP_UP_KINDS, status=Status.SUCCEEDED)
        .exclude(sale__receipt_number__isnull=False)
        .order_by("created_at", "id")
    )
    for entry in waiting:
        settle(entry)
        done += 1
    return done


def issue_receipt(sale: Sale) -> None:
    """Give a sale the reseller's next receipt number and record its promised payment.

    The profile row is locked for the whole step, so two workers issuing at once take turns:
    each number is used once, none is skipped, and a receipt already issued is left alone.
    """
    profile_of(sale.reseller)  # outside the lock: creating it must not wait on it
    with transaction.atomic():
        profile = rows(BusinessProfile, sale.reseller_id).select_for_update().get()
        current = rows(Sale, sale.reseller_id).select_for_update().get(pk=sale.pk)
        if current.receipt_number is not None:
            return
        now = timezone.now()
        current.receipt_number = profile.next_receipt_number
        current.receipt_issued_at = now
        current.save(update_fields=["receipt_number", "receipt_issued_at"])
        profile.next_receipt_number += 1
        profile.save(update_fields=["next_receipt_number"])
        if current.promised_amount:
            Payment.objects.create(
                reseller_id=current.reseller_id,
                sale=current,
                amount=current.promised_amount,
                currency=current.currency,
                method=current.promised_method,
                reference=current.promised_reference,
                paid_at=current.entry.created_at if current.entry else now,
                recorded_by=current.reseller.username,
            )


def record_payment(sale: Sale, paid: Promise, *, actor, at=None) -> Payment:
    """Record a payment made later for a receipted sale (`actor`: who recorded it)."""
    if sale.receipt_number is None:
        raise ValueError("only a succeeded top-up can be paid for")
    return Payment.objects.create(
        reseller_id=sale.reseller_id,
        sale=sale,
        amount=paid.amount,
        currency=sale.currency,
        method=paid.method,
        reference=paid.reference,
        paid_at=at or timezone.now(),
        recorded_by=actor.get_username(),
    )


def paid_towards(sale: Sale) -> Decimal:
    """All that was paid for this sale so far."""
    return sale.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def owed_on(sale: Sale) -> Decimal | None:
    """What is still owed on a sale (below zero: paid more); None when it has no amount."""
    if sale.amount is None:
        return None
    return sale.amount - paid_towards(sale)


def receipted(reseller):
    """The reseller's sales that count: succeeded top-ups with a receipt number."""
    return rows(Sale, reseller).filter(receipt_number__isnull=False).select_related("entry")


def _sale_at_todays_price(entry: LedgerEntry) -> Sale:
    """A sale for a succeeded top-up that was sent without one: priced as the account is now."""
    price = price_for(entry.reseller, entry.kind, entry.target)
    try:
        with transaction.atomic():
            sale = promise(
                entry.reseller,
                form_key=entry.form_key,
                kind=entry.kind,
                name=entry.target,
                sms=entry.amount,
                price=price,
            )
            rows(Sale, entry.reseller_id).filter(pk=sale.pk).update(entry=entry)
    except IntegrityError:
        pass  # made at the same moment by another page: theirs is the one
    return rows(Sale, entry.reseller_id).get(form_key=entry.form_key)
