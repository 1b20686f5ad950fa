"""A demo that lives: simulated accounts use SMS at steady rates, and seed_simulator makes up
thirty days of history for demo so the first `make run` shows charts and forecasts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from simulator.gateway import answer
from simulator.models import UNLIMITED, SimAccount
from simulator.seed import make_account
from watch import forecast
from watch.models import BalancePoint, WatchedAccount, WatchRound

pytestmark = pytest.mark.django_db


def test_a_client_with_a_steady_rate_uses_sms_as_time_passes():
    owner = make_account("alice", "pw", clients=[("Mama", 1000), ("Still", 50)])
    SimAccount.objects.filter(username="Mama").update(
        use_per_day=240, use_counted_at=timezone.now() - timedelta(hours=36, minutes=3)
    )

    body = answer("resellerclients/username=alice/password=pw").body

    assert '"smsBalance": "640", "clientname": "Mama"' in body  # 36 hours of 10 an hour
    assert '"smsBalance": "50", "clientname": "Still"' in body  # no rate: never changes
    mama = SimAccount.objects.get(username="Mama", parent=owner)
    # The three minutes not yet worth a whole SMS carry over to the next read.
    assert timedelta(minutes=2) < timezone.now() - mama.use_counted_at < timedelta(minutes=4)


def test_use_never_takes_a_balance_below_zero():
    make_account("alice", "pw", balance=3)
    SimAccount.objects.filter(username="alice").update(
        use_per_day=100, use_counted_at=timezone.now() - timedelta(days=2)
    )

    assert answer("balance/username=alice/password=pw").body == "0"


def test_seed_simulator_gives_demo_steady_use_and_thirty_days_of_history(capsys):
    call_command("seed_simulator")

    assert "30 days of balance history" in capsys.readouterr().out
    demo = SimAccount.objects.get(username="demo", parent__isnull=True)
    assert demo.use_per_day > 0
    assert SimAccount.objects.filter(parent=demo, use_per_day__gt=0).count() > 30
    own = WatchedAccount.objects.get(reseller__username="demo", book="own")
    assert own.balance == demo.balance
    oldest = BalancePoint.objects.filter(account=own).order_by("at").first().at
    assert timedelta(days=29) < timezone.now() - oldest <= timedelta(days=30, minutes=1)
    assert WatchRound.objects.filter(reseller__username="demo").count() == 240
    # Today's balances, as the simulator has them, end every account's history.
    # (An unlimited account has no history; a decimal balance counts as its whole part.)
    book = SimAccount.objects.filter(parent=demo).exclude(balance=UNLIMITED)
    for name, balance in book.values_list("username", "balance"):
        watched = WatchedAccount.objects.get(reseller__username="demo", name=name)
        assert watched.balance == int(balance)
    assert not WatchedAccount.objects.filter(
        name__in=SimAccount.objects.filter(balance=UNLIMITED).values("username")
    ).exists()
    forecasts = forecast.for_book(own.reseller_id, "clients")
    assert sum(1 for f in forecasts.values() if f.running_out) >= 5
    assert any(f.days_left and f.days_left > Decimal(30) for f in forecasts.values())


def test_seeding_again_adds_no_second_history():
    call_command("seed_simulator", verbosity=0)
    points = BalancePoint.objects.count()

    call_command("seed_simulator", verbosity=0)

    assert BalancePoint.objects.count() == points
