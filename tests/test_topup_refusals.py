"""Everything that is not a plain success: forms refused before mSpace is asked, mSpace's own
refusals in plain words, and outcomes nobody knows (recorded as unknown, never retried)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from messaging.gateway import Gateway
from messaging.models import LedgerEntry
from simulator import faults
from simulator.models import SimAccount
from simulator.seed import make_account
from tests.conftest import log_in
from tests.topup_helpers import (
    CLIENT_TOPUP,
    SUBACCOUNT_TOPUP,
    a_top_up,
    account,
    entry,
    outcome_entry,
    reseller,
    tenant,
    top_up,
    top_up_calls,
)

Status = LedgerEntry.Status


def nothing_was_sent():
    return not LedgerEntry.objects.exists() and top_up_calls().count() == 0


# --- Refused before mSpace is asked --------------------------------------------------------


@pytest.mark.parametrize("typed", ["1e3", "-5", "+5", "5.5", "٥", "5 0", "", "0", "1,000"])
def test_an_amount_that_is_not_a_whole_number_is_refused_next_to_the_field(alice_client, typed):
    response = top_up(alice_client, noofsms=typed)
    assert response.status_code == 200
    html = response.content.decode()
    error_at = html.index('id="id_noofsms_error"')
    assert html.index('id="id_noofsms"') < error_at < html.index('data-after="reseller"')
    assert 'aria-invalid="true"' in html
    assert nothing_was_sent()


def test_more_than_the_balance_read_fresh_is_refused(alice_client):
    data = a_top_up(alice_client, noofsms="500")
    reseller_account = reseller("alice")
    reseller_account.balance = 100  # spent elsewhere since the form was shown
    reseller_account.save()
    response = alice_client.post(CLIENT_TOPUP, data)
    assert response.status_code == 200
    assert "That is more than your balance of 100 SMS." in response.content.decode()
    assert nothing_was_sent()


def test_a_client_removed_since_the_form_was_shown_is_refused(alice_client):
    data = a_top_up(alice_client, name="Jinja Fish")
    account("alice", "Jinja Fish").delete()
    response = alice_client.post(CLIENT_TOPUP, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "not in your list on mSpace any more" in html
    assert 'id="id_name_error"' in html
    assert nothing_was_sent()


def test_a_name_typed_in_rather_than_chosen_is_refused(alice_client):
    response = top_up(alice_client, name="Bob Client")
    assert "not in your list on mSpace any more" in response.content.decode()
    assert nothing_was_sent()


def test_a_client_name_is_not_taken_on_the_sub_account_form(alice_client):
    response = top_up(alice_client, name="Mama Mboga Traders", url=SUBACCOUNT_TOPUP)
    assert "not in your list on mSpace any more" in response.content.decode()
    assert nothing_was_sent()


def test_a_refused_form_keeps_what_was_typed_and_its_key(alice_client):
    data = a_top_up(alice_client, noofsms="1e3")
    html = alice_client.post(CLIENT_TOPUP, data).content.decode()
    assert 'value="1e3"' in html
    assert f'value="{data["form_key"]}"' in html
    assert '<option value="Mama Mboga Traders" data-balance="1200" selected>' in html


def test_nothing_is_sent_when_the_balance_cannot_be_read_fresh(alice_client):
    data = a_top_up(alice_client)
    faults.inject("balance", "http500")
    response = alice_client.post(CLIENT_TOPUP, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was sent" in html
    assert "Could not read your balances from mSpace" in html
    assert nothing_was_sent()


def test_nothing_is_sent_when_the_list_cannot_be_read_fresh(alice_client):
    data = a_top_up(alice_client)
    faults.inject("resellerclients", "refuse")
    response = alice_client.post(CLIENT_TOPUP, data)
    assert "Nothing was sent" in response.content.decode()
    assert nothing_was_sent()


def test_the_form_page_explains_when_mspace_cannot_be_read(alice_client):
    faults.inject("*", "refuse")
    response = alice_client.get(CLIENT_TOPUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Could not read your balances from mSpace" in html
    assert 'name="noofsms"' not in html


def test_a_reseller_without_clients_is_told_so(charlie_client):
    html = charlie_client.get(CLIENT_TOPUP).content.decode()
    assert "You have no clients on mSpace to top up." in html
    assert 'name="noofsms"' not in html


# --- mSpace refuses, in its own words ------------------------------------------------------

REFUSALS = [
    ("Insufficient Balance", Status.FAILED, "mSpace refused: your balance is too low"),
    ("insufficient balance.", Status.FAILED, "mSpace refused: your balance is too low"),
    (
        "You are not Authorized to make this transaction",
        Status.FAILED,
        "mSpace refused: your account is not authorised to top up clients",
    ),
    ("Kindly Contact Providers for help", Status.FAILED, "asks you to contact mSpace for help"),
    (
        "Failed to top up Mama Mboga Traders account",
        Status.FAILED,
        "mSpace failed to top up that account",
    ),
    ("Top up not Successful", Status.FAILED, "mSpace says the top-up was not successful"),
    (
        "failed to deduct your account",
        Status.FAILED,
        "could not deduct the SMS from your own balance",
    ),
    # An internal error may come after the credit moved: never called a refusal.
    (
        "Internal service error",
        Status.UNKNOWN,
        "We don&#x27;t know whether it went through: mSpace reported an internal error.",
    ),
]


@pytest.mark.parametrize(("sentence", "status", "explained"), REFUSALS)
def test_every_refusal_sentence_is_explained_in_plain_words(
    alice_client, sentence, status, explained
):
    faults.inject("resellerclienttopup", "sentence", reply=sentence)
    refused = outcome_entry(top_up(alice_client))
    assert refused.status == status
    assert refused.gateway_reply == sentence
    html = alice_client.get(f"/topups/{refused.pk}/").content.decode()
    assert explained in html
    assert "Topped up" not in html
    assert top_up_calls().count() == 1  # asked once, not again
    assert account("alice", "Mama Mboga Traders").balance == 1200
    assert reseller("alice").balance == 5000


def test_each_refusal_has_its_own_explanation(alice_client):
    details = set()
    documented = [sentence for sentence, _, _ in REFUSALS if sentence != "insufficient balance."]
    for sentence in documented:
        faults.inject("resellerclienttopup", "sentence", reply=sentence, times=1)
        details.add(outcome_entry(top_up(alice_client, "Jinja Fish", "1")).detail)
    assert len(details) == len(documented) == 7


def hook_before_the_call(monkeypatch, change):
    """Make `change()` happen on mSpace between the fresh reads and the top-up call."""
    real = Gateway.call

    def changed_first(self, method, *args):
        if method.moves_credit:
            change()
        return real(self, method, *args)

    monkeypatch.setattr(Gateway, "call", changed_first)


def test_a_balance_spent_elsewhere_at_the_last_moment_is_explained(alice_client, monkeypatch):
    hook_before_the_call(
        monkeypatch, lambda: SimAccount.objects.filter(pk=reseller("alice").pk).update(balance=3)
    )
    refused = outcome_entry(top_up(alice_client))
    assert refused.status == Status.FAILED
    assert refused.detail.startswith("mSpace refused: your balance is too low")


def test_a_client_removed_at_the_last_moment_is_explained(alice_client, monkeypatch):
    hook_before_the_call(monkeypatch, lambda: account("alice", "Mama Mboga Traders").delete())
    refused = outcome_entry(top_up(alice_client))
    assert refused.status == Status.FAILED
    assert refused.detail == "mSpace failed to top up that account."


def test_a_reseller_who_lost_the_right_to_resell_is_told_why(alice_client, monkeypatch):
    hook_before_the_call(
        monkeypatch,
        lambda: SimAccount.objects.filter(pk=reseller("alice").pk).update(is_reseller=False),
    )
    refused = outcome_entry(top_up(alice_client))
    assert refused.status == Status.FAILED
    assert "not authorised to top up clients" in refused.detail


def test_a_suspended_account_is_asked_to_contact_the_provider(client, db):
    make_account("dora", "dora-pw", balance=900, clients=[("Dora Client", 1)], suspended=True)
    dora = log_in(client, "dora", "dora-pw")
    refused = outcome_entry(top_up(dora, "Dora Client", "10"))
    assert refused.status == Status.FAILED
    assert "contact mSpace for help" in refused.detail


def test_a_password_mspace_stopped_taking_fails_the_top_up_and_ends_the_session(alice_client):
    faults.inject("resellerclienttopup", "sentence", reply="Athentication failure")
    response = top_up(alice_client)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    refused = LedgerEntry.objects.get()
    assert refused.status == Status.FAILED
    assert "no longer accepts the password" in refused.detail


# --- Nobody knows: recorded as unknown, never retried --------------------------------------


@override_settings(MSPACE_TIMEOUT=0.3)
def test_a_timed_out_top_up_is_recorded_as_unknown_and_not_retried(alice_client):
    faults.inject("resellerclienttopup", "hang", delay=0.35)
    unknown = outcome_entry(top_up(alice_client))
    assert unknown.status == Status.UNKNOWN
    calls = top_up_calls()
    assert calls.count() == 1
    assert calls.get().credit_moved  # mSpace did it; it just never said so
    html = alice_client.get(f"/topups/{unknown.pk}/").content.decode()
    assert (
        "We don&#x27;t know whether it went through: mSpace did not answer in time. "
        "Check before trying again."
    ) in html
    assert f'action="/activity/{unknown.pk}/reconcile/"' in html
    assert 'value="check"' in html


def test_a_connection_dropped_after_sending_is_unknown(alice_client):
    faults.inject("resellerclienttopup", "reset")
    unknown = outcome_entry(top_up(alice_client))
    assert unknown.status == Status.UNKNOWN
    assert "connection to mSpace broke" in unknown.detail
    assert top_up_calls().get().credit_moved
    assert account("alice", "Mama Mboga Traders").balance == 1700


def test_a_refused_connection_is_a_failure_and_nothing_moved(alice_client):
    data = a_top_up(alice_client)
    faults.inject("resellerclienttopup", "refuse")
    failed = outcome_entry(alice_client.post(CLIENT_TOPUP, data))
    assert failed.status == Status.FAILED
    assert "could not be reached, so the top-up was not sent" in failed.detail
    assert top_up_calls().count() == 0  # it never arrived
    assert account("alice", "Mama Mboga Traders").balance == 1200
    assert reseller("alice").balance == 5000


@pytest.mark.parametrize("kind", ["garbage", "html", "http500", "empty", "truncated"])
def test_an_answer_that_makes_no_sense_is_never_taken_for_success(alice_client, kind):
    faults.inject("resellerclienttopup", kind)
    unclear = outcome_entry(top_up(alice_client))
    assert unclear.status == Status.UNKNOWN
    assert unclear.detail.startswith("We don't know whether it went through")
    assert top_up_calls().count() == 1


def test_a_slow_answer_within_the_timeout_is_a_success(alice_client):
    faults.inject("resellerclienttopup", "slow", delay=0.05)
    assert outcome_entry(top_up(alice_client)).status == Status.SUCCEEDED


@override_settings(MSPACE_TIMEOUT=0.3)
def test_an_unknown_top_up_blocks_further_top_ups_of_that_account(alice_client):
    faults.inject("resellerclienttopup", "hang", delay=0.35, times=1)
    unknown = outcome_entry(top_up(alice_client, "Mama Mboga Traders", "500"))

    response = top_up(alice_client, "Mama Mboga Traders", "100")
    assert response.status_code == 200
    html = response.content.decode()
    assert "We don't know whether your last top-up of Mama Mboga Traders" in html
    assert f'href="/activity/{unknown.pk}/"' in html
    assert 'id="id_name_error"' in html
    assert LedgerEntry.objects.count() == 1
    assert top_up_calls().count() == 1

    other = outcome_entry(top_up(alice_client, "Jinja Fish", "100"))
    assert other.status == Status.SUCCEEDED


def test_a_top_up_abandoned_mid_call_counts_as_unknown(alice_client):
    stuck = entry(tenant("alice"), status=Status.PENDING, amount=50)
    LedgerEntry.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    html = alice_client.get(f"/topups/{stuck.pk}/").content.decode()
    assert "Top-up of Mama Mboga Traders: outcome unknown" in html
    assert "We don't know whether it went through: the app stopped" in html
    assert 'value="check"' in html
    blocked = top_up(alice_client).content.decode()
    assert "We don't know whether your last top-up of Mama Mboga Traders" in blocked


def test_the_gateway_password_is_never_written_to_the_ledger(alice_client):
    from tests.conftest import ALICE_PASSWORD

    faults.inject("resellerclienttopup", "html", times=1)
    outcome_entry(top_up(alice_client, noofsms="10"))
    outcome_entry(top_up(alice_client, "Jinja Fish", "10"))
    for row in LedgerEntry.objects.values():
        assert not any(ALICE_PASSWORD in str(value) for value in row.values())
