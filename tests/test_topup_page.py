"""The top-up pages: the form with its balances, a top-up that works, and its outcome page."""

import pytest

from messaging.models import LedgerEntry
from simulator.models import SimAccount
from tests.topup_helpers import (
    CLIENT_TOPUP,
    SUBACCOUNT_TOPUP,
    a_top_up,
    account,
    entry,
    form_key,
    outcome_entry,
    reseller,
    tenant,
    top_up,
    top_up_calls,
)

Status = LedgerEntry.Status


def test_it_shows_the_resellers_balance_and_every_client(alice_client):
    page = alice_client.get(CLIENT_TOPUP).content.decode()
    assert "Top up a client" in page
    assert "5,000" in page
    assert '<option value="Mama Mboga Traders" data-balance="1200">' in page
    assert '<option value="Jinja Fish" data-balance="0">' in page
    assert 'name="form_key"' in page


def test_it_preselects_the_client_named_in_the_address(alice_client):
    page = alice_client.get(CLIENT_TOPUP, {"name": "Kampala Boda Riders"}).content.decode()
    assert '<option value="Kampala Boda Riders" data-balance="40" selected>' in page
    assert page.count(" selected>") == 1
    assert "<dt data-target-label>Kampala Boda Riders</dt>" in page


def test_it_shows_both_balances_after_the_top_up_when_the_amount_is_given(alice_client):
    page = alice_client.get(CLIENT_TOPUP, {"name": "Mama Mboga Traders", "noofsms": "500"})
    html = page.content.decode()
    assert 'data-after="reseller">4,500<' in html
    assert 'data-after="target">1,700<' in html


def test_it_previews_nothing_for_an_amount_it_would_refuse(alice_client):
    html = alice_client.get(
        CLIENT_TOPUP, {"name": "Mama Mboga Traders", "noofsms": "9999"}
    ).content.decode()
    assert 'data-after="reseller"></strong>' in html
    assert "-4,999" not in html


def test_it_says_so_when_the_named_client_is_not_in_the_list(alice_client):
    page = alice_client.get(CLIENT_TOPUP, {"name": "<b>Nobody</b>"}).content.decode()
    assert "is not one of your clients on mSpace" in page
    assert "&lt;b&gt;Nobody&lt;/b&gt;" in page
    assert " selected>" not in page


def test_the_sub_account_form_lists_sub_accounts(alice_client):
    page = alice_client.get(SUBACCOUNT_TOPUP, {"name": "alice-kampala"}).content.decode()
    assert "Top up a sub-account" in page
    assert '<option value="alice-kampala" data-balance="15" selected>' in page
    assert "Mama Mboga Traders" not in page


def test_it_needs_a_logged_in_reseller(client, alice):
    response = client.get(CLIENT_TOPUP)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_top_up_moves_the_credit_and_redirects_to_its_outcome(alice_client):
    response = top_up(alice_client, "Mama Mboga Traders", "500")
    topped_up = outcome_entry(response)
    assert topped_up.status == Status.SUCCEEDED
    assert topped_up.kind == LedgerEntry.Kind.CLIENT_TOP_UP
    assert (topped_up.target, topped_up.amount) == ("Mama Mboga Traders", 500)
    assert (topped_up.balance_before, topped_up.target_balance_before) == (5000, 1200)
    assert topped_up.gateway_reply == "Successful Top up of 500 SMS to Mama Mboga Traders"
    assert topped_up.completed_at is not None
    assert reseller("alice").balance == 4500
    assert account("alice", "Mama Mboga Traders").balance == 1700
    assert top_up_calls().count() == 1


def test_the_outcome_page_says_what_happened_and_shows_the_new_balances(alice_client):
    alice_client.get(CLIENT_TOPUP)  # balances read (and cached) before the top-up
    response = top_up(alice_client, "Mama Mboga Traders", "500")
    page = alice_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Topped up Mama Mboga Traders with 500 SMS." in html
    assert '<dd class="topup-balance-now"><span class="num">4,500</span> SMS</dd>' in html
    assert '<dd class="topup-target-now"><span class="num">1,700</span> SMS</dd>' in html


def test_a_sub_account_top_up_uses_the_sub_account_method(alice_client):
    response = top_up(alice_client, "alice-kampala", "15", url=SUBACCOUNT_TOPUP)
    topped_up = outcome_entry(response)
    assert topped_up.status == Status.SUCCEEDED
    assert topped_up.kind == LedgerEntry.Kind.SUB_ACCOUNT_TOP_UP
    assert top_up_calls("subacctopup").count() == 1
    assert top_up_calls("resellerclienttopup").count() == 0
    assert account("alice", "alice-kampala").balance == 30


def test_leading_zeros_move_the_number_they_stand_for(alice_client):
    topped_up = outcome_entry(top_up(alice_client, "Jinja Fish", "007"))
    assert topped_up.amount == 7
    assert account("alice", "Jinja Fish").balance == 7


def test_names_with_awkward_characters_arrive_intact(alice_client):
    SimAccount.objects.create(
        username="Mombasa Spice & Tea / 24%", balance=3, parent=reseller("alice"), relation="client"
    )
    topped_up = outcome_entry(top_up(alice_client, "Mombasa Spice & Tea / 24%", "10"))
    assert topped_up.status == Status.SUCCEEDED
    assert account("alice", "Mombasa Spice & Tea / 24%").balance == 13


def test_the_ledger_row_is_pending_before_mspace_is_asked(alice_client, monkeypatch):
    from messaging.gateway import Gateway

    seen = []
    real = Gateway.call

    def watched(self, method, *args):
        if method.moves_credit:
            seen.append(list(LedgerEntry.objects.values_list("status", "target", "amount")))
        return real(self, method, *args)

    monkeypatch.setattr(Gateway, "call", watched)
    outcome_entry(top_up(alice_client, "Mama Mboga Traders", "500"))
    assert seen == [[(Status.PENDING, "Mama Mboga Traders", 500)]]


def test_the_outcome_page_of_a_top_up_still_in_progress_asks_to_wait(alice_client):
    pending = entry(tenant("alice"), status=Status.PENDING)
    html = alice_client.get(f"/topups/{pending.pk}/").content.decode()
    assert "Still in progress" in html
    assert f'href="/topups/{pending.pk}/">Refresh this page' in html
    assert "data-still-in-progress" in html
    assert "Top up Mama Mboga Traders again" not in html


def test_another_resellers_outcome_page_is_not_found(alice_client, bob):
    theirs = entry(tenant("bob"), target="Bob Client")
    assert alice_client.get(f"/topups/{theirs.pk}/").status_code == 404


def test_a_test_sms_has_no_top_up_outcome_page(alice_client):
    sms = entry(tenant("alice"), kind=LedgerEntry.Kind.TEST_SMS, target="254712345678", amount=1)
    assert alice_client.get(f"/topups/{sms.pk}/").status_code == 404


def test_the_outcome_page_says_when_balances_cannot_be_read_now(alice_client):
    from simulator import faults

    topped_up = outcome_entry(top_up(alice_client))
    faults.inject("balance", "http500")
    page = alice_client.get(f"/topups/{topped_up.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Topped up Mama Mboga Traders with 500 SMS." in html
    assert "Could not read your balances now" in html


@pytest.mark.parametrize("method", ["put", "delete"])
def test_it_answers_only_get_and_post(alice_client, method):
    assert getattr(alice_client, method)(CLIENT_TOPUP).status_code == 405


def test_the_page_carries_its_script_from_its_own_file(alice_client):
    html = alice_client.get(CLIENT_TOPUP).content.decode()
    assert 'src="/static/js/topup.js" defer' in html
    assert "<script>" not in html


def test_a_form_posted_with_a_fresh_key_from_the_page_is_accepted(alice_client):
    data = a_top_up(alice_client)
    assert data["form_key"] != form_key(alice_client)
    assert outcome_entry(alice_client.post(CLIENT_TOPUP, data)).status == Status.SUCCEEDED
