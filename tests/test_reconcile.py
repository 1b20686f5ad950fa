"""Settling unknown outcomes: by re-reading balances, by hand, and the monitoring command."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from messaging import ledger, reconcile
from messaging.models import LedgerEntry
from simulator import faults
from simulator.models import SimAccount
from tests.conftest import ALICE_PASSWORD
from tests.topup_helpers import account, entry, outcome_entry, tenant, top_up, top_up_calls

Status = LedgerEntry.Status
A_WHILE_AGO = timedelta(minutes=5)


def made_earlier(some_entry, by=A_WHILE_AGO):
    LedgerEntry.objects.filter(pk=some_entry.pk).update(created_at=timezone.now() - by)
    some_entry.refresh_from_db()
    return some_entry


def check_now(client, some_entry, **extra):
    return client.post(
        f"/activity/{some_entry.pk}/reconcile/", {"action": "check", **extra}, follow=True
    )


# --- judge: the arithmetic, on its own -------------------------------------------------------


def an_unknown(**fields):
    values = {
        "target": "Mama Mboga Traders",
        "amount": 500,
        "target_balance_before": 1200,
        "balance_before": 5000,
        "created_at": timezone.now() - A_WHILE_AGO,
        **fields,
    }
    return LedgerEntry(kind=LedgerEntry.Kind.CLIENT_TOP_UP, status=Status.UNKNOWN, **values)


def test_a_balance_risen_by_exactly_the_amount_means_it_went_through():
    finding = reconcile.judge(an_unknown(), target_balance_now=1700, balance_now=4500)
    assert finding.status == Status.SUCCEEDED
    assert "rose by exactly 500 SMS (from 1,200 to 1,700)" in finding.note
    assert "Your own balance changed by -500 SMS" in finding.note


def test_an_unchanged_balance_means_it_did_not():
    finding = reconcile.judge(an_unknown(), target_balance_now=1200)
    assert finding.status == Status.FAILED
    assert "still 1,200 SMS" in finding.note


def test_an_unchanged_balance_right_after_the_call_is_too_soon_to_say():
    just_now = an_unknown(created_at=timezone.now() - timedelta(seconds=5))
    finding = reconcile.judge(just_now, target_balance_now=1200)
    assert finding.status is None
    assert "Check again in a minute" in finding.note


@pytest.mark.parametrize(("now", "change"), [(1650, "+450"), (1100, "-100"), (2200, "+1,000")])
def test_any_other_change_is_left_for_a_person(now, change):
    finding = reconcile.judge(an_unknown(), target_balance_now=now)
    assert finding.status is None
    assert f"changed by {change} SMS since" in finding.note
    assert "please check with mSpace" in finding.note


def test_an_account_gone_from_the_list_is_left_for_a_person():
    finding = reconcile.judge(an_unknown(), target_balance_now=None)
    assert finding.status is None
    assert "no longer in your list" in finding.note


def test_without_a_balance_from_before_nothing_can_be_decided():
    finding = reconcile.judge(an_unknown(target_balance_before=None), target_balance_now=1700)
    assert finding.status is None


# --- Check now, through the page, against the simulator -------------------------------------


@override_settings(MSPACE_TIMEOUT=0.3)
def test_a_timed_out_top_up_that_went_through_is_found_to_have_succeeded(alice_client):
    faults.inject("resellerclienttopup", "hang", delay=0.35, times=1)
    unknown = outcome_entry(top_up(alice_client, "Mama Mboga Traders", "500"))
    assert unknown.status == Status.UNKNOWN

    page = check_now(alice_client, unknown)

    unknown.refresh_from_db()
    assert unknown.status == Status.SUCCEEDED
    assert unknown.reconciled_by == "alice (balance check)"
    assert unknown.reconciled_at is not None
    assert "rose by exactly 500 SMS" in unknown.reconcile_note
    assert page.redirect_chain == [(f"/activity/{unknown.pk}/", 303)]
    assert "It went through" in page.content.decode()
    assert top_up_calls().count() == 1  # checking never tops up


def test_an_unknown_top_up_that_did_not_go_through_is_found_to_have_failed(alice_client):
    faults.inject("resellerclienttopup", "http500", times=1)  # answered before doing anything
    unknown = made_earlier(outcome_entry(top_up(alice_client, "Mama Mboga Traders", "500")))
    assert unknown.status == Status.UNKNOWN
    assert account("alice", "Mama Mboga Traders").balance == 1200

    check_now(alice_client, unknown)

    unknown.refresh_from_db()
    assert unknown.status == Status.FAILED
    assert "still 1,200 SMS" in unknown.reconcile_note
    # And the account can be topped up again.
    assert outcome_entry(top_up(alice_client, "Mama Mboga Traders", "500")).status == (
        Status.SUCCEEDED
    )


def test_an_unchanged_balance_right_after_the_call_is_left_unknown(alice_client):
    faults.inject("resellerclienttopup", "http500", times=1)
    unknown = outcome_entry(top_up(alice_client))
    page = check_now(alice_client, unknown).content.decode()
    unknown.refresh_from_db()
    assert unknown.status == Status.UNKNOWN
    assert "Check again in a minute" in page


def test_a_balance_that_moved_otherwise_is_left_for_a_person_with_a_note(alice_client):
    faults.inject("resellerclienttopup", "reset", times=1)
    unknown = outcome_entry(top_up(alice_client, "Mama Mboga Traders", "500"))
    # The client sent 30 SMS of its own meanwhile.
    SimAccount.objects.filter(pk=account("alice", "Mama Mboga Traders").pk).update(balance=1670)

    page = check_now(alice_client, unknown).content.decode()

    unknown.refresh_from_db()
    assert unknown.status == Status.UNKNOWN
    assert "changed by +470 SMS since" in unknown.reconcile_note
    assert "please check with mSpace" in page
    assert unknown.reconciled_by == "alice (balance check)"
    assert 'value="went_through"' in page  # still offered the buttons


def test_a_check_that_cannot_read_mspace_changes_nothing(alice_client):
    faults.inject("resellerclienttopup", "reset", times=1)
    unknown = outcome_entry(top_up(alice_client))
    faults.inject("resellerclients", "refuse")
    page = check_now(alice_client, unknown).content.decode()
    unknown.refresh_from_db()
    assert unknown.status == Status.UNKNOWN
    assert "Could not check with mSpace" in page


def test_checking_from_the_outcome_page_returns_to_it(alice_client):
    faults.inject("resellerclienttopup", "reset", times=1)
    unknown = outcome_entry(top_up(alice_client))
    page = check_now(alice_client, unknown, back="outcome")
    assert page.redirect_chain == [(f"/topups/{unknown.pk}/", 303)]
    assert "Topped up Mama Mboga Traders with 500 SMS." in page.content.decode()


# --- By hand ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "said"),
    [
        ("went_through", Status.SUCCEEDED, "it went through"),
        ("did_not_go_through", Status.FAILED, "it did not go through"),
    ],
)
def test_the_reseller_can_settle_it_by_hand_after_checking(alice_client, action, status, said):
    unknown = entry(tenant("alice"), status=Status.UNKNOWN)
    page = alice_client.post(
        f"/activity/{unknown.pk}/reconcile/", {"action": action}, follow=True
    ).content.decode()
    unknown.refresh_from_db()
    assert unknown.status == status
    assert unknown.reconciled_by == "alice"
    assert unknown.reconciled_at is not None
    assert unknown.reconcile_note.startswith("Marked by hand by alice on ")
    assert unknown.reconcile_note.endswith(f": {said}.")
    assert "Marked by hand by alice" in page


def test_a_test_sms_can_only_be_settled_by_hand(alice_client):
    sms = entry(
        tenant("alice"),
        kind=LedgerEntry.Kind.TEST_SMS,
        target="254712345678",
        amount=1,
        status=Status.UNKNOWN,
    )
    page = alice_client.get(f"/activity/{sms.pk}/").content.decode()
    assert 'value="check"' not in page
    assert 'value="went_through"' in page
    alice_client.post(f"/activity/{sms.pk}/reconcile/", {"action": "check"})
    sms.refresh_from_db()
    assert sms.status == Status.UNKNOWN


def test_a_settled_entry_is_not_changed_by_a_late_click(alice_client):
    done = entry(tenant("alice"), status=Status.SUCCEEDED)
    page = alice_client.post(
        f"/activity/{done.pk}/reconcile/", {"action": "did_not_go_through"}, follow=True
    ).content.decode()
    done.refresh_from_db()
    assert done.status == Status.SUCCEEDED
    assert done.reconciled_at is None
    assert "already settled" in page


def test_a_top_up_still_in_flight_cannot_be_settled(alice_client):
    in_flight = entry(tenant("alice"), status=Status.PENDING)
    alice_client.post(f"/activity/{in_flight.pk}/reconcile/", {"action": "went_through"})
    in_flight.refresh_from_db()
    assert in_flight.status == Status.PENDING


def test_an_unknown_action_changes_nothing(alice_client):
    unknown = entry(tenant("alice"), status=Status.UNKNOWN)
    response = alice_client.post(f"/activity/{unknown.pk}/reconcile/", {"action": "delete"})
    assert response.status_code == 303
    unknown.refresh_from_db()
    assert unknown.status == Status.UNKNOWN


def test_reconciling_is_a_post(alice_client):
    unknown = entry(tenant("alice"), status=Status.UNKNOWN)
    assert alice_client.get(f"/activity/{unknown.pk}/reconcile/").status_code == 405


def test_reconciling_needs_the_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)
    login_page = browser.get("/accounts/login/")
    token = login_page.cookies["csrftoken"].value
    logged_in = browser.post(
        "/accounts/login/",
        {"username": "alice", "password": ALICE_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert logged_in.status_code == 302
    unknown = entry(tenant("alice"), status=Status.UNKNOWN)
    forged = browser.post(f"/activity/{unknown.pk}/reconcile/", {"action": "went_through"})
    assert forged.status_code == 403
    unknown.refresh_from_db()
    assert unknown.status == Status.UNKNOWN


def test_another_reseller_cannot_settle_alices_entry(alice, bob_client):
    alices = entry(tenant("alice"), status=Status.UNKNOWN)
    response = bob_client.post(f"/activity/{alices.pk}/reconcile/", {"action": "went_through"})
    assert response.status_code == 404
    alices.refresh_from_db()
    assert alices.status == Status.UNKNOWN


# --- The monitoring command -----------------------------------------------------------------


def run_command(*args):
    out = io.StringIO()
    call_command("reconcile_unknown", *args, stdout=out)
    return out.getvalue()


def test_the_command_lists_old_unknown_outcomes_and_fails(db):
    old = made_earlier(
        entry(tenant("alice"), status=Status.UNKNOWN, detail="timed out"), by=timedelta(hours=1)
    )
    made_earlier(
        entry(tenant("bob"), status=Status.UNKNOWN, target="Bob Client"), by=timedelta(minutes=2)
    )
    with pytest.raises(CommandError) as raised:
        out = io.StringIO()
        call_command("reconcile_unknown", "--older-than", "30", stdout=out)
    assert raised.value.returncode == 1
    assert "1 ledger entry" in str(raised.value)
    listed = out.getvalue()
    assert f"#{old.pk}\t" in listed
    assert "alice\tclient top-up\tMama Mboga Traders\t100\tunknown\ttimed out" in listed
    assert "Bob Client" not in listed


def test_the_command_lists_top_ups_abandoned_mid_call(db):
    stuck = made_earlier(entry(tenant("alice"), status=Status.PENDING), by=timedelta(hours=2))
    with pytest.raises(CommandError):
        out = io.StringIO()
        call_command("reconcile_unknown", stdout=out)
    assert f"#{stuck.pk}\t" in out.getvalue()


def test_the_command_is_quiet_and_succeeds_when_nothing_is_unknown(db):
    entry(tenant("alice"), status=Status.SUCCEEDED)
    made_earlier(
        entry(tenant("alice"), status=Status.FAILED, target="Jinja Fish"), by=timedelta(days=1)
    )
    assert run_command("--older-than", "0") == "No unknown outcomes older than 0 minutes.\n"


def test_the_command_keeps_control_characters_off_the_terminal(db):
    made_earlier(
        entry(tenant("alice"), status=Status.UNKNOWN, target="Evil\x1b[2JClient\nname"),
        by=timedelta(hours=1),
    )
    with pytest.raises(CommandError):
        out = io.StringIO()
        call_command("reconcile_unknown", stdout=out)
    assert "\x1b" not in out.getvalue()
    assert out.getvalue().count("\n") == 1


def test_the_command_says_why_it_cannot_settle_the_others_itself():
    from messaging.management.commands.reconcile_unknown import Command

    assert "password" in Command.help
    assert "session" in Command.help
    assert "standing credential" in Command.help


def _mama_mboga_now() -> int:
    return int(
        SimAccount.objects.get(parent__username="alice", username="Mama Mboga Traders").balance
    )


def test_the_command_settles_a_watching_resellers_top_ups_from_the_balances(alice):
    from tests.watch_helpers import start_watching

    start_watching("alice", ALICE_PASSWORD)
    now = _mama_mboga_now()
    went = made_earlier(
        entry(tenant("alice"), status=Status.UNKNOWN, amount=500, target_balance_before=now - 500),
        by=timedelta(hours=1),
    )

    said = run_command()

    went.refresh_from_db()
    assert said == (
        f"settled #{went.pk} as succeeded: {went.reconcile_note}\n"
        "No unknown outcomes older than 30 minutes.\n"
    )
    assert went.status == Status.SUCCEEDED
    assert went.reconciled_by == "reconcile_unknown (balance check)"
    assert "rose by exactly 500" in went.reconcile_note
    assert not top_up_calls().exists()  # read, never topped up again


def test_the_command_lists_what_balances_cannot_decide(alice, bob):
    from tests.watch_helpers import start_watching

    start_watching("alice", ALICE_PASSWORD)
    now = _mama_mboga_now()
    unchanged = made_earlier(
        entry(tenant("alice"), status=Status.UNKNOWN, target_balance_before=now),
        by=timedelta(hours=1),
    )
    muddied = made_earlier(
        entry(tenant("alice"), status=Status.UNKNOWN, target="Jinja Fish", target_balance_before=1),
        by=timedelta(hours=1),
    )
    a_send = made_earlier(
        entry(
            tenant("alice"),
            kind=LedgerEntry.Kind.TEST_SMS,
            status=Status.UNKNOWN,
            target="254712345678",
        ),
        by=timedelta(hours=1),
    )
    not_watching = made_earlier(
        entry(tenant("bob"), status=Status.UNKNOWN, target="Bob Client"), by=timedelta(hours=1)
    )

    with pytest.raises(CommandError) as raised:
        out = io.StringIO()
        call_command("reconcile_unknown", stdout=out)

    said = out.getvalue()
    assert f"settled #{unchanged.pk} as failed" in said  # unchanged long after: it did not
    assert "3 ledger entries" in str(raised.value)
    for left in (muddied, a_send, not_watching):
        assert f"#{left.pk}\t" in said
        left.refresh_from_db()
        assert left.status == Status.UNKNOWN


def test_ledger_resolution_and_the_command_agree(db):
    unknown = made_earlier(entry(tenant("alice"), status=Status.UNKNOWN), by=timedelta(hours=1))
    ledger.resolve(unknown, Status.SUCCEEDED, by="alice", note="checked")
    assert run_command().startswith("No unknown outcomes")
