"""Exactly once, at scale and at once: notices duplicated, reordered and lost, several workers
crediting together, and the daily check finding the lost ones. The simulator's journal of
top-ups is the witness of what reached mSpace."""

import random
import threading
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connections
from django.test import Client

from billing.prices import set_price
from messaging.models import LedgerEntry
from paybill import checking, worker
from paybill.callbacks import SUCCESS
from paybill.models import MpesaPayment
from simulator.models import SimMpesaPayment
from simulator.seed import make_account
from tests.paybill_helpers import (
    credited_by_client,
    notify,
    pay,
    ready_to_be_paid,
    top_up_calls,
)

PASSWORD = "Paul/a ss%é"
CLIENTS = [f"Client {n:02d} Ltd" for n in range(12)]
# Prices that round: the default, one of four decimals, one of a whole shilling.
OWN_PRICES = {"Client 01 Ltd": Decimal("0.3333"), "Client 02 Ltd": Decimal("1.0000")}
DEFAULT_PRICE = Decimal("0.35")


def a_paybill(**kwargs):
    make_account("paula", PASSWORD, balance=10**8, clients=[(name, 0) for name in CLIENTS])
    link = ready_to_be_paid("paula", PASSWORD, price=str(DEFAULT_PRICE), **kwargs)
    for name, price in OWN_PRICES.items():
        set_price(link.reseller, LedgerEntry.Kind.CLIENT_TOP_UP, name, price, "KES")
    return link


def paid_for(payments) -> dict[str, int]:
    """What each client paid for, worked out apart from the app: whole SMS, rounded down."""
    expected: dict[str, int] = {}
    for body in payments:
        price = OWN_PRICES.get(body["BillRefNumber"], DEFAULT_PRICE)
        sms = int(Fraction(body["TransAmount"]) / Fraction(price))
        expected[body["BillRefNumber"]] = expected.get(body["BillRefNumber"], 0) + sms
    return expected


@pytest.mark.django_db
@pytest.mark.timeout(600)  # ~950 top-ups through the whole path (~30 s on a quiet machine)
def test_notices_duplicated_reordered_and_lost_credit_each_client_exactly_what_it_paid():
    # 1,000 notices, on both databases: 10% duplicates, 5% of payments never notified.
    notices_wanted = 1000
    rng = random.Random(20)
    link = a_paybill()
    duplicates = notices_wanted // 10
    delivered_count = notices_wanted - duplicates
    lost_count = round(delivered_count / 0.95) - delivered_count
    payments = [
        pay(rng.choice(CLIENTS), Decimal(rng.randrange(100, 300_000)) / 100)
        for _ in range(delivered_count + lost_count)
    ]
    lost, delivered = payments[:lost_count], payments[lost_count:]
    notices = delivered + [rng.choice(delivered) for _ in range(duplicates)]
    rng.shuffle(notices)
    assert len(notices) == notices_wanted
    daraja = Client(REMOTE_ADDR="196.201.214.200")

    for index, body in enumerate(notices, 1):
        assert notify(daraja, link, body).json() == SUCCESS
        if index % 97 == 0:
            worker.credit_waiting()  # the worker keeps up: many duplicates come late
    worker.sweep()
    report = checking.check(link)  # the daily check finds the lost ones
    worker.sweep()

    assert report.found == lost_count
    found = MpesaPayment.objects.filter(arrived_by=MpesaPayment.Arrival.CHECK)
    assert set(found.values_list("trans_id", flat=True)) == {body["TransID"] for body in lost}
    assert credited_by_client() == paid_for(payments)
    assert top_up_calls().count() == len(payments) == MpesaPayment.objects.count()
    assert not MpesaPayment.objects.exclude(state=MpesaPayment.State.TOPPED_UP).exists()
    assert LedgerEntry.objects.filter(status=LedgerEntry.Status.SUCCEEDED).count() == len(payments)
    assert sum(MpesaPayment.objects.values_list("notices", flat=True)) == notices_wanted
    # Checking again, and Daraja repeating every notice, change nothing.
    assert checking.check(link).found == 0
    for body in delivered[:20]:
        notify(daraja, link, body)
    worker.sweep()
    assert top_up_calls().count() == len(payments)


@pytest.mark.django_db
def test_the_daily_check_stores_each_lost_payment_once_even_when_its_notice_comes_late():
    link = a_paybill()
    on_time = pay("Client 03 Ltd", 70)
    late = pay("Client 04 Ltd", 35)
    daraja = Client(REMOTE_ADDR="196.201.214.200")
    notify(daraja, link, on_time)

    found = checking.check(link)
    notify(daraja, link, late)  # Daraja's resend, after the check found it
    worker.sweep()

    assert (found.seen, found.found) == (2, 1)
    assert MpesaPayment.objects.get(trans_id=late["TransID"]).arrived_by == "check"
    assert credited_by_client() == {"Client 03 Ltd": 200, "Client 04 Ltd": 100}
    assert SimMpesaPayment.objects.get(trans_id=late["TransID"]).notices_sent == 0


def in_threads(count, work):
    """Run `work(index)` in `count` threads released together; each closes its connection."""
    start = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            start.wait(timeout=30)
            work(index)
        except Exception as error:  # surfaced below, with the thread's own error
            errors.append(error)
        finally:
            for each in connections.all(initialized_only=True):
                each.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_one_notice_sent_eight_times_at_once_is_one_payment_and_one_top_up():
    link = a_paybill()
    body = pay("Client 05 Ltd", 350)
    answers = []

    in_threads(8, lambda i: answers.append(notify(Client(), link, body).json()))
    in_threads(4, lambda i: worker.credit_waiting())

    assert answers == [SUCCESS] * 8
    stored = MpesaPayment.objects.get()
    assert stored.notices == 8
    assert credited_by_client() == {"Client 05 Ltd": 1000}
    assert top_up_calls().count() == 1


@pytest.mark.django_db(transaction=True)
def test_workers_crediting_together_credit_every_payment_once():
    link = a_paybill()
    rng = random.Random(7)
    payments = [pay(rng.choice(CLIENTS[:4]), rng.randrange(1, 500)) for _ in range(24)]
    for body in payments:
        notify(Client(), link, body)

    # Three workers at once, as on three nodes, until nothing waits (a payment for a client
    # whose top-up is in flight elsewhere goes back to wait, without any call).
    for _round in range(20):
        in_threads(3, lambda i: worker.credit_waiting())
        if not MpesaPayment.objects.filter(state=MpesaPayment.State.RECEIVED).exists():
            break

    assert credited_by_client() == paid_for(payments)
    assert top_up_calls().count() == len(payments)
    assert not MpesaPayment.objects.exclude(state=MpesaPayment.State.TOPPED_UP).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_handed_the_same_payment_at_once_top_up_once():
    link = a_paybill()
    body = pay("Client 06 Ltd", 70)
    notify(Client(), link, body)
    stored = MpesaPayment.objects.get()

    in_threads(2, lambda i: worker.credit_one(stored.reseller_id, stored.pk))

    assert top_up_calls().count() == 1
    assert credited_by_client() == {"Client 06 Ltd": 200}


@pytest.mark.django_db(transaction=True)
def test_a_payment_whose_clients_other_top_up_settles_mid_claim_is_taken_again_not_parked(
    monkeypatch,
):
    """The race CI met on PostgreSQL with three workers: another worker's top-up of the
    client is open when this payment's claim meets the one-open constraint, and settled
    before the claim looks for it. The payment goes back to be taken again (no call made),
    never to the inbox, and the next round credits it."""
    from messaging import ledger
    from messaging.acting import Acting

    link = a_paybill()
    body = pay("Client 05 Ltd", 350)
    notify(Client(), link, body)
    other = ledger.claim(
        acting=Acting(link.reseller, gateway=None, actor_name="another worker"),
        form_key=uuid.uuid4(),
        kind=LedgerEntry.Kind.CLIENT_TOP_UP,
        target="Client 05 Ltd",
        amount=10,
    )
    looked_up = ledger.open_top_up
    calls = []

    def open_then_settled(*args):
        calls.append(args)
        if len(calls) == 2:  # the claim's own lookup, after its INSERT met the constraint
            ledger.settle(other, LedgerEntry.Status.SUCCEEDED)
        return None if len(calls) == 1 else looked_up(*args)

    monkeypatch.setattr(ledger, "open_top_up", open_then_settled)
    worker.credit_waiting()

    assert MpesaPayment.objects.get().state == MpesaPayment.State.RECEIVED
    assert top_up_calls().count() == 0
    monkeypatch.setattr(ledger, "open_top_up", looked_up)
    worker.credit_waiting()
    assert MpesaPayment.objects.get().state == MpesaPayment.State.TOPPED_UP
    assert credited_by_client() == {"Client 05 Ltd": 1000}
