"""The ledger's own rules: a one-time key claims one row, one open top-up per account, a call
made once and settled whatever happens, and an unknown outcome resolved only once."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging import ledger
from messaging.acting import Acting
from messaging.models import LedgerEntry
from messaging.mspace import (
    GatewayError,
    GatewayUnavailableError,
    InsufficientBalanceError,
    OutcomeUnknownError,
    SendResult,
    TopUpFailedError,
)
from tests.topup_helpers import all_at_once, tenant

Status = LedgerEntry.Status
Kind = LedgerEntry.Kind


@pytest.fixture
def alice_user(db):
    return tenant("alice")


def claim(reseller, key=None, target="Mama Mboga Traders", kind=Kind.CLIENT_TOP_UP, **details):
    return ledger.claim(
        acting=Acting(reseller, gateway=None, actor_name=reseller.username),
        form_key=key or uuid.uuid4(),
        kind=kind,
        target=target,
        amount=500,
        **details,
    )


def test_a_claim_writes_a_pending_row_with_the_balances_before(alice_user):
    entry = claim(alice_user, balance_before=5000, target_balance_before=1200)
    assert entry.status == Status.PENDING
    assert (entry.balance_before, entry.target_balance_before) == (5000, 1200)
    assert entry.completed_at is None


def test_a_key_claimed_twice_raises_with_the_first_row(alice_user):
    key = uuid.uuid4()
    first = claim(alice_user, key)
    with pytest.raises(ledger.AlreadyClaimed) as raised:
        claim(alice_user, key, target="Jinja Fish")
    assert raised.value.entry == first
    assert LedgerEntry.objects.count() == 1


def test_another_resellers_key_is_used_but_their_row_is_not_handed_out(alice_user):
    key = uuid.uuid4()
    claim(tenant("bob"), key, target="Bob Client")
    with pytest.raises(ledger.AlreadyClaimed) as raised:
        claim(alice_user, key)
    assert raised.value.entry is None


def test_find_claimed_only_finds_the_resellers_own_key(alice_user):
    key = uuid.uuid4()
    mine = claim(alice_user, key)
    assert ledger.find_claimed(alice_user, key) == mine
    assert ledger.find_claimed(tenant("bob"), key) is None
    assert ledger.find_claimed(alice_user, uuid.uuid4()) is None


@pytest.mark.parametrize("open_status", [Status.PENDING, Status.UNKNOWN])
def test_an_open_top_up_of_an_account_blocks_a_second_claim(alice_user, open_status):
    first = claim(alice_user)
    LedgerEntry.objects.filter(pk=first.pk).update(status=open_status)
    with pytest.raises(ledger.UnsettledTopUp) as raised:
        claim(alice_user)
    assert raised.value.entry == first
    assert LedgerEntry.objects.count() == 1


def test_a_top_up_settled_between_the_conflict_and_its_lookup_still_blocks_this_claim(
    alice_user, monkeypatch
):
    """The race CI met on PostgreSQL: another worker's top-up of the account is open when this
    claim's INSERT meets the constraint, and settled (its call took milliseconds) before the
    claim looks for it. Still no claim, and no bare IntegrityError: this intent's balances were
    read before that credit moved, so it must be checked again."""
    first = claim(alice_user)
    looked_up = ledger.open_top_up

    def settled_just_before_the_lookup(*args):
        ledger.settle(first, Status.SUCCEEDED)
        return looked_up(*args)

    monkeypatch.setattr(ledger, "open_top_up", settled_just_before_the_lookup)
    with pytest.raises(ledger.UnsettledTopUp) as raised:
        claim(alice_user)
    assert raised.value.entry == first
    assert raised.value.entry.status == Status.SUCCEEDED
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize("done", [Status.SUCCEEDED, Status.FAILED])
def test_a_settled_top_up_does_not_block_the_next(alice_user, done):
    ledger.settle(claim(alice_user), done)
    claim(alice_user)
    assert LedgerEntry.objects.count() == 2


def test_open_top_ups_of_different_accounts_or_books_do_not_block_each_other(alice_user):
    claim(alice_user, target="Mama Mboga Traders")
    claim(alice_user, target="Jinja Fish")
    claim(alice_user, target="Mama Mboga Traders", kind=Kind.SUB_ACCOUNT_TOP_UP)
    claim(tenant("bob"), target="Mama Mboga Traders")
    assert LedgerEntry.objects.filter(status=Status.PENDING).count() == 4


def test_test_sms_to_one_number_are_never_blocked_by_each_other(alice_user):
    claim(alice_user, kind=Kind.TEST_SMS, target="254712345678")
    claim(alice_user, kind=Kind.TEST_SMS, target="254712345678")
    assert LedgerEntry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_five_threads_claiming_one_key_write_one_row():
    reseller = tenant("alice")
    key = uuid.uuid4()

    def try_to_claim():
        try:
            return claim(reseller, key).pk
        except ledger.AlreadyClaimed as claimed:
            return ("already", claimed.entry.pk)

    results = all_at_once([try_to_claim] * 5)
    only = LedgerEntry.objects.get()
    assert results.count(only.pk) == 1
    assert results.count(("already", only.pk)) == 4


@pytest.mark.django_db(transaction=True)
def test_five_threads_topping_up_one_account_with_different_forms_open_one():
    reseller = tenant("alice")

    def try_to_claim():
        try:
            return claim(reseller).pk
        except ledger.UnsettledTopUp as busy:
            return ("busy", busy.entry.pk)

    results = all_at_once([try_to_claim] * 5)
    only = LedgerEntry.objects.get()
    assert results.count(only.pk) == 1
    assert results.count(("busy", only.pk)) == 4


# --- record_call -----------------------------------------------------------------------------


def test_a_confirmed_top_up_is_settled_as_succeeded(alice_user):
    entry = ledger.record_call(claim(alice_user), lambda: "Successful Top up of 500 SMS to X")
    assert entry.status == Status.SUCCEEDED
    assert entry.gateway_reply == "Successful Top up of 500 SMS to X"
    assert entry.completed_at is not None


def test_a_sent_test_sms_keeps_its_message_id(alice_user):
    sms = claim(alice_user, kind=Kind.TEST_SMS, target="254712345678")
    entry = ledger.record_call(sms, lambda: SendResult("12345", "successful", "2026-11-25"))
    assert (entry.status, entry.message_id) == (Status.SUCCEEDED, "12345")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InsufficientBalanceError(reply="Insufficient Balance"), Status.FAILED),
        (TopUpFailedError("mSpace says the top-up was not successful."), Status.FAILED),
        (GatewayUnavailableError("mSpace could not be reached."), Status.FAILED),
        (OutcomeUnknownError("mSpace did not answer in time."), Status.UNKNOWN),
        (GatewayError("mSpace reported an internal error."), Status.UNKNOWN),
    ],
)
def test_a_gateway_error_settles_the_row_by_what_it_implies(alice_user, error, status):
    def call():
        raise error

    entry = ledger.record_call(claim(alice_user), call)
    assert entry.status == status
    assert entry.detail == error.message
    assert entry.gateway_reply == error.reply


def test_explain_words_the_detail(alice_user):
    def call():
        raise InsufficientBalanceError()

    entry = ledger.record_call(claim(alice_user), call, explain=lambda e: f"said: {e.kind}")
    assert entry.detail == "said: insufficient"


def test_a_crash_during_the_call_leaves_the_row_unknown_and_is_raised(alice_user):
    def call():
        raise RuntimeError("worker killed")

    entry = claim(alice_user)
    with pytest.raises(RuntimeError):
        ledger.record_call(entry, call)
    entry.refresh_from_db()
    assert entry.status == Status.UNKNOWN


def test_the_call_is_made_exactly_once(alice_user):
    calls = []

    def call():
        calls.append(1)
        raise OutcomeUnknownError()

    ledger.record_call(claim(alice_user), call)
    assert calls == [1]


def test_settling_twice_keeps_the_first_outcome(alice_user):
    entry = claim(alice_user)
    ledger.settle(entry, Status.SUCCEEDED, reply="ok")
    ledger.settle(entry, Status.FAILED, detail="later")
    assert (entry.status, entry.detail) == (Status.SUCCEEDED, "")


def test_a_long_reply_is_shortened(alice_user):
    entry = ledger.record_call(claim(alice_user), lambda: "x" * 5000)
    assert len(entry.gateway_reply) == 500


# --- Unknown outcomes ------------------------------------------------------------------------


def unknown(reseller, **fields):
    entry = claim(reseller, **fields)
    ledger.settle(entry, Status.UNKNOWN, detail="mSpace did not answer in time.")
    return entry


def test_an_unknown_entry_is_resolved_once(alice_user):
    entry = unknown(alice_user)
    assert ledger.resolve(entry, Status.SUCCEEDED, by="alice", note="checked")
    assert (entry.status, entry.reconciled_by, entry.reconcile_note) == (
        Status.SUCCEEDED,
        "alice",
        "checked",
    )
    assert entry.reconciled_at is not None
    assert entry.detail == "mSpace did not answer in time."  # the original reason stays
    assert not ledger.resolve(entry, Status.FAILED, by="alice", note="again")
    assert entry.status == Status.SUCCEEDED


@pytest.mark.parametrize("done", [Status.SUCCEEDED, Status.FAILED])
def test_a_settled_entry_cannot_be_resolved(alice_user, done):
    entry = claim(alice_user)
    ledger.settle(entry, done)
    assert not ledger.resolve(entry, Status.SUCCEEDED, by="alice", note="x")
    assert entry.status == done


def test_a_pending_entry_still_in_flight_cannot_be_resolved(alice_user):
    entry = claim(alice_user)
    assert not ledger.needs_checking(entry)
    assert not ledger.resolve(entry, Status.FAILED, by="alice", note="x")
    assert entry.status == Status.PENDING


def test_a_pending_entry_abandoned_long_ago_needs_checking_and_can_be_resolved(alice_user):
    entry = claim(alice_user)
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    entry.refresh_from_db()
    assert ledger.needs_checking(entry)
    assert list(ledger.needing_a_check()) == [entry]
    assert ledger.resolve(entry, Status.FAILED, by="alice", note="checked")


def test_an_unknown_outcome_is_only_resolved_as_succeeded_or_failed(alice_user):
    with pytest.raises(ValueError):
        ledger.resolve(unknown(alice_user), Status.PENDING, by="alice", note="x")


def test_a_check_that_settles_nothing_is_noted_and_the_entry_stays_unknown(alice_user):
    entry = unknown(alice_user)
    ledger.note_check(entry, by="alice (balance check)", note="balance changed by +3")
    assert entry.status == Status.UNKNOWN
    assert entry.reconcile_note == "balance changed by +3"
    assert ledger.needs_checking(entry)


def test_resolving_an_unknown_top_up_lets_the_account_be_topped_up_again(alice_user):
    entry = unknown(alice_user)
    with pytest.raises(ledger.UnsettledTopUp):
        claim(alice_user)
    ledger.resolve(entry, Status.FAILED, by="alice", note="checked")
    claim(alice_user)
