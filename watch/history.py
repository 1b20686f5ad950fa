"""Writing balance history: a point only when a balance changed, use and top-ups per day.

Both the worker's rounds and the pages a reseller opens call `record_reads`; whichever sees
a change first writes it, and a second sighting of the same balance writes nothing.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.tenancy import every_tenant, rows
from messaging.mspace import is_countable
from watch.models import BalancePoint, DailyUse, WatchedAccount, WatchRound

Book = WatchedAccount.Book
# Pages read the same balances again and again; one sighting a minute is plenty of history.
PAGE_SIGHTING_SECONDS = 60


def record_reads(
    reseller_id: int,
    at: datetime,
    *,
    source: str,
    own: int | None = None,
    books: dict[str, Iterable[tuple[str, int]]] | None = None,
    problem: str = "",
) -> WatchRound:
    """Store what one read of a reseller's balances found, and that the read happened.

    `own` is their own balance (None: not read); `books` maps "clients"/"subaccounts" to
    (name, balance) pairs as read. Returns the `WatchRound` row written.
    """
    books = books or {}
    read = []
    if own is not None:
        _record_book(reseller_id, Book.OWN, _countable([("", own)]), at)
        read.append(Book.OWN)
    for book, accounts in books.items():
        _record_book(reseller_id, book, _countable(accounts), at)
        read.append(book)
    return WatchRound.objects.create(
        reseller_id=reseller_id, at=at, source=source, books_read=",".join(read), problem=problem
    )


def _countable(accounts: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Only real numbers of SMS have a history: an unlimited or unreadable balance (see
    `messaging.mspace.Balance`) is left out, and a decimal one counts as its whole part."""
    return [(name, int(balance)) for name, balance in accounts if is_countable(balance)]


def page_read_is_due(reseller_id: int, what: str, at: datetime) -> bool:
    """Whether a page's read of `what` should be recorded (at most one a minute each)."""
    recent = at - timedelta(seconds=PAGE_SIGHTING_SECONDS)
    books_read = Book.OWN if what == "balance" else what
    return (
        not rows(WatchRound, reseller_id)
        .filter(
            source=WatchRound.Source.PAGE,
            books_read=books_read,
            at__gt=recent,
        )
        .exists()
    )


def _record_book(reseller_id: int, book: str, accounts: Iterable[tuple[str, int]], at):
    """Compare a whole book with the last known balances; write only what changed.

    Works on plain tuples and `executemany`: a 10,000-client book is compared and its
    changes written in a few statements, not one model object and query per account.
    """
    seen = dict(accounts)
    day = timezone.localdate(at)
    with transaction.atomic():
        # Locked (PostgreSQL) so a page and the worker cannot both count one change.
        known = {
            name: (pk, balance, seen_at)
            for pk, name, balance, seen_at in rows(WatchedAccount, reseller_id)
            .select_for_update()
            .filter(book=book)
            .values_list("pk", "name", "balance", "seen_at")
        }
        new_names = [name for name in seen if name not in known]
        if new_names:
            _add_accounts(reseller_id, book, new_names, seen, at)
        changed = [
            (known[name][0], known[name][1], balance)
            for name, balance in seen.items()
            if name in known and known[name][1] != balance and known[name][2] <= at
        ]
        if changed:
            _write_changes(changed, at, day)
        again = [known[name][0] for name in seen if name in known]
        for start in range(0, len(again), 5000):
            # One statement for every account seen again, changed or not.
            rows(WatchedAccount, reseller_id).filter(
                pk__in=again[start : start + 5000], seen_at__lt=at
            ).update(seen_at=at)


def _add_accounts(reseller_id, book, names, seen, at):
    # A page and the worker may meet a new account at the same moment: the loser's rows are
    # already there, which is all that matters.
    try:
        with transaction.atomic():
            rows(WatchedAccount, reseller_id).bulk_create(
                [
                    WatchedAccount(
                        reseller_id=reseller_id,
                        book=book,
                        name=name,
                        balance=seen[name],
                        first_seen=at,
                        changed_at=at,
                        seen_at=at,
                    )
                    for name in names
                ],
                batch_size=500,
            )
    except IntegrityError:
        return
    wanted = set(names)
    BalancePoint.objects.bulk_create(
        [
            BalancePoint(account_id=pk, at=at, balance=balance)
            for pk, name, balance in rows(WatchedAccount, reseller_id)
            .filter(book=book, first_seen=at)
            .values_list("pk", "name", "balance")
            if name in wanted
        ],
        batch_size=1000,
    )


def _write_changes(changed: list[tuple[int, int, int]], at, day) -> None:
    """(account pk, old balance, new balance) for each change: a point, the account's new
    balance, and the day's use (decreases) or top-ups (rises)."""
    BalancePoint.objects.bulk_create(
        [BalancePoint(account_id=pk, at=at, balance=new) for pk, _, new in changed],
        batch_size=1000,
    )
    deltas = {pk: (max(old - new, 0), max(new - old, 0)) for pk, old, new in changed}
    existing = dict(
        DailyUse.objects.filter(account_id__in=list(deltas), day=day).values_list(
            "account_id", "pk"
        )
    )
    moment = connection.ops.adapt_datetimefield_value(at)  # as the ORM would store it
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE watch_watchedaccount SET balance = %s, changed_at = %s, seen_at = %s "
            "WHERE id = %s",
            [(new, moment, moment, pk) for pk, _, new in changed],
        )
        cursor.executemany(
            "UPDATE watch_dailyuse SET used = used + %s, topped_up = topped_up + %s WHERE id = %s",
            [(*deltas[pk], row) for pk, row in existing.items()],
        )
    DailyUse.objects.bulk_create(
        [
            DailyUse(account_id=pk, day=day, used=used, topped_up=topped_up)
            for pk, (used, topped_up) in deltas.items()
            if pk not in existing
        ],
        batch_size=1000,
    )


def prune(now: datetime | None = None) -> int:
    """Forget history older than HISTORY_DAYS (an account's last point is always kept, so
    its balance stays known); returns how many rows went."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.HISTORY_DAYS)
    removed, _ = (
        BalancePoint.objects.filter(at__lt=cutoff)
        .exclude(at__gte=F("account__changed_at"))
        .delete()
    )
    gone_days, _ = DailyUse.objects.filter(day__lt=timezone.localdate(cutoff)).delete()
    # Every reseller's history ages alike: pruning spans them on purpose.
    gone_rounds, _ = every_tenant(WatchRound).filter(at__lt=cutoff).delete()
    return removed + gone_days + gone_rounds
