"""Helpers for the keep-watch tests: turning watch on, moving simulated balances, clocks."""

from django.contrib.auth import get_user_model

from simulator.models import SimAccount
from watch import service


def reseller(username: str):
    """The local user for an mSpace username (made as a login would)."""
    user, created = get_user_model()._default_manager.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def start_watching(username: str, password: str):
    user = reseller(username)
    service.start(user, password, by=username)
    return user


def set_balance(owner: str, name: str, balance: int) -> None:
    """Change a client's or sub-account's balance behind the app's back (as use would)."""
    updated = SimAccount.objects.filter(parent__username=owner, username=name).update(
        balance=balance
    )
    assert updated == 1


def set_own_balance(username: str, balance: int) -> None:
    SimAccount.objects.filter(username=username, parent__isnull=True).update(balance=balance)


def run_queued_tasks() -> int:
    """Do what the worker would with everything queued (pages' reads); returns how many."""
    from huey.contrib.djhuey import HUEY

    done = 0
    while (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)
        done += 1
    return done
