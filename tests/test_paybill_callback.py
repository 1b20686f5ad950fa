"""Daraja's confirmation and validation URLs: answered at once, stored once, and nothing but
a well-formed notice from an allowed address for a known secret is ever stored."""

import json
import logging

import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paybill.callbacks import SUCCESS
from paybill.models import MpesaPayment
from simulator import daraja, faults
from simulator.models import SimCall
from tests.paybill_helpers import SHORT_CODE, confirmation_url, notify, pay, ready_to_be_paid

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(alice):
    return ready_to_be_paid()


def test_a_notice_is_stored_and_answered_with_darajas_success(client, link):
    body = pay("Mama Mboga Traders", "1500.50")

    response = notify(client, link, body)

    assert response.status_code == 200
    assert response.json() == {"ResultCode": 0, "ResultDesc": "Success"} == SUCCESS
    stored = MpesaPayment.objects.get()
    assert stored.trans_id == body["TransID"]
    assert str(stored.amount) == "1500.50"
    assert stored.bill_ref == "Mama Mboga Traders"
    assert stored.msisdn == body["MSISDN"] and len(stored.msisdn) == 64  # a hash, kept as sent
    assert stored.payer and stored.state == MpesaPayment.State.RECEIVED
    assert stored.paid_at is not None


def test_a_repeated_notice_is_stored_once_and_only_counted(client, link, caplog):
    body = pay("Mama Mboga Traders", 100)
    for _ in range(3):
        assert notify(client, link, body).json() == SUCCESS
    replay = {**body, "TransAmount": "99999.00"}  # the same code with other figures

    with caplog.at_level(logging.WARNING):
        assert notify(client, link, replay).json() == SUCCESS

    stored = MpesaPayment.objects.get()
    assert stored.notices == 4
    assert str(stored.amount) == "100.00"  # the first is kept
    assert "differs from the one stored" in caplog.text


def test_the_notice_is_answered_without_asking_mspace_so_a_hanging_gateway_cannot_delay_it(
    client, link
):
    faults.inject("*", "hang", delay=30)
    calls_before = SimCall.objects.count()

    assert notify(client, link, pay("Mama Mboga Traders", 100)).json() == SUCCESS
    assert SimCall.objects.count() == calls_before  # the bench measures the answer's time


def test_the_confirmation_url_names_neither_mpesa_nor_safaricom(link):
    path = confirmation_url(link).lower()
    for refused in ("mpesa", "m-pesa", "safaricom", "exec", "cmd", "sql", "query"):
        assert refused not in path
    assert len(link.secret) >= 32


def test_a_wrong_secret_is_refused_and_logged(client, link, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.post(
            "/pay/not-the-secret/confirm",
            data=json.dumps(pay("Mama Mboga Traders", 100)),
            content_type="application/json",
        )
    assert response.status_code == 404
    assert response.json()["ResultCode"] == 1
    assert "no Paybill link has this address" in caplog.text
    assert not MpesaPayment.objects.exists()


@override_settings(MPESA_ALLOWED_IPS=[__import__("ipaddress").ip_network("196.201.214.0/24")])
def test_a_notice_from_outside_the_allow_list_is_refused_and_logged(client, link, caplog):
    with caplog.at_level(logging.WARNING):
        forged = notify(client, link, pay("Mama Mboga Traders", 100), address="41.90.1.2")
    allowed = notify(client, link, pay("Mama Mboga Traders", 200))

    assert forged.status_code == 403
    assert "41.90.1.2 is not in MPESA_ALLOWED_IPS" in caplog.text
    assert allowed.json() == SUCCESS
    assert list(MpesaPayment.objects.values_list("amount", flat=True)) == [200]


@override_settings(
    MPESA_ALLOWED_IPS=[__import__("ipaddress").ip_network("196.201.214.200/32")],
    TRUSTED_PROXY_COUNT=1,
)
def test_behind_nginx_the_address_nginx_saw_is_checked_not_one_the_sender_wrote(client, link):
    body = pay("Mama Mboga Traders", 100)
    # nginx appends the address it saw; a forger can only write what comes before it.
    forged = notify(
        client, link, body, address="127.0.0.1", HTTP_X_FORWARDED_FOR="196.201.214.200, 41.90.1.2"
    )
    real = notify(client, link, body, address="127.0.0.1", HTTP_X_FORWARDED_FOR="196.201.214.200")

    assert forged.status_code == 403
    assert real.json() == SUCCESS


def test_a_notice_for_another_paybill_is_refused(client, link):
    body = daraja.pay("123456", "Mama Mboga Traders", 100)

    response = notify(client, link, body)

    assert response.status_code == 400
    assert "BusinessShortCode" in response.json()["ResultDesc"]
    assert not MpesaPayment.objects.exists()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"", "not JSON"),
        (b"<xml>hello</xml>", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'"just a string"', "not a JSON object"),
        (b"[" * 100_00 + b"]" * 100_00, "body too large"),
        (b'{"TransAmount": "100"}', "TransID"),
        (b'{"TransID": "ABC; DROP TABLE", "TransAmount": "100"}', "TransID"),
        (b'{"TransID": "SKL4ABCD12", "TransAmount": "-100"}', "TransAmount"),
        (b'{"TransID": "SKL4ABCD12", "TransAmount": "NaN"}', "TransAmount"),
        (b'{"TransID": "SKL4ABCD12", "TransAmount": "1e400"}', "TransAmount"),
        (b'{"TransID": "SKL4ABCD12", "TransAmount": "10.005"}', "TransAmount"),
        (b'{"TransID": "SKL4ABCD12", "TransAmount": {"a": 1}}', "TransAmount"),
        (b'{"TransID": "SKL4ABCD12", "TransAmount": "ten"}', "TransAmount"),
    ],
)
def test_a_garbled_body_gets_a_clean_refusal_and_nothing_is_stored(client, link, body, why):
    response = notify(client, link, body)

    assert response.status_code in (400, 413)
    assert why in response.json()["ResultDesc"]
    assert not MpesaPayment.objects.exists()


def test_only_post_is_answered(client, link):
    response = client.get(confirmation_url(link))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_declared_length_that_is_no_number_is_refused(client, link):
    response = client.generic(
        "POST",
        confirmation_url(link),
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH="lots",
    )
    assert response.status_code == 413


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.dictionaries(
            st.sampled_from(["TransID", "TransAmount", "TransTime", "BillRefNumber", "MSISDN"]),
            st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none(), st.booleans()),
        ).map(lambda d: json.dumps(d).encode()),
    )
)
def test_no_body_whatsoever_gets_a_server_error(client, link, body):
    response = notify(client, link, body)

    assert response.status_code in (200, 400, 413)
    assert "ResultCode" in response.json()


def test_validation_accepts_a_known_account_number_and_rejects_an_unknown_one(client, link):
    from paybill.models import AccountNumber

    url = f"/pay/{link.secret}/validate"

    def validate(reference, amount="100"):
        body = {**daraja.pay(SHORT_CODE, reference, 1), "TransAmount": amount}
        return client.post(url, data=json.dumps(body), content_type="application/json").json()

    # Nothing known of the book yet: nobody is refused (the inbox catches a stranger).
    assert validate("Nobody At All")["ResultCode"] == "0"
    AccountNumber.objects.create(
        reseller=link.reseller, number="MMT 01", key="mmt01", client="Mama Mboga Traders"
    )

    assert validate("mmt01") == {"ResultCode": "0", "ResultDesc": "Accepted"}
    assert validate("Nobody At All")["ResultCode"] == "C2B00012"
    assert validate("mmt01", amount="-5")["ResultCode"] == "C2B00013"
    from watch import history

    history.record_reads(
        link.reseller.pk, timezone.now(), source="worker", books={"clients": [("Jinja Fish", 3)]}
    )
    assert validate("JINJA fish")["ResultCode"] == "0"  # a client keep watch has seen
    assert not MpesaPayment.objects.exists()  # validation stores nothing
