"""Payment with a top-up: amount paid, method, reference, paid/unpaid, "top up by amount
paid", and a payment recorded later against an unpaid top-up."""

from decimal import Decimal

import pytest

from billing.models import Payment, Sale
from messaging.models import LedgerEntry
from simulator.models import SimAccount, SimFault
from tests.billing_helpers import paid_top_up, set_prices
from tests.topup_helpers import account, outcome_entry, top_up, top_up_calls

pytestmark = pytest.mark.django_db


def test_it_tops_up_kes_5000_at_50_cents_as_10000_sms(alice_client):
    set_prices("alice", default="0.50")
    SimAccount.objects.filter(username="alice", parent=None).update(balance=50000)
    alice_bal = account("alice", "Mama Mboga Traders").balance
    entry = paid_top_up(alice_client, amount_paid="5,000", noofsms="")
    assert entry.status == LedgerEntry.Status.SUCCEEDED
    assert entry.amount == 10000
    assert account("alice", "Mama Mboga Traders").balance == alice_bal + 10000
    sale = Sale.objects.get(entry=entry)
    assert (sale.sms, sale.price, sale.amount) == (10000, Decimal("0.5"), Decimal("5000.00"))
    (payment,) = Payment.objects.filter(sale=sale)
    assert (payment.amount, payment.method, payment.reference) == (
        Decimal("5000.00"),
        "mpesa",
        "QK71ABCD2E",
    )
    assert sale.receipt_number == 1


def test_the_preview_shows_what_the_amount_paid_buys(alice_client):
    set_prices("alice", default="0.50")
    page = alice_client.get(
        "/clients/topup/?name=Mama+Mboga+Traders&amount_paid=5000&payment=paid"
    ).content.decode()
    assert "The amount paid buys 10,000 SMS at KES 0.50; KES 0.00 left over." in page
    assert 'name="noofsms" id="id_noofsms" value="10000"' in page


def test_the_left_over_of_a_payment_is_stated_and_kept_as_credit(alice_client):
    set_prices("alice", default="0.35")
    page = alice_client.get(
        "/clients/topup/?name=Mama+Mboga+Traders&amount_paid=100&payment=paid"
    ).content.decode()
    assert "buys 285 SMS at KES 0.35; KES 0.25 left over" in page
    entry = paid_top_up(alice_client, amount_paid="100")
    sale = Sale.objects.get(entry=entry)
    assert (sale.sms, sale.amount) == (285, Decimal("99.75"))
    assert sale.payments.get().amount == Decimal("100.00")  # owed: -0.25, a credit


def test_paid_without_an_amount_means_paid_in_full(alice_client):
    set_prices("alice", default="0.80")
    entry = paid_top_up(alice_client, noofsms="250", method="cash", reference="")
    assert Sale.objects.get(entry=entry).payments.get().amount == Decimal("200.00")


def test_an_unpaid_top_up_records_the_sale_and_no_payment(alice_client):
    set_prices("alice", default="0.50")
    entry = outcome_entry(top_up(alice_client, noofsms="300", payment="unpaid"))
    sale = Sale.objects.get(entry=entry)
    assert sale.amount == Decimal("150.00") and not sale.payments.exists()
    page = alice_client.get(f"/topups/{entry.pk}/").content.decode()
    assert "KES 150.00" in page and f"/topups/{entry.pk}/payment/" in page


def test_a_bad_mpesa_code_is_refused_and_nothing_moves(alice_client):
    set_prices("alice")
    response = top_up(
        alice_client, noofsms="100", payment="paid", method="mpesa", reference="ABC123"
    )
    assert response.status_code == 200
    assert "An M-Pesa code is 10 letters and digits" in response.content.decode()
    assert not LedgerEntry.objects.exists() and not Sale.objects.exists()
    assert not top_up_calls().exists()


def test_a_bad_amount_paid_is_refused_and_nothing_moves(alice_client):
    set_prices("alice")
    response = top_up(alice_client, noofsms="", payment="paid", amount_paid="5000.555")
    assert "Enter at most two decimals (cents)." in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_a_failed_top_up_takes_no_payment_and_no_receipt(alice_client):
    set_prices("alice")
    SimFault.objects.create(method="resellerclienttopup", kind="refuse")
    entry = paid_top_up(alice_client, amount_paid="50")
    assert entry.status == LedgerEntry.Status.FAILED
    sale = Sale.objects.get(form_key=entry.form_key)
    assert sale.receipt_number is None and not Payment.objects.exists()
    page = alice_client.get(f"/topups/{entry.pk}/").content.decode()
    assert "was not recorded as paid: the top-up did not go through" in page
    assert alice_client.get(f"/topups/{entry.pk}/receipt.pdf").status_code == 404


def test_a_late_payment_is_recorded_against_an_unpaid_top_up(alice_client):
    set_prices("alice", default="0.50")
    entry = outcome_entry(top_up(alice_client, noofsms="1000", payment="unpaid"))
    url = f"/topups/{entry.pk}/payment/"
    refused = alice_client.post(url, {"amount": "200", "method": "mpesa", "reference": "x"})
    assert "An M-Pesa code is 10 letters and digits" in refused.content.decode()
    response = alice_client.post(
        url, {"amount": "200", "method": "mpesa", "reference": "ql12mn34op"}
    )
    assert response.status_code == 303 and response["Location"] == f"/topups/{entry.pk}/"
    alice_client.post(url, {"amount": "300", "method": "cash", "reference": ""})
    sale = Sale.objects.get(entry=entry)
    assert [(p.amount, p.reference) for p in sale.payments.all()] == [
        (Decimal("200.00"), "QL12MN34OP"),
        (Decimal("300.00"), ""),
    ]
    page = alice_client.get(f"/topups/{entry.pk}/").content.decode()
    assert "Still owed" in page and "KES 0.00" in page


def test_top_ups_without_a_price_still_get_receipts(alice_client):
    entry = outcome_entry(top_up(alice_client, noofsms="100"))
    sale = Sale.objects.get(entry=entry)
    assert sale.receipt_number == 1 and sale.amount is None
    assert "no price was set" in alice_client.get(f"/topups/{entry.pk}/receipt/").content.decode()


def test_an_account_of_its_own_price_is_charged_that_price(alice_client):
    set_prices("alice", default="0.50")
    response = alice_client.post(
        "/money/prices/",
        {"book": "clients", "name": "Kampala Boda Riders", "price": "30", "currency": "UGX"},
    )
    assert response.status_code == 303
    entry = paid_top_up(alice_client, name="Kampala Boda Riders", amount_paid="3000", method="cash")
    sale = Sale.objects.get(entry=entry)
    assert (sale.sms, sale.currency, sale.amount) == (100, "UGX", Decimal("3000"))
