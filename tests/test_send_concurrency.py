"""Several copies of one test SMS form posted at the same moment reach mSpace once."""

import threading

import pytest
from django.test import Client

from messaging.models import LedgerEntry
from tests.send_helpers import a_send, reseller, sends

COPIES = 5


def same_browser(client) -> Client:
    """Another test client carrying `client`'s cookies: the same reseller, the same session."""
    copy = Client()
    for name, cookie in client.cookies.items():
        copy.cookies[name] = cookie.value
    return copy


def post_at_once(clients, data):
    """POST `data` from every client at the same moment; returns their responses."""
    start = threading.Barrier(len(clients))
    responses = [None] * len(clients)
    problems = []

    def post(index, client):
        try:
            start.wait(timeout=10)
            responses[index] = client.post("/send/", data)
        except Exception as error:  # surfaced below, with the thread's own error
            problems.append(error)

    threads = [
        threading.Thread(target=post, args=(index, client)) for index, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not problems, problems
    return responses


@pytest.mark.django_db(transaction=True)
def test_five_copies_of_a_form_posted_at_once_send_one_sms(alice_client):
    data = a_send(alice_client, message="Once, please")
    clients = [same_browser(alice_client) for _ in range(COPIES)]

    responses = post_at_once(clients, data)

    entry = LedgerEntry.objects.get()
    assert [response.status_code for response in responses] == [303] * COPIES
    assert {response["Location"] for response in responses} == {f"/send/{entry.pk}/"}
    assert sends().count() == 1
    assert entry.status == LedgerEntry.Status.SUCCEEDED
    assert entry.message_id == sends().get().message_id
    assert reseller("alice").balance == 4999


@pytest.mark.django_db(transaction=True)
def test_a_double_click_during_a_slow_send_shows_the_first_outcome(alice_client):
    from simulator import faults

    data = a_send(alice_client)
    faults.inject("sendtext", "slow", delay=0.3)
    clients = [same_browser(alice_client) for _ in range(2)]

    responses = post_at_once(clients, data)

    entry = LedgerEntry.objects.get()
    assert {response["Location"] for response in responses} == {f"/send/{entry.pk}/"}
    assert sends().count() == 1
    # The copy that lost the race finds the entry settled or still pending, never a new one.
    page = alice_client.get(f"/send/{entry.pk}/").content.decode()
    assert entry.message_id in page
