"""Usage and days left: the arithmetic, and history fed by the pages a reseller opens."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Reseller
from simulator.models import SimAccount
from simulator.seed import make_account
from tests.watch_helpers import run_queued_tasks
from watch import forecast, history
from watch.forecast import NO_RECENT_USE, NOT_ENOUGH_HISTORY
from watch.models import DailyUse, WatchedAccount, WatchRound


def test_days_left_is_the_balance_over_the_average_daily_use():
    expected = forecast.forecast(balance=700, used_in_window=1400, days_watched=Decimal(14))

    assert expected.days_left == Decimal("7.0")
    assert expected.daily_use == Decimal("100.0")
    assert expected.running_out


def test_under_two_days_of_history_there_is_not_enough_history():
    expected = forecast.forecast(balance=700, used_in_window=500, days_watched=Decimal("1.9"))

    assert (expected.days_left, expected.note) == (None, NOT_ENOUGH_HISTORY)
    assert expected.csv_value == ""


def test_no_use_in_the_window_is_no_recent_use():
    expected = forecast.forecast(balance=700, used_in_window=0, days_watched=Decimal(5))

    assert (expected.days_left, expected.note) == (None, NO_RECENT_USE)
    assert not expected.running_out


def test_days_left_rounds_down_so_a_forecast_never_promises_too_much():
    expected = forecast.forecast(balance=100, used_in_window=3 * 14, days_watched=Decimal(14))

    assert expected.days_left == Decimal("33.3")


def test_an_empty_account_that_is_used_has_no_days_left():
    assert forecast.forecast(0, 100, Decimal(3)).days_left == Decimal("0.0")


def test_soonest_first_puts_unknown_forecasts_last():
    numbers = [
        forecast.Forecast(Decimal(9), Decimal(1)),
        forecast.Forecast(None, None, NOT_ENOUGH_HISTORY),
        forecast.Forecast(None, Decimal(0), NO_RECENT_USE),
        forecast.Forecast(Decimal(2), Decimal(1)),
    ]

    ordered = sorted(numbers, key=lambda f: f.sort_key)

    assert [f.days_left for f in ordered[:2]] == [Decimal(2), Decimal(9)]
    assert [f.note for f in ordered[2:]] == [NO_RECENT_USE, NOT_ENOUGH_HISTORY]


@pytest.mark.django_db
def test_a_book_forecast_averages_the_last_fourteen_days_only(db):
    alice = Reseller.of_username("alice")
    now = timezone.now()
    account = WatchedAccount.objects.create(
        reseller=alice,
        book="clients",
        name="Mama",
        balance=1000,
        first_seen=now - timedelta(days=60),
        changed_at=now,
        seen_at=now,
    )
    today = timezone.localdate()
    DailyUse.objects.create(account=account, day=today - timedelta(days=30), used=99_999)
    for back in range(14):
        DailyUse.objects.create(account=account, day=today - timedelta(days=back), used=50)

    expected = forecast.for_book(alice.pk, "clients")["Mama"]

    assert expected.daily_use == Decimal("50.0")
    assert expected.days_left == Decimal("20.0")


@pytest.mark.django_db
def test_a_new_account_has_not_enough_history(db):
    alice = Reseller.of_username("alice")
    history.record_reads(alice.pk, timezone.now(), source="worker", books={"clients": [("A", 5)]})

    assert forecast.for_book(alice.pk, "clients")["A"].note == NOT_ENOUGH_HISTORY


def test_pages_a_reseller_opens_feed_the_history_at_most_once_a_minute(transactional_db, client):
    # transactional_db: the dashboard reads in threads, which must see the committed account.
    make_account(
        "alice", "pw", balance=5000, clients=[("Mama", 1200), ("Jinja", 0)], subaccounts=[]
    )
    client.post("/accounts/login/", {"username": "alice", "password": "pw"})
    client.get("/")
    client.get("/clients/", {"refresh": "1"})  # a fresh read, but within the minute
    assert not WatchRound.objects.exists(), "the page only queues the figures"
    run_queued_tasks()

    reads = WatchRound.objects.filter(source="page")
    assert sorted(reads.values_list("books_read", flat=True)) == ["clients", "own", "subaccounts"]
    stored = dict(WatchedAccount.objects.filter(book="clients").values_list("name", "balance"))
    assert stored == {"Mama": 1200, "Jinja": 0}
    assert WatchedAccount.objects.get(book="own").balance == 5000

    SimAccount.objects.filter(username="Mama").update(balance=1100)
    WatchRound.objects.filter(source="page").update(at=timezone.now() - timedelta(minutes=2))
    client.get("/clients/", {"refresh": "1"})
    run_queued_tasks()
    assert WatchedAccount.objects.get(name="Mama").balance == 1100


def test_a_queue_that_cannot_be_reached_costs_the_page_nothing(alice_client, monkeypatch):
    from watch import tasks

    def unreachable(*args, **kwargs):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(tasks, "record_tenant_page_read", unreachable)

    response = alice_client.get("/clients/", {"refresh": "1"})

    assert response.status_code == 200
    assert "Mama Mboga Traders" in response.content.decode()
    assert not WatchRound.objects.exists()
