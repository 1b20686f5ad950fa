"""The worker turns a stored payment into SMS once: matched by account number, priced, topped
up through the ledger with the standing credential, receipted; what cannot be matched or
paid for waits in the inbox with its reason, and an unknown outcome waits for a check."""

import pytest

from accounts.tenancy import rows
from billing.models import Payment, Sale
from messaging import methods, reconcile, topups
from messaging.acting import Acting
from messaging.gateway import Gateway
from messaging.models import LedgerEntry
from paybill import crediting, worker
from paybill.models import AccountNumber, MpesaPayment
from simulator import faults
from tests.conftest import ALICE_PASSWORD, log_in
from tests.paybill_helpers import (
    credited_by_client,
    notify,
    pay,
    payment,
    ready_to_be_paid,
    top_up_calls,
)
from tests.topup_helpers import account
from tests.watch_helpers import set_own_balance

pytestmark = pytest.mark.django_db
State = MpesaPayment.State


@pytest.fixture
def link(alice):
    return ready_to_be_paid()


def paid(client, link, reference, amount):
    body = pay(reference, amount)
    assert notify(client, link, body).status_code == 200
    return body["TransID"]


def test_a_payment_becomes_sms_at_the_clients_price_rounded_down_with_the_rest_as_credit(
    client, link
):
    code = paid(client, link, "  mama MBOGA traders ", "100")  # case and spaces ignored

    assert worker.credit_waiting() == 1

    done = payment(code)
    assert done.state == State.TOPPED_UP
    assert (done.client, done.sms, str(done.left_over)) == ("Mama Mboga Traders", 285, "0.25")
    assert done.entry.status == LedgerEntry.Status.SUCCEEDED
    assert done.entry.amount == 285
    assert account("alice", "Mama Mboga Traders").balance == 1200 + 285
    assert "KES 0.25 left over" in done.entry.detail
    # The money side: a receipted sale at 0.35 (KES 99.75) and the whole KES 100 paid.
    sale = Sale.objects.get(entry=done.entry)
    assert sale.receipt_number == 1 and str(sale.amount) == "99.75"
    assert [(str(p.amount), p.method, p.reference) for p in Payment.objects.all()] == [
        ("100.00", "mpesa", code)
    ]


def test_an_account_number_the_reseller_gave_finds_its_client(client, link):
    AccountNumber.objects.create(
        reseller=link.reseller, number="KBR-7", key="kbr-7", client="Kampala Boda Riders"
    )
    code = paid(client, link, "kbr-7", "35")

    worker.credit_waiting()

    assert payment(code).client == "Kampala Boda Riders"
    assert credited_by_client() == {"Kampala Boda Riders": 100}


def test_a_clients_own_price_is_used(client, link):
    from billing.prices import set_price

    set_price(
        link.reseller,
        LedgerEntry.Kind.CLIENT_TOP_UP,
        "Jinja Fish",
        __import__("decimal").Decimal("0.50"),
        "KES",
    )
    code = paid(client, link, "Jinja Fish", "100")

    worker.credit_waiting()

    assert payment(code).sms == 200


@pytest.mark.parametrize(
    ("reference", "amount", "reason"),
    [
        ("Nobody We Know", "100", "No client is called “Nobody We Know”"),
        ("", "100", "typed no account number"),
        ("Mama Mboga Traders", "0.30", "does not buy one SMS"),
    ],
)
def test_a_payment_that_cannot_be_matched_or_is_below_one_sms_waits_with_its_reason(
    client, link, reference, amount, reason
):
    code = paid(client, link, reference, amount)

    worker.credit_waiting()

    waiting = payment(code)
    assert waiting.state == State.TO_ASSIGN
    assert reason in waiting.reason
    assert not top_up_calls().exists()
    assert not LedgerEntry.objects.exists()
    log_in(client, "alice", ALICE_PASSWORD)
    page = client.get("/payments/").content.decode()
    assert reason in page


def test_while_watch_is_off_a_payment_waits_and_a_click_assigns_it(client, alice):
    link = ready_to_be_paid(watch=False)
    code = paid(client, link, "Jinja Fish", "70")
    worker.credit_waiting()
    assert "Keep watch is off" in payment(code).reason

    log_in(client, "alice", ALICE_PASSWORD)
    response = client.post(f"/payments/{payment(code).pk}/assign/", {"client": "Jinja Fish"})
    again = client.post(f"/payments/{payment(code).pk}/assign/", {"client": "Jinja Fish"})

    done = payment(code)
    assert response.status_code == 302 and response["Location"] == f"/topups/{done.entry_id}/"
    assert again.status_code == 303  # already dealt with: nothing sent
    assert done.state == State.TOPPED_UP and done.handled_by == "alice"
    assert credited_by_client() == {"Jinja Fish": 200}


def test_a_payment_in_the_inbox_can_be_marked_refunded(client, link):
    code = paid(client, link, "Nobody We Know", "100")
    worker.credit_waiting()
    log_in(client, "alice", ALICE_PASSWORD)

    client.post(f"/payments/{payment(code).pk}/refunded/")

    assert payment(code).state == State.REFUNDED
    assert (
        client.post(f"/payments/{payment(code).pk}/assign/", {"client": "Jinja Fish"}).status_code
        == 303
    )
    assert not top_up_calls().exists()


def test_when_mspace_cannot_be_read_nothing_is_sent_and_the_payment_waits(client, link):
    faults.inject("resellerclients", "http500")
    code = paid(client, link, "Jinja Fish", "70")

    worker.credit_waiting()

    assert "mSpace could not be read" in payment(code).reason
    assert not top_up_calls().exists()


def test_a_reseller_balance_too_low_waits_in_the_inbox(client, link):
    set_own_balance("alice", 10)
    code = paid(client, link, "Jinja Fish", "70")

    worker.credit_waiting()

    assert "balance is too low" in payment(code).reason


def test_a_top_up_mspace_refuses_goes_to_the_inbox_and_is_never_sent_again(client, link):
    faults.inject("resellerclienttopup", "sentence", reply="Insufficient Balance")
    code = paid(client, link, "Jinja Fish", "70")

    worker.credit_waiting()
    worker.sweep()

    waiting = payment(code)
    assert waiting.state == State.TO_ASSIGN
    assert waiting.entry.status == LedgerEntry.Status.FAILED
    assert "The top-up failed" in waiting.reason
    assert top_up_calls().count() == 1


def test_a_payment_whose_top_up_failed_can_be_assigned_again_and_is_credited_once(client, link):
    faults.inject("resellerclienttopup", "sentence", reply="Insufficient Balance", times=1)
    code = paid(client, link, "Jinja Fish", "70")
    worker.credit_waiting()
    failed_key = payment(code).form_key
    log_in(client, "alice", ALICE_PASSWORD)

    client.post(f"/payments/{payment(code).pk}/assign/", {"client": "Jinja Fish"})
    client.post(f"/payments/{payment(code).pk}/assign/", {"client": "Jinja Fish"})

    done = payment(code)
    assert done.state == State.TOPPED_UP and done.form_key != failed_key
    assert list(LedgerEntry.objects.order_by("id").values_list("status", flat=True)) == [
        "failed",
        "succeeded",
    ]
    assert credited_by_client() == {"Jinja Fish": 200}
    assert Payment.objects.count() == 1  # the failed top-up took no money
    # Both top-ups are remembered as the payment's, the failed one under its spent key too.
    assert set(done.keys.values_list("key", flat=True)) == {failed_key, done.form_key}
    assert set(LedgerEntry.objects.values_list("form_key", flat=True)) == {
        failed_key,
        done.form_key,
    }


def test_a_worker_that_lost_its_payment_to_a_person_claims_nothing(client, link, monkeypatch):
    code = paid(client, link, "Jinja Fish", "70")
    real_read = topups.read_balances
    stalled = []

    def read_then_stall(acting, book, *, fresh):
        balances = real_read(acting, book, fresh=fresh)
        if not stalled:  # the worker stalls here so long that its payment is handed on...
            stalled.append(True)
            rows(MpesaPayment, link.reseller).filter(trans_id=code).update(state=State.TO_ASSIGN)
            # ...and a person assigns it meanwhile, with their own session.
            person = Acting(
                link.reseller, worker.standing_acting(link.reseller).gateway, actor_name="alice"
            )
            assigned = crediting.credit(
                payment(code), lambda r: person, by="alice", from_states=(State.TO_ASSIGN,)
            )
            assert assigned.state == State.TOPPED_UP
        return balances

    monkeypatch.setattr(topups, "read_balances", read_then_stall)
    worker.credit_waiting()  # the worker wakes up: its payment is no longer its own

    done = payment(code)
    assert (done.state, done.handled_by) == (State.TOPPED_UP, "alice")
    assert top_up_calls().count() == 1
    assert LedgerEntry.objects.get().actor_name == "alice"  # the one top-up is the person's
    assert credited_by_client() == {"Jinja Fish": 200}
    assert Sale.objects.count() == 1


def test_an_unknown_outcome_is_left_for_reconciliation_visible_and_never_retried(client, link):
    faults.inject("resellerclienttopup", "reset", times=1)  # carried out, then no answer
    code = paid(client, link, "Jinja Fish", "70")

    worker.credit_waiting()
    worker.sweep()
    notify(client, link, pay("Jinja Fish", "35"))  # another payment for the same client
    worker.credit_waiting()

    unknown = payment(code)
    assert unknown.state == State.TOPPED_UP
    assert unknown.entry.status == LedgerEntry.Status.UNKNOWN
    assert top_up_calls().count() == 1  # neither retried nor a second top-up meanwhile
    second = MpesaPayment.objects.exclude(trans_id=code).get()
    assert second.state == State.TO_ASSIGN and "unknown outcome" in second.reason
    log_in(client, "alice", ALICE_PASSWORD)
    assert "outcome unknown" in client.get("/payments/").content.decode()

    # The balance check settles it as any other top-up; the payment follows, receipted.
    LedgerEntry.objects.filter(pk=unknown.entry_id).update(
        created_at=unknown.entry.created_at - reconcile.SETTLE_DELAY
    )
    finding = reconcile.check(worker.standing_acting(link.reseller), unknown.entry)
    assert finding.status == LedgerEntry.Status.SUCCEEDED
    worker.sweep()
    assert Sale.objects.get(entry=unknown.entry_id).receipt_number == 1
    assert credited_by_client() == {"Jinja Fish": 200}


def test_a_worker_that_died_before_the_ledger_row_leaves_a_payment_that_is_credited_once(
    client, link, monkeypatch
):
    code = paid(client, link, "Jinja Fish", "70")
    assert crediting.take(payment(code))  # a worker took it, then died

    worker.sweep()
    assert payment(code).state == State.CREDITING  # too soon: its worker may still be busy
    MpesaPayment.objects.filter(trans_id=code).update(
        state_at=payment(code).state_at - crediting.stale_after()
    )
    worker.sweep()

    assert payment(code).state == State.TOPPED_UP
    assert credited_by_client() == {"Jinja Fish": 200}


def test_a_worker_killed_mid_call_leaves_a_pending_row_that_is_reconciled_not_resent(
    client, link, monkeypatch
):
    code = paid(client, link, "Jinja Fish", "70")

    real_call = Gateway.call

    def killed(gateway, method, *args):
        if method == methods.CLIENT_TOP_UP:
            raise SystemExit("killed")  # as if the process died while mSpace worked
        return real_call(gateway, method, *args)

    monkeypatch.setattr(Gateway, "call", killed)
    with pytest.raises(SystemExit):
        worker.credit_one(link.reseller_id, payment(code).pk)
    monkeypatch.undo()
    MpesaPayment.objects.filter(trans_id=code).update(
        state_at=payment(code).state_at - crediting.stale_after()
    )

    worker.sweep()
    notify(client, link, pay("Jinja Fish", "70"))
    worker.sweep()

    stuck = payment(code)
    assert stuck.state == State.TOPPED_UP
    assert stuck.entry.status == LedgerEntry.Status.UNKNOWN  # for a check, never resent
    assert not top_up_calls().exists()
