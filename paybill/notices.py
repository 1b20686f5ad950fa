"""Reading a Daraja C2B notice (confirmation or validation) and storing it once.

Daraja posts JSON: `TransactionType`, `TransID`, `TransTime` (YYYYMMDDHHMMSS, Nairobi time),
`TransAmount` (a decimal string), `BusinessShortCode`, `BillRefNumber`, `InvoiceNumber`,
`OrgAccountBalance`, `ThirdPartyTransID`, `MSISDN` (nowadays a SHA-256 hash), `FirstName`,
`MiddleName`, `LastName`. Anything else — not JSON, not an object, a missing TransID, an
amount that is not an exact positive number of cents — is refused with a reason, never
stored half-read and never a server error.
"""

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.tenancy import rows
from billing.money import AMOUNT_DIGITS
from paybill.models import MpesaPayment, PaybillLink

log = logging.getLogger(__name__)

# Daraja's bodies are a few hundred bytes; anything near this is not a payment notice.
MAX_BODY_BYTES = 8 * 1024
# M-Pesa codes are ten capitals and digits today ("SKL4ABCD12"); allow some room.
_TRANS_ID = re.compile(r"[A-Z0-9]{6,20}")
_TRANS_TIME = re.compile(r"\d{14}")
# M-Pesa's clock is Nairobi's, whatever TIME_ZONE the site shows.
MPESA_TIME_ZONE = ZoneInfo("Africa/Nairobi")
_TEXT_FIELDS = {
    # Daraja field: (model field, longest kept)
    "TransactionType": ("transaction_type", 40),
    "BusinessShortCode": ("short_code", 20),
    "BillRefNumber": ("bill_ref", 100),
    "InvoiceNumber": ("invoice_number", 100),
    "OrgAccountBalance": ("org_account_balance", 40),
    "ThirdPartyTransID": ("third_party_trans_id", 100),
    "MSISDN": ("msisdn", 100),
}


class Refused(ValueError):
    """The body is not a notice we can store; `str(error)` says why (for the log and reply)."""


@dataclass(frozen=True)
class Notice:
    """A notice read and checked: the model fields of its payment."""

    trans_id: str
    amount: Decimal
    fields: dict


@dataclass(frozen=True)
class Stored:
    payment: MpesaPayment
    new: bool  # False: Daraja told us about this payment before


def read(body: bytes) -> Notice:
    """The notice in `body`; raises `Refused` saying why it cannot be one."""
    if len(body) > MAX_BODY_BYTES:
        raise Refused("body too large")
    try:
        data = json.loads(body.decode("utf-8"), parse_float=str, parse_int=str)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused("not JSON") from None
    if not isinstance(data, dict):
        raise Refused("not a JSON object")
    return from_fields(data)


def from_fields(data: dict) -> Notice:
    """A notice from Daraja's field names (a notice's body, or a row of the daily check)."""
    trans_id = _text(data.get("TransID")).upper()
    if not _TRANS_ID.fullmatch(trans_id):
        raise Refused("TransID missing or not an M-Pesa code")
    amount = parse_amount(data.get("TransAmount"))
    fields = {"amount": amount, "paid_at": _time(data.get("TransTime"))}
    for daraja, (field, longest) in _TEXT_FIELDS.items():
        fields[field] = _text(data.get(daraja))[:longest]
    names = (_text(data.get(key)) for key in ("FirstName", "MiddleName", "LastName"))
    fields["payer"] = " ".join(name for name in names if name)[:200]
    return Notice(trans_id=trans_id, amount=amount, fields=fields)


def parse_amount(raw) -> Decimal:
    """TransAmount as an exact amount in KES: above zero, at most two decimals."""
    text = _text(raw).replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Refused("TransAmount is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise Refused("TransAmount is not above zero")
    if amount.adjusted() >= AMOUNT_DIGITS - 2 or amount != amount.quantize(Decimal("0.01")):
        raise Refused("TransAmount is not a whole number of cents")
    return amount.quantize(Decimal("0.01"))


def store(link: PaybillLink, notice: Notice, *, arrived_by=MpesaPayment.Arrival.NOTICE) -> Stored:
    """Store the payment once per TransID for this reseller.

    A payment seen before (Daraja resends until it hears back; the daily check finds it again)
    is never changed: a notice only counts one more notice, the check not even that.
    """
    try:
        with transaction.atomic():
            payment = MpesaPayment.objects.create(
                reseller_id=link.reseller_id,
                trans_id=notice.trans_id,
                arrived_by=arrived_by,
                notices=int(arrived_by == MpesaPayment.Arrival.NOTICE),
                **notice.fields,
            )
        return Stored(payment, new=True)
    except IntegrityError:
        pass
    mine = rows(MpesaPayment, link.reseller_id)
    payment = mine.get(trans_id=notice.trans_id)
    if arrived_by == MpesaPayment.Arrival.NOTICE:
        mine.filter(pk=payment.pk).update(notices=F("notices") + 1)
    if payment.amount != notice.amount or payment.bill_ref != notice.fields["bill_ref"]:
        # The same M-Pesa code with other figures is no resend: someone is replaying.
        log.warning(
            "M-Pesa notice %s for reseller %s differs from the one stored; the first is kept",
            notice.trans_id,
            link.reseller_id,
        )
    return Stored(payment, new=False)


def normalised(reference: str) -> str:
    """An account number as matched: case and spaces ignored."""
    return "".join(reference.split()).casefold()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return ""
    # Control characters never reach a page or a log line.
    return "".join(c for c in str(value) if c.isprintable()).strip()


def _time(raw):
    text = _text(raw)
    if not _TRANS_TIME.fullmatch(text):
        return None  # the payment stands without it; the page shows when it arrived
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=MPESA_TIME_ZONE)
    except ValueError:
        return None
