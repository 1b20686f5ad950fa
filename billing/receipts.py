"""A receipt as the page and the PDF both show it: one succeeded top-up and its payments."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from billing.models import BusinessProfile, Sale
from billing.prices import profile_of
from messaging.books import BOOK_FOR_KIND

# Kenya's tax invoices come from KRA's eTIMS; a reseller's receipt must never pass for one.
NOT_A_TAX_INVOICE = _(
    "This is a receipt for SMS credit, not a tax invoice. Tax invoices are issued through "
    "KRA's eTIMS."
)


@dataclass(frozen=True)
class ReceiptPayment:
    when: datetime.datetime
    method: str
    reference: str
    amount: Decimal


@dataclass(frozen=True)
class Receipt:
    number: int
    issued_at: datetime.datetime
    topped_up_at: datetime.datetime
    business_name: str
    address: str
    logo_png: bytes
    reseller_username: str
    account_kind: str  # "client" or "sub-account"
    account_name: str
    sms: int
    price: Decimal | None
    currency: str
    amount: Decimal | None
    payments: list[ReceiptPayment]
    entry_id: int

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal(0))

    @property
    def owed(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.paid

    @property
    def filename(self) -> str:
        return f"receipt-{self.number}.pdf"


def of_sale(sale: Sale, profile: BusinessProfile | None = None) -> Receipt:
    """The receipt of a receipted sale (its `receipt_number` is set)."""
    profile = profile or profile_of(sale.reseller)
    return Receipt(
        number=sale.receipt_number,
        issued_at=sale.receipt_issued_at,
        topped_up_at=sale.entry.created_at,
        business_name=profile.business_name,
        address=profile.address,
        logo_png=bytes(profile.logo_png or b""),
        reseller_username=sale.reseller.username,
        account_kind=BOOK_FOR_KIND[sale.kind].singular,
        account_name=sale.name,
        sms=sale.sms,
        price=sale.price,
        currency=sale.currency,
        amount=sale.amount,
        payments=[
            ReceiptPayment(p.paid_at, p.get_method_display(), p.reference, p.amount)
            for p in sale.payments.all()
        ],
        entry_id=sale.entry_id,
    )
