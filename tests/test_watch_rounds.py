"""Watch rounds against the simulator: what is stored, one reseller's trouble, faults."""

import random

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from simulator import faults
from simulator.seed import make_account
from tests.topup_helpers import user
from tests.watch_helpers import set_balance, set_own_balance, start_watching
from watch import rounds
from watch.models import (
    BalancePoint,
    DailyUse,
    StandingCredential,
    WatchedAccount,
    WatchEvent,
    WatchRound,
)

pytestmark = pytest.mark.django_db(transaction=True)  # rounds read in threads


@pytest.fixture
def watching(monkeypatch):
    """alice and bob, both watching."""
    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0)
    make_account(
        "alice",
        "alice-pw",
        balance=5000,
        clients=[("Mama Mboga", 1200), ("Jinja Fish", 40)],
        subaccounts=[("alice-nairobi", 300)],
    )
    make_account("bob", "bob-pw", balance=800, clients=[("Bob Client", 10)])
    return start_watching("alice", "alice-pw"), start_watching("bob", "bob-pw")


def balances_of(user, book):
    return dict(
        WatchedAccount.objects.filter(reseller=user, book=book).values_list("name", "balance")
    )


def test_a_round_stores_every_balance_of_every_watching_reseller(watching):
    alice, bob = watching

    report = rounds.run_round()

    assert (report.resellers, report.read_fully) == (2, 2)
    assert balances_of(alice, "own") == {"": 5000}
    assert balances_of(alice, "clients") == {"Mama Mboga": 1200, "Jinja Fish": 40}
    assert balances_of(alice, "subaccounts") == {"alice-nairobi": 300}
    assert balances_of(bob, "clients") == {"Bob Client": 10}
    assert WatchRound.objects.filter(source="worker").count() == 2


def test_a_balance_is_stored_again_only_when_it_changed(watching):
    alice, _ = watching
    rounds.run_round()
    rounds.run_round()
    assert BalancePoint.objects.filter(account__reseller=alice).count() == 4

    set_balance("alice", "Mama Mboga", 1100)
    set_own_balance("alice", 4900)
    rounds.run_round()

    changed = BalancePoint.objects.filter(account__reseller=alice).order_by("id")
    assert changed.count() == 6
    assert [(p.account.name, p.balance) for p in changed[4:]] == [("", 4900), ("Mama Mboga", 1100)]
    # Every round is known, so "unchanged since" is too.
    assert WatchRound.objects.filter(reseller=alice).count() == 3
    jinja = WatchedAccount.objects.get(reseller=alice, name="Jinja Fish")
    assert jinja.changed_at < jinja.seen_at


def test_use_per_day_is_the_sum_of_decreases_and_rises_are_top_ups(watching):
    alice, _ = watching
    rounds.run_round()
    for balance in (1150, 1000, 1500, 1450):  # used 50, 150, topped up 500, used 50
        set_balance("alice", "Mama Mboga", balance)
        rounds.run_round()

    day = DailyUse.objects.get(account__reseller=alice, account__name="Mama Mboga")
    assert (day.used, day.topped_up) == (250, 500)
    assert day.day == timezone.localdate()


def test_one_resellers_gateway_trouble_never_stops_the_others_and_is_shown_to_them(watching):
    alice, bob = watching
    faults.inject("resellerclients", "http500", times=1)

    report = rounds.run_round()

    assert (report.read_fully, report.with_trouble) == (1, 1)
    troubled = WatchRound.objects.exclude(problem="").get()
    fine = WatchRound.objects.get(problem="")
    assert "Clients:" in troubled.problem
    # The troubled reseller's other reads were still stored.
    assert WatchedAccount.objects.filter(reseller=troubled.reseller, book="own").exists()
    assert balances_of(fine.reseller, "clients")


def test_mspace_refusing_the_stored_password_stops_watch_deletes_it_and_tells_the_reseller(
    watching, client
):
    from simulator.models import SimAccount

    alice, bob = watching
    account = SimAccount.objects.get(username="bob", parent__isnull=True)
    account.set_password("changed-elsewhere")
    account.save()

    report = rounds.run_round()

    assert report.stopped == 1 and report.read_fully == 1
    assert list(StandingCredential.objects.values_list("reseller__username", flat=True)) == [
        "alice"
    ]
    event = WatchEvent.objects.get(reseller=bob, kind="auto_stopped")
    assert "refused the stored password" in event.detail
    # bob logs in with his new password and is told on his dashboard.
    client.post("/accounts/login/", {"username": "bob", "password": "changed-elsewhere"})
    page = client.get("/").content.decode()
    assert "Keep watch stopped" in page and "refused the stored password" in page


def test_a_password_no_key_opens_is_reported_to_its_reseller_and_the_round_goes_on(watching):
    alice, bob = watching
    StandingCredential.objects.filter(reseller=bob).update(ciphertext="gAAAAAnonsense")

    report = rounds.run_round()

    assert report.read_fully == 1 and report.with_trouble == 1
    assert "could not be opened" in WatchRound.objects.get(reseller=bob).problem


def test_rounds_under_random_faults_lose_nothing(watching):
    alice, _ = watching
    rng = random.Random(16)
    kinds = ["http500", "garbage", "empty", "truncated", "reset", "refuse", "html"]
    seen = []  # balances the gateway actually reported to a successful round
    for n in range(12):
        balance = 1200 - 37 * n + (400 if n == 6 else 0)
        set_balance("alice", "Mama Mboga", balance)
        faults.clear()
        faults.inject("*", rng.choice(kinds), probability=0.5)
        before = WatchRound.objects.filter(reseller=alice).count()
        rounds.run_round()
        assert WatchRound.objects.filter(reseller=alice).count() == before + 1
        latest = WatchRound.objects.filter(reseller=alice).first()
        if "clients" in latest.books_read.split(","):
            seen.append(balance)
    faults.clear()
    rounds.run_round()
    seen.append(balance)

    stored = list(
        BalancePoint.objects.filter(account__reseller=alice, account__name="Mama Mboga")
        .order_by("at", "id")
        .values_list("balance", flat=True)
    )
    distinct_seen = [b for i, b in enumerate(seen) if i == 0 or b != seen[i - 1]]
    assert stored == distinct_seen
    assert balances_of(alice, "clients")["Mama Mboga"] == balance
    assert any(r.problem for r in WatchRound.objects.filter(reseller=alice)), "faults struck"
    # Rounds only read: not one credit-moving call reached the gateway.
    from simulator.models import SimCall

    assert not SimCall.objects.writes().exists()


def test_watch_once_runs_a_round_in_this_process(watching, capsys):
    call_command("watch_once")

    assert "Watched 2 reseller(s): 2 read fully" in capsys.readouterr().out
    assert WatchRound.objects.count() == 2


def test_only_one_of_several_workers_claims_each_round():
    now = timezone.now()

    assert rounds.claim_round(now) is True
    assert rounds.claim_round(now) is False  # a second worker at the same minute
    assert rounds.claim_round(now + timezone.timedelta(minutes=5)) is False
    assert rounds.claim_round(now + timezone.timedelta(minutes=15)) is True


@override_settings(WATCH_RESELLERS_AT_ONCE=2)
def test_a_round_reads_a_bounded_number_of_resellers_at_once(monkeypatch, watching):
    import threading
    import time

    make_account("carol", "carol-pw", balance=1)
    make_account("dave", "dave-pw", balance=1)
    start_watching("carol", "carol-pw")
    start_watching("dave", "dave-pw")
    busy, most = 0, 0
    lock = threading.Lock()
    real = rounds.watch_reseller

    def counting(reseller_id):
        nonlocal busy, most
        with lock:
            busy += 1
            most = max(most, busy)
        time.sleep(0.05)
        try:
            return real(reseller_id)
        finally:
            with lock:
                busy -= 1

    monkeypatch.setattr(rounds, "watch_reseller", counting)
    report = rounds.run_round()

    assert report.resellers == 4 and most == 2


def test_pruning_keeps_each_accounts_latest_balance(watching):
    alice, _ = watching
    rounds.run_round()
    old = timezone.now() - timezone.timedelta(days=500)
    BalancePoint.objects.update(at=old)
    WatchedAccount.objects.update(changed_at=old)
    set_balance("alice", "Mama Mboga", 1000)
    rounds.run_round()

    from watch import history

    history.prune()

    mama = BalancePoint.objects.filter(account__name="Mama Mboga")
    assert list(mama.values_list("balance", flat=True)) == [1000]
    jinja = BalancePoint.objects.filter(account__name="Jinja Fish")
    assert list(jinja.values_list("balance", flat=True)) == [40]  # unchanged: still known


def test_a_rounds_trouble_is_stored_in_english_and_read_in_the_readers_language(watching, client):
    """The worker writes while nobody reads: the trouble and the event are kept in English
    (watch.words) and a reseller who reads Kiswahili reads them in Kiswahili."""
    from languages.models import LanguageChoice
    from simulator.models import SimAccount

    alice, bob = watching
    account = SimAccount.objects.get(username="bob", parent__isnull=True)
    account.set_password("changed-elsewhere")
    account.save()
    rounds.run_round()  # bob's stored password is refused: his watch stops
    faults.inject("resellerclients", "http500", times=1)
    rounds.run_round()  # alice alone is watched, and her clients cannot be read

    trouble = WatchRound.objects.exclude(problem="").get().problem
    assert trouble.startswith("Clients: mSpace answered with an error (HTTP 500).")
    # A language is a person's choice (their Django user), not the tenant's.
    LanguageChoice.objects.create(user=user(bob.username), language="sw")
    LanguageChoice.objects.create(user=user(alice.username), language="sw")
    client.post("/accounts/login/", {"username": "bob", "password": "changed-elsewhere"})
    stopped = client.get("/").content.decode()
    assert "mSpace ilikataa nenosiri lililohifadhiwa" in stopped
    assert "refused the stored password" not in stopped
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "alice", "password": "alice-pw"})
    troubled = client.get("/watch/").content.decode()
    assert "Wateja: mSpace ilijibu kwa hitilafu (HTTP 500)." in troubled
    assert "answered with an error" not in troubled
