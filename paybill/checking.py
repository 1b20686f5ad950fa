"""The daily check: payments whose notice never came, found through Daraja's transaction pull.

Daraja keeps a Paybill's transactions for 48 hours, so a check once a day (covering 48 hours)
sees every payment at least once, twice most days; storing is once per TransID whatever
finds it, so overlapping checks, and a notice arriving after the check, change nothing.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.tenancy import every_tenant
from paybill import notices
from paybill.models import MpesaPayment, PaybillLink

log = logging.getLogger(__name__)
REACH = timedelta(hours=48)


@dataclass(frozen=True)
class CheckReport:
    seen: int = 0
    found: int = 0  # payments stored by this check: their notice never came
    refused: int = 0  # rows that could not be read as payments
    problem: str = ""


def unavailable_reason() -> str | None:
    """Why the check cannot run here, in plain words; None when it can."""
    if settings.MSPACE_SIMULATOR:
        return None  # demo and tests: the simulator's Daraja answers
    return _(
        "The daily check needs Daraja API keys for your Paybill, which this version cannot "
        "take yet; payments whose notice never arrives are not found by themselves."
    )


def check(link: PaybillLink, now=None) -> CheckReport:
    """Ask Daraja for the last 48 hours of `link`'s Paybill; store and queue what is new."""
    if not link.short_code:
        return CheckReport(problem=_("Enter your Paybill number first."))
    problem = unavailable_reason()
    if problem:
        return CheckReport(problem=problem)
    now = now or timezone.now()
    from simulator import daraja  # demo mode only (see `unavailable_reason`)

    answer = daraja.pull(link.short_code, now - REACH, now)
    seen = found = refused = 0
    for rows in answer.get("Response") or []:
        for row in rows:
            seen += 1
            try:
                notice = notices.from_fields(_as_notice(row))
            except (notices.Refused, AttributeError):
                refused += 1
                continue
            stored = notices.store(link, notice, arrived_by=MpesaPayment.Arrival.CHECK)
            if stored.new:
                found += 1
                queue(stored.payment)
    if found:
        log.warning("daily check found %d M-Pesa payments whose notice never came", found)
    return CheckReport(seen=seen, found=found, refused=refused)


def check_all() -> int:
    """Check every reseller with a Paybill number; how many lost payments were found."""
    # Every reseller's, on purpose: the worker's daily check covers each Paybill.
    links = every_tenant(PaybillLink).exclude(short_code="").select_related("reseller")
    return sum(check(link).found for link in links)


def queue(payment: MpesaPayment) -> None:
    """Hand the payment to the worker once it is committed. A queue that is down loses
    nothing: the minute's sweep credits every payment still waiting."""

    def send():
        from paybill import tasks

        try:
            tasks.credit_payment(payment.reseller_id, payment.pk)
        except Exception:
            log.exception("could not queue M-Pesa payment %s; the sweep will take it", payment.pk)

    transaction.on_commit(send)


def _as_notice(row: dict) -> dict:
    """A pull row in the confirmation's field names."""
    when = row.get("trxDate", "")
    try:
        moment = datetime.fromisoformat(str(when)).astimezone(notices.MPESA_TIME_ZONE)
        trans_time = moment.strftime("%Y%m%d%H%M%S")
    except ValueError:
        trans_time = ""
    return {
        "TransactionType": "Pay Bill",
        "TransID": row.get("transactionId"),
        "TransTime": trans_time,
        "TransAmount": row.get("amount"),
        "BusinessShortCode": row.get("organizationname"),
        "BillRefNumber": row.get("billreference"),
        "MSISDN": row.get("msisdn"),
        "FirstName": row.get("sender"),
    }
