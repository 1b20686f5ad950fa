"""Thirty days of made-up history for the demo reseller, so a first `make run` shows charts
and forecasts at once. Made from the simulator's steady rates, ending at today's balances."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Reseller
from accounts.tenancy import rows
from watch.models import BalancePoint, DailyUse, WatchedAccount, WatchRound

DAYS = 30
STEP_HOURS = 3
# Every so often an account is topped up by ten days' worth (by mSpace or another tool).
TOP_UP_EVERY_DAYS = 10


def backfill(username: str, own: tuple[int, int], books: dict[str, list[tuple[str, int, int]]]):
    """Write DAYS of history for `username` unless they already have some; returns whether
    it did. `own` is (balance now, use per day); `books` maps "clients"/"subaccounts" to
    (name, balance now, use per day)."""
    reseller = Reseller.of_username(username)
    if rows(WatchedAccount, reseller).exists():
        return False
    now = timezone.now()
    start = now - timedelta(days=DAYS)
    rng = random.Random(username)
    accounts = [(WatchedAccount.Book.OWN, "", int(own[0]), int(own[1]))]
    for book, listed in books.items():
        # An unlimited balance (mSpace's -1) has no history, as in a real round.
        accounts += [
            (book, name, int(balance), int(rate)) for name, balance, rate in listed if balance >= 0
        ]
    with transaction.atomic():
        for book, name, balance_now, rate in accounts:
            _one_account(reseller, book, name, balance_now, rate, start, now, rng)
        rounds = int(DAYS * 24 / STEP_HOURS)
        rows(WatchRound, reseller).bulk_create(
            WatchRound(
                reseller=reseller,
                at=start + timedelta(hours=STEP_HOURS * i),
                source=WatchRound.Source.WORKER,
                books_read=",".join(["own", *books]),
            )
            for i in range(rounds)
        )
    return True


def _one_account(reseller, book, name, balance_now, rate, start, now, rng):
    """Walk backwards from today's balance: each step undoes the use; a planned top-up is
    undone too, so the walk forwards ends exactly at `balance_now`."""
    steps = int(DAYS * 24 / STEP_HOURS)
    per_step = rate * STEP_HOURS / 24
    top_up_steps = {
        steps - int(day * 24 / STEP_HOURS) - rng.randrange(8)
        for day in range(TOP_UP_EVERY_DAYS, DAYS, TOP_UP_EVERY_DAYS)
    }
    balances = [balance_now]
    carry = 0.0
    for step in range(steps, 0, -1):
        balance = balances[-1]
        if step in top_up_steps and rate:
            balance -= rate * TOP_UP_EVERY_DAYS
        carry += per_step * rng.uniform(0.6, 1.4)
        used, carry = int(carry), carry - int(carry)
        balances.append(max(balance, 0) + used)
    balances.reverse()  # balances[i] holds from start + i steps
    account = WatchedAccount.objects.create(
        reseller=reseller,
        book=book,
        name=name,
        balance=balance_now,
        first_seen=start,
        changed_at=start,
        seen_at=now,
    )
    points = [BalancePoint(account=account, at=start, balance=balances[0])]
    days: dict = {}
    for i in range(1, len(balances)):
        delta = balances[i] - balances[i - 1]
        if delta == 0:
            continue
        at = start + timedelta(hours=STEP_HOURS * i)
        if i == len(balances) - 1:
            at = now
        points.append(BalancePoint(account=account, at=at, balance=balances[i]))
        used, topped_up = days.get(timezone.localdate(at), (0, 0))
        days[timezone.localdate(at)] = (used - min(delta, 0), topped_up + max(delta, 0))
        account.changed_at = at
    BalancePoint.objects.bulk_create(points, batch_size=1000)
    DailyUse.objects.bulk_create(
        DailyUse(account=account, day=day, used=used, topped_up=topped_up)
        for day, (used, topped_up) in days.items()
    )
    rows(WatchedAccount, account.reseller_id).filter(pk=account.pk).update(
        changed_at=account.changed_at
    )
