"""The two addresses Daraja calls: confirmation (a payment was made) and validation (may it
be?). Public — Safaricom holds no session — so each URL carries its reseller's secret.

The confirmation is answered at once: the notice is read, stored once (UNIQUE per TransID
and reseller), queued for the worker, and Daraja hears `{"ResultCode": 0, ...}`. mSpace is
never asked here, so a slow or hanging gateway cannot delay the answer. A notice from an
address outside MPESA_ALLOWED_IPS, for an unknown secret, for another Paybill, or whose body
is not a notice is refused with a plain reason and logged; nothing is stored.
"""

import ipaddress
import logging

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.tenancy import every_tenant
from accounts.throttle import client_address
from paybill import checking, matching, notices
from paybill.models import PaybillLink

log = logging.getLogger(__name__)

SUCCESS = {"ResultCode": 0, "ResultDesc": "Success"}
# Daraja's validation answers: accept, or reject with its codes.
ACCEPTED = {"ResultCode": "0", "ResultDesc": "Accepted"}
UNKNOWN_ACCOUNT = {"ResultCode": "C2B00012", "ResultDesc": "Rejected"}
INVALID_AMOUNT = {"ResultCode": "C2B00013", "ResultDesc": "Rejected"}
INVALID_SHORT_CODE = {"ResultCode": "C2B00015", "ResultDesc": "Rejected"}
OTHER_ERROR = {"ResultCode": "C2B00016", "ResultDesc": "Rejected"}


@csrf_exempt
def confirmation(request, secret):
    return _answer(confirm, request, secret)


@csrf_exempt
def validation(request, secret):
    return _answer(validate, request, secret)


def _answer(step, request, secret):
    """Daraja's notice handed to `confirm` or `validate`, and its answer as Daraja reads it."""
    fits = _fits(request)
    status, answer = step(
        secret,
        request.body if request.method == "POST" and fits else b"",
        address=client_address(request),
        method=request.method,
        too_large=not fits,
    )
    return _json(status, answer)


def confirm(secret, body: bytes, *, address, method="POST", too_large=False):
    """Daraja's confirmation, whatever carried it (HTTP, or the demo's in-process notice):
    the HTTP status and the JSON answer. Stores the payment once and queues it."""
    link, refusal = _admit(secret, address=address, method=method, too_large=too_large)
    if refusal is not None:
        return refusal
    try:
        notice = notices.read(body)
        _check_short_code(link, notice)
    except notices.Refused as why:
        log.warning("M-Pesa notice refused for reseller %s: %s", link.reseller_id, why)
        return _refusal(400, f"Rejected: {why}")
    with transaction.atomic():
        stored = notices.store(link, notice)
        if stored.new:
            checking.queue(stored.payment)
    log.info(
        "M-Pesa notice %s stored for reseller %s (%s)",
        notice.trans_id,
        link.reseller_id,
        "new" if stored.new else "again",
    )
    return 200, SUCCESS


def validate(secret, body: bytes, *, address, method="POST", too_large=False):
    """Daraja's validation: accept, or one of its rejection codes. Stores nothing."""
    link, refusal = _admit(secret, address=address, method=method, too_large=too_large)
    if refusal is not None:
        return refusal
    try:
        notice = notices.read(body)
    except notices.Refused as why:
        if "TransAmount" in str(why):
            return 200, INVALID_AMOUNT
        log.warning("M-Pesa validation refused for reseller %s: %s", link.reseller_id, why)
        return 200, OTHER_ERROR
    if link.short_code and notice.fields["short_code"] != link.short_code:
        return 200, INVALID_SHORT_CODE
    # Nothing known of the book yet (keep watch never read it, no account numbers): accept,
    # and let the inbox catch a payment that matches nobody, rather than refuse every payer.
    if matching.known_locally(link.reseller, notice.fields["bill_ref"]) is False:
        return 200, UNKNOWN_ACCOUNT
    return 200, ACCEPTED


def _admit(secret, *, address, method, too_large):
    """The reseller's link for a well-formed call from an allowed address, or a refusal."""
    if method != "POST":
        return None, _refusal(405, "Rejected: POST only")
    if not is_allowed(address):
        log.warning("M-Pesa callback refused: %s is not in MPESA_ALLOWED_IPS", address)
        return None, _refusal(403, "Rejected: address not allowed")
    # Across resellers on purpose: the secret in the path is what says whose notice it is.
    link = every_tenant(PaybillLink).filter(secret=secret).first() if secret else None
    if link is None:
        log.warning("M-Pesa callback refused: no Paybill link has this address (from %s)", address)
        return None, _refusal(404, "Rejected: unknown address")
    if too_large:
        return None, _refusal(413, "Rejected: body too large")
    return link, None


def _fits(request) -> bool:
    """Whether the declared body is small enough to read (a notice is a few hundred bytes)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) <= notices.MAX_BODY_BYTES
    except ValueError:
        return False  # a length that is no number


def is_allowed(address: str | None) -> bool:
    """Whether a callback may come from `address` (any, when MPESA_ALLOWED_IPS is empty)."""
    allowed = settings.MPESA_ALLOWED_IPS
    if not allowed:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in allowed)


def _check_short_code(link, notice):
    if link.short_code and notice.fields["short_code"] != link.short_code:
        raise notices.Refused("BusinessShortCode is not this reseller's Paybill")


def _refusal(status: int, why: str):
    return status, {"ResultCode": 1, "ResultDesc": why}


def _json(status: int, answer: dict) -> JsonResponse:
    response = JsonResponse(answer, status=status)
    if status == 405:
        response["Allow"] = "POST"
    return response
