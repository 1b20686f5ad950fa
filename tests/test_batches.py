"""Bulk top-ups: preview, one confirm starts one batch, each row its own ledger entry and key,
cancel, progress, and what a crash leaves behind."""

import datetime
import json
import socket
import subprocess
import threading
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from batches import keys, runner, service
from batches.models import Batch, BatchRow
from messaging import methods
from messaging.gateway import Gateway
from messaging.models import LedgerEntry
from simulator import faults
from simulator.models import SimAccount
from simulator.seed import make_account
from tests.batch_helpers import BULK, confirm_data, credited, preview, run, start
from tests.conftest import ALICE_PASSWORD
from tests.watch_helpers import start_watching

pytestmark = pytest.mark.django_db(transaction=True)
Status = LedgerEntry.Status
WANJIRU = "Bulk/pa ss%é"


@pytest.fixture
def watching_alice(alice_client):
    start_watching("alice", ALICE_PASSWORD)
    return alice_client


def balance_of(name):
    return SimAccount.objects.get(username=name, parent__username="alice").balance


def test_the_preview_lists_each_account_below_with_amount_and_balance_after(watching_alice):
    page = preview(watching_alice, below="100", up_to="500").content.decode()

    assert "Kampala Boda Riders" in page and "Jinja Fish" in page
    assert "Mama Mboga Traders" not in page  # 1,200: not below 100
    assert ">460<" in page and ">500<" in page  # 40 comes up to 500: 460 more
    assert 'id="bulk-total">960<' in page  # 460 + 500
    assert LedgerEntry.objects.count() == 0


def test_a_rule_in_nonsense_is_refused_plainly_and_nothing_is_read_or_started(watching_alice):
    page = preview(watching_alice, below="1e3", up_to="50").content.decode()

    assert "Enter a whole number of SMS" in page
    assert Batch.objects.count() == 0


def test_a_total_above_the_fresh_balance_is_refused(watching_alice):
    SimAccount.objects.filter(username="alice").update(balance=900)
    response = watching_alice.post(
        BULK, confirm_data(preview(watching_alice, below="100", up_to="500"))
    )

    assert response.status_code == 200
    assert "more than your balance of 900 SMS" in response.content.decode()
    assert Batch.objects.count() == 0


def test_one_confirm_starts_one_batch_each_row_with_its_own_derived_key(watching_alice):
    batch = run(start(watching_alice, below="100", up_to="500"))

    rows = list(batch.rows.all())
    assert [(r.target, r.amount) for r in rows] == [
        ("Jinja Fish", 500),
        ("Kampala Boda Riders", 460),
    ]
    entries = LedgerEntry.objects.filter(status=Status.SUCCEEDED)
    assert {e.form_key for e in entries} == {
        keys.for_row(batch.form_key, r.position, r.target) for r in rows
    }
    assert balance_of("Jinja Fish") == 500 and balance_of("Kampala Boda Riders") == 500
    assert credited().count() == 2
    assert batch.finished_at is not None


def test_a_replayed_confirm_starts_nothing_new(watching_alice):
    data = confirm_data(preview(watching_alice, below="100", up_to="500"))
    first = watching_alice.post(BULK, data)
    again = watching_alice.post(BULK, data)

    assert first.status_code == again.status_code == 303
    assert first["Location"] == again["Location"]
    assert Batch.objects.count() == 1


def test_the_same_confirm_posted_twice_at_once_starts_one_batch(watching_alice, alice):
    from django.test import Client

    from tests.conftest import log_in

    data = confirm_data(preview(watching_alice, below="100", up_to="500"))
    browsers = [watching_alice, log_in(Client(), "alice", ALICE_PASSWORD)]
    answers = []
    gate = threading.Barrier(2)

    def post(browser):
        gate.wait()
        answers.append(browser.post(BULK, data)["Location"])

    threads = [threading.Thread(target=post, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(answers) == 2 and answers[0] == answers[1]
    assert Batch.objects.count() == 1
    run(Batch.objects.get())
    assert credited().count() == 2


def test_amounts_that_changed_since_the_preview_start_nothing(watching_alice):
    data = confirm_data(preview(watching_alice, below="100", up_to="500"))
    SimAccount.objects.filter(username="Jinja Fish").update(balance=30)
    response = watching_alice.post(BULK, data)

    assert response.status_code == 200
    assert "Balances changed since the preview" in response.content.decode()
    assert Batch.objects.count() == 0


def test_without_keep_watch_no_batch_can_start(alice_client):
    response = alice_client.post(
        BULK, confirm_data(preview(alice_client, below="100", up_to="500"))
    )

    assert "turn keep watch on first" in response.content.decode()
    assert Batch.objects.count() == 0


def test_add_to_each_ticked_account_only(watching_alice):
    assert confirm_data(preview(watching_alice, add="25"))["name"] == []  # none ticked first
    run(start(watching_alice, add="25", names=["Mama Mboga Traders"]))

    assert balance_of("Mama Mboga Traders") == 1225
    assert credited().count() == 1


def test_an_account_with_an_open_top_up_is_not_offered(watching_alice, alice):
    from tests.watch_helpers import reseller

    LedgerEntry.objects.create(
        reseller=reseller("alice"),
        kind=LedgerEntry.Kind.CLIENT_TOP_UP,
        target="Jinja Fish",
        amount=5,
        status=Status.UNKNOWN,
    )
    data = confirm_data(preview(watching_alice, below="100", up_to="500"))

    assert data["name"] == ["Kampala Boda Riders"]


def test_cancel_stops_the_rows_not_yet_taken(watching_alice):
    batch = start(watching_alice, below="100", up_to="500")
    response = watching_alice.post(f"/batches/{batch.pk}/cancel/")
    run(batch)

    assert response.status_code == 303
    figures = json.loads(watching_alice.get(f"/batches/{batch.pk}/?format=json").content)
    assert figures == {
        "total": 2,
        "done": 2,
        "succeeded": 0,
        "failed": 0,
        "unknown": 0,
        "cancelled": 2,
        "finished": True,
    }
    assert credited().count() == 0


def test_the_progress_page_reads_without_script(watching_alice):
    batch = start(watching_alice, below="100", up_to="500")
    waiting = watching_alice.get(f"/batches/{batch.pk}/").content.decode()
    run(batch)
    done = watching_alice.get(f"/batches/{batch.pk}/").content.decode()

    assert '<progress id="batch-bar" max="2" value="0">' in waiting
    assert '<noscript><meta http-equiv="refresh"' in waiting
    assert '<progress id="batch-bar" max="2" value="2">' in done
    assert "http-equiv" not in done and "badge-succeeded" in done


def test_another_resellers_batch_is_not_found(watching_alice, bob_client):
    batch = start(watching_alice, below="100", up_to="500")

    assert bob_client.get(f"/batches/{batch.pk}/").status_code == 404
    assert bob_client.get(f"/batches/{batch.pk}/?format=json").status_code == 404
    assert bob_client.post(f"/batches/{batch.pk}/cancel/").status_code == 404


def test_every_batch_page_asks_a_visitor_to_log_in(client, db):
    for url in (BULK, "/subaccounts/bulk-topup/", "/batches/1/", "/refills/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def many_clients(count, *, balance=0):
    """A watching reseller, wanjiru, with `count` clients at `balance`, logged in."""
    from django.test import Client

    from tests.conftest import log_in

    names = [f"Client {number:02d}" for number in range(count)]
    make_account("wanjiru", WANJIRU, balance=10**6, clients=[(n, balance) for n in names])
    start_watching("wanjiru", WANJIRU)
    return log_in(Client(), "wanjiru", WANJIRU), names


def most_started_within_a_second(calls) -> int:
    """The most top-up calls the journal shows set off within one second of each other: with
    every call taking at least a second (the injected latency), those were all in flight at
    once."""
    times = sorted(call.at for call in calls)
    window = datetime.timedelta(seconds=1)
    return max(
        sum(1 for other in times[index:] if other - at < window) for index, at in enumerate(times)
    )


@override_settings(BULK_CONCURRENCY=3)
def test_at_most_bulk_concurrency_calls_at_once(db, monkeypatch):
    browser, names = many_clients(10)
    batch = start(browser, below="100", up_to="110")
    at_once, most, lock = [0], [0], threading.Lock()
    real_call = Gateway.call

    def counted(gateway, method, *args):
        if method is not methods.CLIENT_TOP_UP:
            return real_call(gateway, method, *args)
        with lock:
            at_once[0] += 1
            most[0] = max(most[0], at_once[0])
        try:
            return real_call(gateway, method, *args)
        finally:
            with lock:
                at_once[0] -= 1

    monkeypatch.setattr(Gateway, "call", counted)
    faults.inject("resellerclienttopup", "slow", delay=0.3)
    run(batch)

    assert most[0] == 3
    assert LedgerEntry.objects.filter(status=Status.SUCCEEDED).count() == 10
    assert credited().count() == 10
    # Background work, through the one submit step: each row names its batch as who acted.
    assert set(LedgerEntry.objects.values_list("actor_name", "actor")) == {
        (f"bulk top-up {batch.pk} (confirmed by wanjiru)", None)
    }


@pytest.mark.timeout(120)
def test_fifty_accounts_at_one_second_each_go_four_at_once_each_credited_once(db):
    """Issue 18's goal: 50 accounts, 1 s of latency on every top-up, BULK_CONCURRENCY 4 at
    once, every account credited exactly once (the journal). How long it takes ("about
    50 / 4 = 12.5 s") is `make bench`'s figure (bench/batch_bench.py), not a timed test's:
    here, that the calls went four at once and never more."""
    browser, names = many_clients(50)
    batch = start(browser, below="100", up_to="500")
    assert batch.rows.count() == 50
    faults.inject("resellerclienttopup", "slow", delay=1.0)

    began = time.monotonic()
    run(batch)
    seconds = time.monotonic() - began

    # Never faster than 4 at once allows (more at once would be).
    assert seconds >= 50 / 4 * 1.0
    for name in names:
        assert credited(name).count() == 1, name
    assert SimAccount.objects.filter(parent__username="wanjiru", balance=500).count() == 50
    assert most_started_within_a_second(credited()) == 4
    assert batch.finished_at is not None


def test_a_worker_that_died_mid_batch_is_gone_on_with_and_no_row_is_sent_twice(watching_alice):
    batch = start(watching_alice, below="100", up_to="500")
    first, second = batch.rows.all()
    # The dead worker had taken both rows: the first was claimed (its call may have gone
    # out and did: the simulator moved the credit), the second was taken but not claimed.
    from tests.watch_helpers import reseller

    SimAccount.objects.filter(username=first.target).update(balance=first.amount + 0)
    LedgerEntry.objects.create(
        reseller=reseller("alice"),
        form_key=first.key,
        kind=LedgerEntry.Kind.CLIENT_TOP_UP,
        target=first.target,
        amount=first.amount,
        target_balance_before=0,
    )
    BatchRow.objects.filter(batch=batch).update(state=BatchRow.State.STARTED)
    # Its owner was a process on this machine that is gone; its lease would still hold.
    gone = subprocess.Popen(["true"])
    gone.wait()
    Batch.objects.filter(pk=batch.pk).update(
        owner=f"{socket.gethostname()}:{gone.pid}",
        lease_until=timezone.now() + datetime.timedelta(minutes=1),
    )

    assert runner.unfinished_to_resume() == [batch.pk]
    runner.resume_all()

    entry = LedgerEntry.objects.get(form_key=first.key)
    assert entry.status == Status.SUCCEEDED  # checked from balances: rose by exactly 500
    assert "balance check" in entry.reconciled_by
    assert credited(first.target).count() == 0  # never called again
    assert credited(second.target).count() == 1  # unclaimed: it went on
    assert service.progress(Batch.objects.get()).done == 2


def test_a_living_workers_batch_is_not_taken_over(watching_alice):
    batch = start(watching_alice, below="100", up_to="500")
    assert runner.take(batch.pk)

    assert runner.unfinished_to_resume() == []  # its lease holds and its owner lives
    assert not runner.take(batch.pk)


def test_a_timeout_leaves_the_row_unknown_and_it_is_not_retried(watching_alice):
    faults.inject("resellerclienttopup", "garbage", times=1)  # an answer nobody can read
    batch = run(start(watching_alice, below="100", up_to="500"))

    outcomes = sorted(
        LedgerEntry.objects.filter(form_key__in=[r.key for r in batch.rows.all()]).values_list(
            "status", flat=True
        )
    )
    assert outcomes == [Status.SUCCEEDED, Status.UNKNOWN]
    assert credited().count() == 1  # the garbled row was never sent again
    unknown = LedgerEntry.objects.get(status=Status.UNKNOWN)
    assert "balance check" in unknown.reconciled_by  # checked, and too soon to call it failed
    assert service.progress(batch).unknown == 1


def test_activity_names_the_batch_and_its_csv_says_batch_id(watching_alice):
    batch = run(start(watching_alice, below="100", up_to="500"))
    page = watching_alice.get("/activity/").content.decode()
    csv = b"".join(watching_alice.get("/activity/?format=csv").streaming_content).decode()

    assert f'href="/batches/{batch.pk}/"' in page
    header, *lines = csv.lstrip("\ufeff").splitlines()
    assert header.endswith(",source,by")  # `by` (issue 21) stays the last column
    by = runner.job_name(batch)  # "bulk top-up N (confirmed by alice)"
    assert all(line.endswith(f",batch {batch.pk},{by}") for line in lines) and len(lines) == 2
