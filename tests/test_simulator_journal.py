"""The simulator's journal of calls, and the passwords that must never rest anywhere in it."""

import threading

import pytest
from django.db import connection, models

from simulator import faults
from simulator.gateway import answer
from simulator.models import SimAccount, SimCall, SimFault
from simulator.seed import make_account
from tests.test_simulator_gateway import RITA_PASSWORD, path


@pytest.fixture
def rita(db):
    return make_account(
        "rita", RITA_PASSWORD, balance=100, clients=[("client1", 0)], sender_ids=["24680"]
    )


def test_it_journals_a_top_up_with_the_credit_it_moved(rita):
    answer(path("resellerclienttopup", clientname="client1", noofsms="40"))

    call = SimCall.objects.get()
    assert (call.method, call.username, call.target, call.amount, call.credit_moved) == (
        "resellerclienttopup",
        "rita",
        "client1",
        40,
        True,
    )
    assert call.reply == "Successful Top up of 40 SMS to client1"
    assert call.fault == ""


def test_it_journals_a_refused_top_up_as_moving_nothing(rita):
    answer(path("resellerclienttopup", clientname="client1", noofsms="500"))

    call = SimCall.objects.get()
    assert (call.amount, call.credit_moved, call.reply) == (500, False, "Insufficient Balance")


def test_it_journals_a_send_with_its_parts_and_message_id(rita):
    reply = answer(path("sendtext", senderid="24680", recipient="254700000001", message="a" * 200))

    call = SimCall.objects.get()
    assert (call.target, call.sender_id, call.parts, call.amount, call.credit_moved) == (
        "254700000001",
        "24680",
        2,
        2,
        True,
    )
    assert call.message_id in reply.body


def test_it_journals_reads_too(rita):
    answer(path("balance"))
    answer(path("resellerclients", password="wrong"))

    assert list(SimCall.objects.values_list("method", "credit_moved")) == [
        ("balance", False),
        ("resellerclients", False),
    ]


def test_it_journals_the_fault_that_struck(rita):
    faults.inject("resellerclienttopup", "reset", times=1)
    faults.inject("resellerclienttopup", "refuse", times=1)
    faults.inject("resellerclienttopup", "http500", times=1)
    for _ in range(3):
        answer(path("resellerclienttopup", clientname="client1", noofsms="10"))

    rows = list(SimCall.objects.values_list("fault", "credit_moved"))
    assert rows == [("reset", True), ("refuse", False), ("http500", False)]
    assert SimCall.objects.writes().received().count() == 2
    assert SimCall.objects.credit_moved_total() == 10


def test_it_does_not_journal_paths_that_are_no_gateway_call(rita):
    answer("nosuchmethod/username=rita/password=x")

    assert not SimCall.objects.exists()


def test_no_simulator_row_holds_a_plain_password(rita):
    # Every way a password travels: logins, lists, top-ups, sends, faults, failures.
    faults.inject("*", "sentence", reply="failed to deduct your account", times=1)
    for method, extra in [
        ("login", {}),
        ("balance", {}),
        ("resellerclients", {}),
        ("resellerclienttopup", {"clientname": "client1", "noofsms": "1"}),
        ("subacctopup", {"subaccname": "nobody", "noofsms": "1"}),
        ("sendtext", {"senderid": "24680", "recipient": "254700000001", "message": "hi"}),
    ]:
        answer(path(method, **extra))
        answer(path(method, password=RITA_PASSWORD + "x", **extra))

    for model in (SimAccount, SimCall, SimFault):
        text_fields = [
            f.name for f in model._meta.fields if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model.objects.values_list(*text_fields):
            assert not any(RITA_PASSWORD in value for value in row), (model.__name__, row)
    assert SimCall.objects.count() == 12


def test_the_stored_hash_is_salted(db):
    one = make_account("one", "same-password")
    two = make_account("two", "same-password")

    assert one.password_hash != two.password_hash
    assert one.check_password("same-password") and not one.check_password("same-passwor")


@pytest.mark.django_db(transaction=True)
def test_concurrent_top_ups_never_spend_the_same_credit_twice():
    make_account("rita", "pw", balance=10, clients=[("client1", 0)])
    replies, lock = [], threading.Lock()

    def top_up_one():
        try:
            body = answer(
                path("resellerclienttopup", "rita", "pw", clientname="client1", noofsms="1")
            ).body
            with lock:
                replies.append(body)
        finally:
            connection.close()

    threads = [threading.Thread(target=top_up_one) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(set(replies)) == ["Insufficient Balance", "Successful Top up of 1 SMS to client1"]
    assert replies.count("Successful Top up of 1 SMS to client1") == 10
    assert SimAccount.objects.get(username="rita").balance == 0
    assert SimAccount.objects.get(username="client1").balance == 10
    assert SimCall.objects.credit_moved_total() == 10
