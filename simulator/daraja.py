"""A stand-in for Safaricom's Daraja, beside the mSpace simulator: clients paying a Paybill.

`pay` records a payment as M-Pesa would and returns the C2B confirmation body Daraja posts
for it; `deliver` posts a body to a callback URL, in process (the demo's "A client pays by
M-Pesa" button) or over HTTP (the production-shape tests); `pull` answers like Daraja's
transaction pull for a shortcode and a period, which is how a lost notice is found again.
Tests use the pieces apart to send duplicates, reorderings, bad bodies and wrong addresses.
"""

import hashlib
import json
import secrets
import string
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from simulator.models import SimMpesaPayment

NAIROBI = ZoneInfo("Africa/Nairobi")
# One of the addresses Safaricom publishes for its callbacks: the demo's notices come "from" it.
SAFARICOM_ADDRESS = "196.201.214.200"
DEMO_SHORT_CODE = "600984"
_CODE_CHARACTERS = string.ascii_uppercase + string.digits
_PAYERS = (
    ("JOHN", "KAMAU", "MWANGI", "254712345678"),
    ("MARY", "", "ATIENO", "254722000111"),
    ("PETER", "OTIENO", "OCHIENG", "254733444555"),
    ("GRACE", "WANJIKU", "NJOROGE", "254110123456"),
)


def new_trans_id() -> str:
    """An M-Pesa code: ten capitals and digits, e.g. "SKL4ABCD12"."""
    return "S" + "".join(secrets.choice(_CODE_CHARACTERS) for _ in range(9))


def pay(short_code: str, bill_ref: str, amount, *, at=None, payer: int | None = None) -> dict:
    """A client pays `amount` (KES) to the Paybill `short_code` for account `bill_ref`.

    Recorded as M-Pesa would; returns the confirmation body Daraja would post for it.
    """
    first, middle, last, phone = _PAYERS[
        payer if payer is not None else secrets.randbelow(len(_PAYERS))
    ]
    with transaction.atomic():
        before = (
            SimMpesaPayment.objects.filter(short_code=short_code)
            .order_by("-id")
            .values_list("org_balance", flat=True)
            .first()
        )
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        payment = SimMpesaPayment.objects.create(
            trans_id=new_trans_id(),
            short_code=short_code,
            bill_ref=bill_ref,
            amount=amount,
            msisdn_hash=hashlib.sha256(phone.encode()).hexdigest(),
            first_name=first,
            middle_name=middle,
            last_name=last,
            paid_at=at or timezone.now(),
            org_balance=(before or Decimal(0)) + amount,
        )
    return confirmation(payment)


def confirmation(payment: SimMpesaPayment) -> dict:
    """Daraja's C2B confirmation body for `payment`, field for field."""
    return {
        "TransactionType": "Pay Bill",
        "TransID": payment.trans_id,
        "TransTime": timezone.localtime(payment.paid_at, NAIROBI).strftime("%Y%m%d%H%M%S"),
        "TransAmount": f"{payment.amount:.2f}",
        "BusinessShortCode": payment.short_code,
        "BillRefNumber": payment.bill_ref,
        "InvoiceNumber": "",
        "OrgAccountBalance": f"{payment.org_balance:.2f}",
        "ThirdPartyTransID": "",
        "MSISDN": payment.msisdn_hash,
        "FirstName": payment.first_name,
        "MiddleName": payment.middle_name,
        "LastName": payment.last_name,
    }


def deliver(url: str, body, *, address: str = SAFARICOM_ADDRESS, session=None):
    """Post a confirmation (a dict, or raw bytes for a garbled one) to `url` as Daraja would.

    With `session` (a `requests.Session`) it goes over HTTP to a running server and the
    response is returned. Without, it is handed to the app's confirmation in process, from
    `address` (the demo's button: no server calls itself), and (status, answer) is returned.
    Counts the notice as sent.
    """
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if isinstance(body, dict) and body.get("TransID"):
        SimMpesaPayment.objects.filter(trans_id=body["TransID"]).update(
            notices_sent=F("notices_sent") + 1
        )
    if session is not None:
        headers = {"Content-Type": "application/json"}
        return session.post(url, data=data, headers=headers, timeout=10)
    from django.urls import resolve

    from paybill import callbacks  # the app's own confirmation: demo mode only

    secret = resolve(url).kwargs["secret"]
    return callbacks.confirm(secret, data, address=address)


def pull(short_code: str, start: datetime, end: datetime) -> dict:
    """Daraja's transaction pull for `short_code` between `start` and `end`: every payment,
    whether its notice arrived or not. Daraja reaches back 48 hours at most."""
    start = max(start, timezone.now() - timedelta(hours=48))
    rows = SimMpesaPayment.objects.filter(
        short_code=short_code, paid_at__gte=start, paid_at__lte=end
    )
    return {
        "ResponseRefID": secrets.token_hex(8),
        "ResponseCode": "1000",
        "ResponseMessage": "Success",
        "Response": [
            [
                {
                    "transactionId": row.trans_id,
                    "trxDate": timezone.localtime(row.paid_at, NAIROBI).isoformat(),
                    "msisdn": row.msisdn_hash,
                    "sender": " ".join(n for n in (row.first_name, row.last_name) if n),
                    "transactiontype": "c2b-pay-bill-debit",
                    "billreference": row.bill_ref,
                    "amount": f"{row.amount:.2f}",
                    "organizationname": short_code,
                }
                for row in rows
            ]
        ],
    }
