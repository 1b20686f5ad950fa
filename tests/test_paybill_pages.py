"""/payments/: the reseller's own confirmation URL, the inbox, account numbers; every page
guarded but Daraja's two callbacks; a reseller sees and acts on their own payments only."""

import re

import pytest

from paybill import worker
from paybill.models import AccountNumber, MpesaPayment, PaybillLink
from tests.paybill_helpers import (
    credited_by_client,
    notify,
    pay,
    ready_to_be_paid,
    top_up_calls,
)
from tests.watch_helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "/payments/"),
    ("post", "/payments/settings/"),
    ("post", "/payments/renew/"),
    ("post", "/payments/numbers/"),
    ("post", "/payments/numbers/1/remove/"),
    ("post", "/payments/1/assign/"),
    ("post", "/payments/1/refunded/"),
    ("post", "/payments/check/"),
    ("post", "/payments/demo/"),
]


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_every_payments_page_needs_a_login(client, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_shows_the_resellers_own_confirmation_url(alice_client, bob_client):
    page = alice_client.get("/payments/").content.decode()

    link = PaybillLink.objects.get(reseller__username="alice")
    shown = re.search(r'id="confirmation-url"[^>]*>([^<]+)<', page)[1]
    assert shown == f"http://testserver/pay/{link.secret}/confirm"
    assert link.secret not in bob_client.get("/payments/").content.decode()


@pytest.mark.django_db(transaction=True)  # queued once committed; huey closes connections
def test_a_stored_notice_is_queued_for_the_worker(client, alice):
    link = ready_to_be_paid()
    notify(client, link, pay("Jinja Fish", "70"))

    assert run_queued_tasks() == 1

    assert MpesaPayment.objects.get().state == MpesaPayment.State.TOPPED_UP
    assert top_up_calls().count() == 1


def test_another_resellers_payment_can_be_neither_assigned_nor_refunded(client, alice, bob_client):
    link = ready_to_be_paid()
    notify(client, link, pay("Nobody", "70"))
    worker.credit_waiting()
    mine = MpesaPayment.objects.get()

    assert (
        bob_client.post(f"/payments/{mine.pk}/assign/", {"client": "Bob Client"}).status_code == 404
    )
    bob_client.post(f"/payments/{mine.pk}/refunded/")

    mine.refresh_from_db()
    assert mine.state == MpesaPayment.State.TO_ASSIGN
    assert not top_up_calls().exists()


def test_an_account_number_is_given_to_one_of_your_clients_only(alice_client):
    refused = alice_client.post("/payments/numbers/", {"number": "X1", "client": "Bob Client"})
    given = alice_client.post(
        "/payments/numbers/", {"number": "mmt 01", "client": "Mama Mboga Traders"}
    )
    twice = alice_client.post(
        "/payments/numbers/", {"number": "MMT01", "client": "Jinja Fish"}, follow=True
    )

    assert refused.status_code == given.status_code == 303
    assert list(AccountNumber.objects.values_list("key", "client")) == [
        ("mmt01", "Mama Mboga Traders")
    ]
    assert "already given" in twice.content.decode()


def test_a_new_confirmation_url_shuts_the_old_one(alice_client, client):
    alice_client.get("/payments/")
    old = PaybillLink.objects.get().secret

    alice_client.post("/payments/renew/")

    assert PaybillLink.objects.get().secret != old
    assert (
        client.post(f"/pay/{old}/confirm", data="{}", content_type="application/json").status_code
        == 404
    )


def test_a_paybill_number_is_digits(alice_client):
    alice_client.post("/payments/settings/", {"short_code": "60 0984"})
    assert PaybillLink.objects.get().short_code == "600984"

    page = alice_client.post("/payments/settings/", {"short_code": "abc"}, follow=True)
    assert "5 to 7 digits" in page.content.decode()
    assert PaybillLink.objects.get().short_code == "600984"


def test_the_demo_button_sends_a_notice_that_the_worker_turns_into_sms(alice_client):
    from decimal import Decimal

    from billing.prices import profile_of
    from tests.conftest import ALICE_PASSWORD
    from tests.watch_helpers import start_watching

    profile = profile_of(start_watching("alice", ALICE_PASSWORD))
    profile.default_price = Decimal("0.50")
    profile.save()

    page = alice_client.post(
        "/payments/demo/", {"account": "Jinja Fish", "amount": "250"}, follow=True
    ).content.decode()
    worker.credit_waiting()

    assert "A client paid KES 250.00" in page
    assert credited_by_client() == {"Jinja Fish": 500}
    assert "500 SMS to Jinja Fish" in alice_client.get("/payments/").content.decode()
