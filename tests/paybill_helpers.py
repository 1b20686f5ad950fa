"""Helpers for the M-Pesa tests: a reseller ready to be paid, and Daraja's notices."""

from decimal import Decimal

from billing.prices import profile_of
from messaging.models import LedgerEntry
from paybill.models import MpesaPayment, PaybillLink
from simulator import daraja
from simulator.models import SimCall
from tests.conftest import ALICE_PASSWORD
from tests.watch_helpers import reseller, start_watching

SHORT_CODE = "600984"


def ready_to_be_paid(username="alice", password=ALICE_PASSWORD, *, price="0.35", watch=True):
    """The reseller with a default price, a Paybill number and (by default) keep watch on;
    returns their Paybill link."""
    user = start_watching(username, password) if watch else reseller(username)
    profile = profile_of(user)
    profile.default_price = Decimal(price)
    profile.save()
    link, _ = PaybillLink.objects.get_or_create(reseller=user)
    PaybillLink.objects.filter(pk=link.pk).update(short_code=SHORT_CODE)
    link.refresh_from_db()
    return link


def confirmation_url(link) -> str:
    return f"/pay/{link.secret}/confirm"


def notify(client, link, body, **extra):
    """Post a confirmation to the link's URL as Daraja would (JSON), from Safaricom."""
    import json

    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(
        confirmation_url(link),
        data=data,
        content_type="application/json",
        REMOTE_ADDR=extra.pop("address", daraja.SAFARICOM_ADDRESS),
        **extra,
    )


def pay(account, amount, short_code=SHORT_CODE) -> dict:
    return daraja.pay(short_code, account, amount)


def top_up_calls():
    return SimCall.objects.filter(method="resellerclienttopup").received()


def credited_by_client() -> dict[str, int]:
    """SMS that reached each client, by the simulator's own journal."""
    totals: dict[str, int] = {}
    for call in top_up_calls().filter(credit_moved=True):
        totals[call.target] = totals.get(call.target, 0) + call.amount
    return totals


def payment(trans_id) -> MpesaPayment:
    return MpesaPayment.objects.get(trans_id=trans_id)


def top_ups():
    return LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CLIENT_TOP_UP)
