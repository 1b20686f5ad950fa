"""Helpers for the money tests: prices set directly, top-ups with a payment sent through the
real form, and PDFs read back as text."""

import datetime
import io
from decimal import Decimal

from django.utils import timezone
from pypdf import PdfReader

from billing import sales
from billing.models import BusinessProfile
from billing.sales import Promise
from tests.topup_helpers import confirmed, entry, outcome_entry, tenant, top_up, user


def set_prices(username, default="0.50", currency="KES", buying=None, **details):
    """The reseller's business profile with a default price (and buying price)."""
    profile, _ = BusinessProfile.objects.get_or_create(reseller=tenant(username))
    profile.default_price = Decimal(default) if default is not None else None
    profile.buying_price = Decimal(buying) if buying is not None else None
    profile.currency = currency
    for name, value in details.items():
        setattr(profile, name, value)
    profile.save()
    return profile


def paid_top_up(client, name="Mama Mboga Traders", noofsms="", **payment):
    """Send the top-up form with a payment; the settled ledger entry. A large top-up is
    confirmed on its second page, which must carry the payment on."""
    fields = {"payment": "paid", "method": "mpesa", "reference": "QK71ABCD2E", **payment}
    return outcome_entry(confirmed(client, top_up(client, name=name, noofsms=noofsms, **fields)))


def pdf_text(content: bytes) -> str:
    """Everything a PDF says, read back the way a person's PDF reader would."""
    assert content.startswith(b"%PDF-"), content[:20]
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def at(day: str, hour=10) -> datetime.datetime:
    """A moment of `day` (YYYY-MM-DD) in Nairobi, where months begin and end."""
    zone = timezone.get_default_timezone()
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=zone)


def sold(username, name, sms, when, *, paid=None, method="cash", reference="", kind=None):
    """A succeeded top-up made at `when` with its sale and receipt (and a payment then)."""
    extra = {"kind": kind} if kind else {}
    top = entry(tenant(username), target=name, amount=sms, **extra)
    type(top).objects.filter(pk=top.pk).update(created_at=when)
    top.refresh_from_db()
    sale = sales.settle(top)
    if paid is not None:
        sales.record_payment(
            sale, Promise(Decimal(paid), method, reference), actor=user(username), at=when
        )
    return sale
