"""Helpers for the keep-watch tests: turning watch on, moving simulated balances, clocks."""

from accounts.models import Reseller
from simulator.models import SimAccount
from watch import service


def reseller(username: str) -> Reseller:
    """The reseller (tenant) of an mSpace username, whose watch rows these are."""
    return Reseller.of_username(username)


def start_watching(username: str, password: str) -> Reseller:
    tenant = reseller(username)
    service.start(tenant, password, by=username)
    return tenant


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
