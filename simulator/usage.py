"""Simulated accounts using SMS over time, at their own steady rates.

Rather than a clock ticking in the background, use is counted when a balance is read: an
account that spends `use_per_day` SMS a day has spent `rate × elapsed` since it was last
counted (never below zero). The fraction of an SMS not yet spent carries over.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from simulator.models import UNLIMITED, SimAccount

_DAY = 86400


def spend(accounts) -> None:
    """Bring these accounts' balances up to now (a queryset of `SimAccount`)."""
    now = timezone.now()
    with transaction.atomic():
        # An unlimited account (mSpace's -1) never runs down.
        steady = accounts.filter(use_per_day__gt=0).exclude(balance=UNLIMITED)
        for account in steady.select_for_update():
            since = account.use_counted_at or now
            elapsed = (now - since).total_seconds()
            used = int(elapsed * account.use_per_day // _DAY)
            if used <= 0 and account.use_counted_at is not None:
                continue
            # Move the counter on by exactly the time those whole SMS took.
            counted_to = since + timedelta(seconds=used * _DAY / account.use_per_day)
            SimAccount.objects.filter(pk=account.pk).update(
                balance=max(account.balance - used, 0), use_counted_at=counted_to
            )


def spend_book(owner: SimAccount, relation: str) -> None:
    spend(SimAccount.objects.filter(parent=owner, relation=relation))


def spend_own(account: SimAccount) -> SimAccount:
    """The account with its own use counted (re-read if anything changed)."""
    if account.use_per_day <= 0:
        return account
    spend(SimAccount.objects.filter(pk=account.pk))
    account.refresh_from_db(fields=["balance", "use_counted_at"])
    return account
