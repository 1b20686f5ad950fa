"""Refill rules: checked in each watch round, once per crossing, within their caps, paused
after a refill that failed or whose outcome is unknown."""

import datetime
import uuid

import pytest

from batches import refills
from batches.models import Refill, RefillRule
from messaging.models import LedgerEntry
from simulator import faults
from tests.batch_helpers import credited
from tests.conftest import ALICE_PASSWORD
from tests.watch_helpers import set_balance, set_own_balance, start_watching
from watch import rounds

pytestmark = pytest.mark.django_db
Status = LedgerEntry.Status


@pytest.fixture
def rule(alice):
    user = start_watching("alice", ALICE_PASSWORD)
    return RefillRule.objects.create(
        reseller=user,
        book="clients",
        target="Kampala Boda Riders",
        below=100,
        amount=200,
        times_a_day=2,
        sms_a_month=1000,
        reserve=1000,
        key=uuid.uuid4(),
        by="alice",
    )


def round_of_alice():
    rounds.watch_reseller(RefillRule.objects.get().reseller_id)


def test_a_round_that_finds_the_balance_below_refills_once(rule):
    round_of_alice()  # 40 < 100
    round_of_alice()  # 240 now: nothing
    set_balance("alice", "Kampala Boda Riders", 90)  # still the same crossing? no: it rose
    round_of_alice()

    entries = LedgerEntry.objects.order_by("id")
    assert [(e.target, e.amount, e.status) for e in entries] == [
        ("Kampala Boda Riders", 200, Status.SUCCEEDED),
        ("Kampala Boda Riders", 200, Status.SUCCEEDED),
    ]
    assert credited("Kampala Boda Riders").count() == 2


def test_it_fires_once_per_crossing_while_the_balance_stays_below(rule):
    RefillRule.objects.filter(pk=rule.pk).update(amount=10)  # 40 + 10 is still below 100
    round_of_alice()
    round_of_alice()
    round_of_alice()

    assert credited().count() == 1
    assert LedgerEntry.objects.get().form_key == refills.keys.for_refill(rule.key, 0)


def test_at_most_times_a_day(rule):
    for _ in range(4):
        round_of_alice()  # refilled to 240
        set_balance("alice", "Kampala Boda Riders", 150)
        round_of_alice()  # above: a new crossing
        set_balance("alice", "Kampala Boda Riders", 40)

    assert credited().count() == 2
    assert "2 times today" in RefillRule.objects.get().held_back


def test_at_most_sms_a_month(rule):
    RefillRule.objects.filter(pk=rule.pk).update(sms_a_month=300, times_a_day=10)
    for _ in range(3):
        round_of_alice()
        set_balance("alice", "Kampala Boda Riders", 150)
        round_of_alice()
        set_balance("alice", "Kampala Boda Riders", 40)

    assert credited().count() == 1
    assert "300 SMS this month" in RefillRule.objects.get().held_back


def test_never_below_the_reserve_of_the_resellers_own_balance(rule):
    set_own_balance("alice", 1100)  # 1100 - 200 < 1000
    round_of_alice()

    assert credited().count() == 0
    assert "below the 1000 SMS you keep" in RefillRule.objects.get().held_back


def test_a_failed_refill_pauses_the_rule_until_the_reseller_looks(rule):
    faults.inject("resellerclienttopup", "sentence", reply="Insufficient Balance", times=1)
    round_of_alice()
    round_of_alice()

    rule.refresh_from_db()
    assert rule.paused_at is not None and "did not go through" in rule.paused_reason
    assert LedgerEntry.objects.get().status == Status.FAILED
    refills.resume(rule)
    set_balance("alice", "Kampala Boda Riders", 150)
    round_of_alice()
    set_balance("alice", "Kampala Boda Riders", 40)
    round_of_alice()
    assert credited().count() == 1


def test_an_unknown_refill_pauses_the_rule(rule):
    faults.inject("resellerclienttopup", "garbage", times=1)
    round_of_alice()

    rule.refresh_from_db()
    assert rule.paused_at is not None and "Nobody knows" in rule.paused_reason
    assert LedgerEntry.objects.get().status == Status.UNKNOWN


def test_a_refill_claimed_by_a_worker_that_died_pauses_the_rule(rule):
    # The worker died after claiming: the entry stayed pending long after any call could last.
    RefillRule.objects.filter(pk=rule.pk).update(armed=False)
    entry = LedgerEntry.objects.create(
        reseller=rule.reseller,
        form_key=refills.keys.for_refill(rule.key, 0),
        kind=LedgerEntry.Kind.CLIENT_TOP_UP,
        target=rule.target,
        amount=200,
    )
    LedgerEntry.objects.filter(pk=entry.pk).update(
        created_at=entry.created_at - datetime.timedelta(minutes=10)
    )
    Refill.objects.create(rule=rule, key=entry.form_key, amount=200, entry=entry)
    round_of_alice()

    rule.refresh_from_db()
    assert rule.paused_at is not None
    assert credited().count() == 0


def test_a_refill_written_but_never_claimed_goes_on_under_its_key(rule):
    # The worker died after writing the refill and disarming the rule, before the claim.
    RefillRule.objects.filter(pk=rule.pk).update(armed=False)
    Refill.objects.create(rule=rule, key=refills.keys.for_refill(rule.key, 0), amount=200)
    round_of_alice()
    round_of_alice()

    assert credited().count() == 1
    assert LedgerEntry.objects.get().form_key == refills.keys.for_refill(rule.key, 0)
    assert Refill.objects.get().entry is not None


def test_activity_marks_a_refill_as_made_by_its_rule(rule, alice_client):
    round_of_alice()
    csv = b"".join(alice_client.get("/activity/?format=csv").streaming_content).decode()

    # `source` says a rule made it; `by` (issue 21, the last column) names the rule's job.
    assert csv.splitlines()[1].endswith(f",rule,{refills.job_name(rule)}")
    assert "refill rule of Kampala Boda Riders" in alice_client.get("/activity/").content.decode()


def test_the_rules_page_saves_a_rule_for_an_account_in_the_list(alice_client):
    response = alice_client.post(
        "/refills/",
        {
            "book": "subaccounts",
            "name": "alice-kampala",
            "below": "50",
            "amount": "100",
            "times_a_day": "1",
            "sms_a_month": "500",
            "reserve": "0",
        },
    )
    refused = alice_client.post(
        "/refills/",
        {"book": "clients", "name": "Nobody", "below": "x", "amount": "100"},
    )

    assert response.status_code == 303
    saved = RefillRule.objects.get()
    assert (saved.book, saved.target, saved.reserve) == ("subaccounts", "alice-kampala", 0)
    assert refused.status_code == 200
    assert "not in your list on mSpace" in refused.content.decode()
    assert RefillRule.objects.count() == 1


def test_another_resellers_rule_cannot_be_touched(rule, bob_client):
    assert bob_client.post(f"/refills/{rule.pk}/delete/").status_code == 404
    assert RefillRule.objects.filter(pk=rule.pk).exists()
