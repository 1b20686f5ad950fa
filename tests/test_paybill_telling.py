"""Optionally an SMS tells the client its M-Pesa payment became SMS: to the phone in its contact
details (Daraja sends only a hash of the payer's number), once, through the one submit step on
the reseller's own account. The simulator's journal of sends is the witness."""

import csv as csv_module
import io
import re

import pytest

from accounts.tenancy import rows
from alerts.models import AccountContact, Book
from messaging import reconcile
from messaging.models import LedgerEntry
from paybill import telling, worker
from paybill.models import MpesaPayment, PaybillLink
from simulator import faults
from simulator.models import SimCall
from tests.conftest import ALICE_PASSWORD, log_in
from tests.paybill_helpers import credited_by_client, notify, pay, payment, ready_to_be_paid

pytestmark = pytest.mark.django_db
PHONE = "254711000111"


@pytest.fixture
def link(alice):
    link = ready_to_be_paid()
    PaybillLink.objects.filter(pk=link.pk).update(tell_client=True, sender_id="ALICESHOP")
    AccountContact.objects.create(
        reseller=link.reseller, book=Book.CLIENTS, name="Jinja Fish", phone=PHONE
    )
    link.refresh_from_db()
    return link


def sends_to(phone):
    return SimCall.objects.filter(method="sendtext", target=phone).received()


def paid(client, link, reference, amount):
    body = pay(reference, amount)
    assert notify(client, link, body).status_code == 200
    return body


def test_the_client_is_told_once_after_its_top_up_went_through(client, link):
    body = paid(client, link, "Jinja Fish", "70")

    worker.credit_waiting()
    worker.sweep()
    notify(client, link, body)  # Daraja's resend changes nothing
    worker.sweep()

    done = payment(body["TransID"])
    assert credited_by_client() == {"Jinja Fish": 200}
    assert [(c.sender_id, c.credit_moved) for c in sends_to(PHONE)] == [("ALICESHOP", True)]
    told = done.told_entry
    assert (told.kind, told.status, told.target) == ("alert_sms", "succeeded", PHONE)
    assert told.actor_name == "M-Pesa auto top-up"
    assert told.form_key == telling.key_of(done)
    assert set(done.keys.values_list("key", flat=True)) == {done.form_key, told.form_key}
    assert "KES 70.00" in told.message and "200 SMS" in told.message
    assert body["TransID"] in told.message and "Jinja Fish" in told.message


def test_a_client_without_a_phone_or_a_reseller_who_did_not_ask_tells_nobody(client, link):
    paid(client, link, "Mama Mboga Traders", "35")  # no contact details
    PaybillLink.objects.filter(pk=link.pk).update(tell_client=False)
    paid(client, link, "Jinja Fish", "35")  # a phone, but telling is off

    worker.credit_waiting()
    worker.sweep()

    assert credited_by_client() == {"Mama Mboga Traders": 100, "Jinja Fish": 100}
    assert not SimCall.objects.filter(method="sendtext").exists()
    assert not LedgerEntry.objects.filter(kind="alert_sms").exists()


def test_nobody_is_told_of_a_top_up_that_failed(client, link):
    faults.inject("resellerclienttopup", "sentence", reply="Insufficient Balance")
    body = paid(client, link, "Jinja Fish", "70")

    worker.credit_waiting()
    worker.sweep()

    assert payment(body["TransID"]).state == MpesaPayment.State.TO_ASSIGN
    assert not sends_to(PHONE).exists()


def test_a_top_up_found_to_have_gone_through_later_is_told_then(client, link):
    faults.inject("resellerclienttopup", "reset", times=1)  # carried out, then no answer
    body = paid(client, link, "Jinja Fish", "70")
    worker.credit_waiting()
    worker.sweep()
    assert not sends_to(PHONE).exists()  # unknown: nobody is told yet

    unknown = payment(body["TransID"]).entry
    rows(LedgerEntry, unknown.reseller_id).filter(pk=unknown.pk).update(
        created_at=unknown.created_at - reconcile.SETTLE_DELAY
    )
    assert reconcile.check(worker.standing_acting(link.reseller), unknown).status == "succeeded"
    worker.sweep()
    worker.sweep()

    assert sends_to(PHONE).count() == 1


def test_a_second_try_at_telling_the_same_payment_reaches_mspace_no_more(client, link):
    body = paid(client, link, "Jinja Fish", "70")
    worker.credit_waiting()
    first = payment(body["TransID"]).told_entry
    # As if another worker had not seen that it was sent: the key is the payment's, so the
    # ledger gives back the first entry and nothing is sent.
    MpesaPayment.objects.filter(pk=payment(body["TransID"]).pk).update(told_entry=None)

    again = telling.tell(payment(body["TransID"]), worker.standing_acting(link.reseller))

    assert again == first
    assert sends_to(PHONE).count() == 1


def test_a_send_mspace_refuses_is_recorded_and_never_tried_again(client, link):
    faults.inject("sendtext", "sentence", reply="Invalid sender ID")
    body = paid(client, link, "Jinja Fish", "70")

    worker.credit_waiting()
    worker.sweep()
    worker.sweep()

    told = payment(body["TransID"]).told_entry
    assert told.status == LedgerEntry.Status.FAILED
    assert sends_to(PHONE).count() == 1
    assert credited_by_client() == {"Jinja Fish": 200}  # the payment itself is credited


def test_the_setting_needs_a_valid_sender_id(alice_client, alice):
    page = alice_client.post(
        "/payments/settings/", {"tell_client": "on", "sender_id": ""}, follow=True
    ).content.decode()
    assert "Enter the sender ID the SMS to clients goes out with." in page
    alice_client.post("/payments/settings/", {"tell_client": "on", "sender_id": "BAD/ID"})
    assert not PaybillLink.objects.get().tell_client

    alice_client.post("/payments/settings/", {"tell_client": "on", "sender_id": " ALICESHOP "})

    saved = PaybillLink.objects.get()
    assert (saved.tell_client, saved.sender_id) == (True, "ALICESHOP")


def test_every_ledger_row_of_a_payment_says_payment_in_the_activity(client, link):
    faults.inject("resellerclienttopup", "sentence", reply="Insufficient Balance", times=1)
    body = paid(client, link, "Jinja Fish", "70")
    worker.credit_waiting()  # the first top-up fails: the payment waits in the inbox
    log_in(client, "alice", ALICE_PASSWORD)
    client.post(f"/payments/{payment(body['TransID']).pk}/assign/", {"client": "Jinja Fish"})
    page = client.get("/clients/topup/", {"name": "Kampala Boda Riders"}).content.decode()
    key = re.search(r'name="form_key" value="([^"]+)"', page)[1]
    client.post(
        "/clients/topup/", {"name": "Kampala Boda Riders", "noofsms": "10", "form_key": key}
    )

    csv = b"".join(client.get("/activity/", {"format": "csv"}).streaming_content).decode()
    activity = client.get("/activity/").content.decode()

    header, *lines = list(csv_module.reader(io.StringIO(csv.lstrip("\ufeff"))))
    by_row = sorted((line[1], line[2], line[4], line[-2]) for line in lines)
    assert header[-2:] == ["source", "by"]  # `by` (issue 21) is the last column
    assert by_row == [
        ("alert SMS", PHONE, "succeeded", "payment"),  # the SMS telling the client
        ("client top-up", "Jinja Fish", "failed", "payment"),  # tried first, under a spent key
        ("client top-up", "Jinja Fish", "succeeded", "payment"),  # assigned again by alice
        ("client top-up", "Kampala Boda Riders", "succeeded", "form"),
    ]
    assert activity.count(f"M-Pesa payment {body['TransID']}") == 3
