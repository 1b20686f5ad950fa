"""Exactly once: a replayed, double-clicked or concurrently repeated top-up form reaches
mSpace one time, and every copy shows the first outcome."""

import threading
import uuid

import pytest
from django.db import connections

from messaging import ledger
from messaging.models import LedgerEntry
from simulator import faults
from tests.topup_helpers import (
    CLIENT_TOPUP,
    a_top_up,
    account,
    all_at_once,
    copy_of,
    entry,
    form_key_in,
    outcome_entry,
    reseller,
    tenant,
    top_up_calls,
)

Status = LedgerEntry.Status


@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_posts_of_one_form_make_one_gateway_call(alice_client):
    data = a_top_up(alice_client, "Mama Mboga Traders", "500")
    tabs = [copy_of(alice_client) for _ in range(5)]

    responses = all_at_once([lambda tab=tab: tab.post(CLIENT_TOPUP, data) for tab in tabs])

    assert top_up_calls().count() == 1
    assert LedgerEntry.objects.count() == 1
    only = LedgerEntry.objects.get()
    assert [r.status_code for r in responses] == [303] * 5
    assert {r["Location"] for r in responses} == {f"/topups/{only.pk}/"}
    assert only.status == Status.SUCCEEDED
    assert reseller("alice").balance == 4500
    assert account("alice", "Mama Mboga Traders").balance == 1700


@pytest.mark.django_db(transaction=True)
def test_a_copy_sent_while_the_first_is_still_pending_shows_it_in_progress(
    alice_client, monkeypatch
):
    from messaging.gateway import Gateway

    asked, answer = threading.Event(), threading.Event()
    real = Gateway.call

    def held(self, method, *args):
        if method.moves_credit:
            asked.set()
            answer.wait(timeout=10)  # mSpace "thinks" until the second copy has been seen
        return real(self, method, *args)

    monkeypatch.setattr(Gateway, "call", held)
    data = a_top_up(alice_client, "Mama Mboga Traders", "500")
    first = threading.Thread(target=lambda: copy_of(alice_client).post(CLIENT_TOPUP, data))
    first.start()
    try:
        assert asked.wait(timeout=10)
        second = copy_of(alice_client)
        response = second.post(CLIENT_TOPUP, data)
        page = second.get(response["Location"]).content.decode()
    finally:
        answer.set()
        first.join(timeout=10)
        connections.close_all()

    only = LedgerEntry.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/topups/{only.pk}/"
    assert "Still in progress" in page
    assert top_up_calls().count() == 1
    assert only.status == Status.SUCCEEDED


def test_a_copy_that_loses_the_claim_race_is_sent_to_the_first_outcome(alice_client, monkeypatch):
    data = a_top_up(alice_client)
    first = outcome_entry(alice_client.post(CLIENT_TOPUP, data))
    # As if the copy had looked for the key a moment before the first one claimed it.
    monkeypatch.setattr(ledger, "find_claimed", lambda reseller, form_key: None)
    again = alice_client.post(CLIENT_TOPUP, data)
    assert outcome_entry(again).pk == first.pk
    assert top_up_calls().count() == 1
    assert LedgerEntry.objects.count() == 1


def test_a_replay_after_success_shows_the_first_outcome_without_a_new_call(alice_client):
    data = a_top_up(alice_client, "Mama Mboga Traders", "500")
    first = alice_client.post(CLIENT_TOPUP, data)
    again = alice_client.post(CLIENT_TOPUP, data)
    assert outcome_entry(again).pk == outcome_entry(first).pk
    assert top_up_calls().count() == 1
    assert LedgerEntry.objects.count() == 1
    assert account("alice", "Mama Mboga Traders").balance == 1700


def test_a_replay_shows_the_first_outcome_even_when_the_form_would_now_be_refused(alice_client):
    data = a_top_up(alice_client, "Mama Mboga Traders", "4000")
    data["confirmed_amount"] = "4000"  # a large top-up, confirmed (issue 24)
    first = outcome_entry(alice_client.post(CLIENT_TOPUP, data))  # alice has 1,000 left
    again = alice_client.post(CLIENT_TOPUP, data)
    assert outcome_entry(again).pk == first.pk
    assert top_up_calls().count() == 1


def test_a_replay_of_a_refused_top_up_is_not_sent_again(alice_client):
    faults.inject("resellerclienttopup", "sentence", reply="Insufficient Balance", times=1)
    data = a_top_up(alice_client)
    first = outcome_entry(alice_client.post(CLIENT_TOPUP, data))
    assert first.status == Status.FAILED
    again = alice_client.post(CLIENT_TOPUP, data)
    assert outcome_entry(again).pk == first.pk
    assert top_up_calls().count() == 1


def test_a_replay_of_an_unknown_top_up_is_not_sent_again(alice_client):
    faults.inject("resellerclienttopup", "reset", times=1)
    data = a_top_up(alice_client)
    first = outcome_entry(alice_client.post(CLIENT_TOPUP, data))
    assert first.status == Status.UNKNOWN
    again = alice_client.post(CLIENT_TOPUP, data)
    assert outcome_entry(again).pk == first.pk
    assert top_up_calls().count() == 1


def test_a_replay_is_answered_without_asking_mspace_anything(alice_client):
    from simulator.models import SimCall

    data = a_top_up(alice_client)
    outcome_entry(alice_client.post(CLIENT_TOPUP, data))
    calls_before = SimCall.objects.count()
    faults.inject("*", "refuse")  # even with mSpace down, the replay shows the outcome
    again = alice_client.post(CLIENT_TOPUP, data)
    assert again.status_code == 303
    assert SimCall.objects.count() == calls_before  # not even a refused attempt


def test_two_different_forms_for_the_same_client_are_two_top_ups(alice_client):
    outcome_entry(alice_client.post(CLIENT_TOPUP, a_top_up(alice_client, noofsms="100")))
    outcome_entry(alice_client.post(CLIENT_TOPUP, a_top_up(alice_client, noofsms="100")))
    assert top_up_calls().count() == 2
    assert account("alice", "Mama Mboga Traders").balance == 1400


def test_another_resellers_key_is_never_reused_nor_revealed(alice_client, bob_client):
    alice_data = a_top_up(alice_client)
    alices = outcome_entry(alice_client.post(CLIENT_TOPUP, alice_data))
    response = bob_client.post(CLIENT_TOPUP, {**alice_data, "name": "Bob Client", "noofsms": "5"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "already been used" in html
    assert f"/topups/{alices.pk}/" not in html
    assert form_key_in(response) != alice_data["form_key"]
    assert LedgerEntry.objects.count() == 1
    assert top_up_calls().count() == 1


@pytest.mark.parametrize("key", ["", "not-a-key", "1234"])
def test_a_form_without_a_usable_key_is_refreshed_and_not_sent(alice_client, key):
    response = alice_client.post(
        CLIENT_TOPUP, {"form_key": key, "name": "Mama Mboga Traders", "noofsms": "5"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This form has expired" in html
    uuid.UUID(form_key_in(response))  # a new, usable key
    assert not LedgerEntry.objects.exists()
    assert top_up_calls().count() == 0


def test_an_open_top_up_of_the_account_blocks_another_even_from_a_fresh_form(alice_client):
    pending = entry(tenant("alice"), status=Status.PENDING, amount=50)
    response = alice_client.post(CLIENT_TOPUP, a_top_up(alice_client))
    assert response.status_code == 200
    html = response.content.decode()
    assert "is being sent right now" in html
    assert f'href="/topups/{pending.pk}/"' in html
    assert LedgerEntry.objects.count() == 1
    assert top_up_calls().count() == 0
