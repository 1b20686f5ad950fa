"""What the gateway says about a reseller's money: their balance and their two books.

Every page that shows a balance or a list reads it here, never from the gateway directly,
so that these rules hold in one place:

- Reads are reused for `settings.MSPACE_CACHE_SECONDS` (0: never), per reseller, never
  shared between resellers. The cache holds parsed data, with each book's sorted views and
  folded names computed once, so a page of a 10,000-client book costs a slice, not a
  re-parse or a re-sort.
- A reused read is never older than the reseller's own last top-up or send. The app runs
  several worker processes (and nodes), each with its own cache, so clearing one process's
  copy after a change would leave the others stale. The database is the source of truth
  instead: every ledger write bumps the reseller's `version` in its own transaction
  (`messaging.models.LedgerQuerySet`), a read remembers the version from before it set off,
  and it is reused only while the version is still that one (one query by primary key).
- A read that another page of the same reseller is already waiting for is shared, not asked
  again (same conditions as the cache: it must have set off at the current version).
- The dashboard's three reads go out side by side on a shared thread pool, so the page
  waits about as long as the slowest read, not their sum.

Every function takes an `messaging.acting.Acting` (whose money, who, which gateway), never a
request, so a worker reads exactly as a page does. Each raises (or, for the dashboard, returns)
`messaging.mspace.MspaceError` subclasses for gateway trouble; the views turn those into
plain words.
"""

import bisect
import concurrent.futures
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.utils import timezone, translation

from messaging.books import CLIENTS, SUB_ACCOUNTS, Book
from messaging.folding import fold
from messaging.mspace import (
    UNLIMITED,
    UNREADABLE,
    Account,
    GatewayUnavailableError,
    MspaceError,
    exact_balance,
    is_countable,
)
from messaging.signals import balances_read

SORTS = ("name", "-name", "balance", "-balance")
DEFAULT_SORT = "name"

# Bounds on what one worker process keeps: the most recently seen resellers, and a total
# number of accounts across them, so a few very large books cannot take all the memory.
MAX_RESELLERS = 300
MAX_CACHED_ACCOUNTS = 200_000
# Threads for side-by-side reads. They spend their time waiting on the gateway, so this is
# sized for many resellers' dashboards at once (three reads each), not for the CPU count;
# threads are only started when needed.
POOL_THREADS = 256  # two per gunicorn thread: each dashboard hands two of its three reads here

_BALANCE = "balance"
# Kept in the acting person's memo (their session) for the header on every worker:
# [value, ISO time read, the reseller's version then].
_MEMO_KEY = "last_balance"


# How many rendered table rows one read keeps (see `AccountBook.table_row`): twenty pages of a
# large book, about 0.65 MB; rows beyond that are rendered on each showing, as before.
MAX_KEPT_ROWS = 1_000


@dataclass(frozen=True, slots=True)
class _View:
    """A book in one sort order, with each account's folded name beside it."""

    accounts: tuple[Account, ...]
    folded: tuple[str, ...]


class AccountBook(Sequence):
    """One read of a client or sub-account list, in the gateway's order.

    Behaves as a read-only sequence of `Account`. Sorted views, folded names and the list
    page's rendered rows are worked out on first use and kept with the read, so every later
    page of the same read reuses them.
    """

    def __init__(self, accounts):
        self._accounts = tuple(accounts)
        balances = [account.balance for account in self._accounts]
        # Plain ints are the usual whole balances; the few others (unlimited, decimal,
        # unreadable; see mspace.Balance) are counted apart, exactly, or not at all.
        odd = [balance for balance in balances if type(balance) is not int]
        self.total_credit = sum(b for b in balances if type(b) is int) + sum(
            exact_balance(b) for b in odd if is_countable(b)
        )
        self.unlimited_count = sum(1 for balance in odd if balance == UNLIMITED)
        self.unreadable_count = sum(1 for balance in odd if balance == UNREADABLE)
        self._folded: tuple[str, ...] | None = None  # see `_folded_names`
        self._views: dict[str, _View] = {}
        # (id(account), low, top-up address, extra, language) -> (account, its row's HTML)
        self._rows: dict[tuple[int, bool, str, tuple, str], tuple[Account, str]] = {}

    def __len__(self):
        return len(self._accounts)

    def __getitem__(self, index):
        return self._accounts[index]

    def __repr__(self):
        return f"<AccountBook of {len(self)} accounts>"

    def sorted_by(self, sort: str) -> tuple[Account, ...]:
        """Every account in `sort` order (one of `SORTS`; anything else means by name)."""
        return self._view(sort).accounts

    def find(self, text: str = "", sort: str = DEFAULT_SORT) -> Sequence[Account]:
        """Accounts whose name contains `text`, in `sort` order; case, accents, runs of
        spaces and the kind of apostrophe are ignored (`messaging.folding.fold`)."""
        view = self._view(sort)
        needle = fold(text)
        if not needle:
            return view.accounts
        return [
            account
            for account, name in zip(view.accounts, view.folded, strict=True)
            if needle in name
        ]

    def running_low(self, threshold: int) -> tuple[Account, ...]:
        """Accounts with fewer than `threshold` SMS, lowest balance first (never one whose
        balance could not be read: nobody knows it is low)."""
        by_balance = self.sorted_by("balance")
        # The balance view is ascending, so the low ones are its first few, after the
        # unreadable ones (which count below zero).
        count = bisect.bisect_left(by_balance, threshold, key=lambda account: account.balance)
        readable = bisect.bisect_left(by_balance, 0, key=lambda account: account.balance)
        return by_balance[readable:count]

    def table_row(
        self,
        account: Account,
        low: bool,
        top_up_url: str,
        render: Callable[[Account, bool, str, tuple], str],
        extra: tuple = (),
    ) -> str:
        """The list page's table row for `account` (one of this book's), as `render` writes it.

        Rendered the first time a page shows the account in this read, then kept with the read
        (at most `MAX_KEPT_ROWS` rows), so a page of 50 rows costs 50 look-ups, not 50 passes
        through the template engine. `low` and `extra` (what other apps add to the row, such
        as the days left) are part of the key because they may change while the read is
        reused, and the language because a row is kept per language it was shown in;
        `render` must depend on its arguments only.
        """
        key = (id(account), low, top_up_url, extra, translation.get_language())
        kept = self._rows.get(key)
        if kept is not None and kept[0] is account:
            return kept[1]
        row = render(account, low, top_up_url, extra)
        if len(self._rows) < MAX_KEPT_ROWS:
            # The account is kept too: its id cannot then be reused for another object.
            self._rows[key] = (account, row)
        return row

    def _view(self, sort: str) -> _View:
        if sort not in SORTS:
            sort = DEFAULT_SORT
        view = self._views.get(sort)
        if view is None:
            # Two threads may both build a view; the results are equal, the last one is kept.
            view = self._views[sort] = self._sorted(sort)
        return view

    def _sorted(self, sort: str) -> _View:
        reverse = sort.startswith("-")
        if sort in ("name", "-name"):
            accounts, folded = self._accounts, self._folded_names()
            names = [account.name for account in accounts]
            # As people read (case and accents ignored), then as written ("ZEBRA farm" before
            # "Zebra Ltd"): two stable sorts (the minor key first), not a tuple per account.
            order = sorted(range(len(accounts)), key=names.__getitem__, reverse=reverse)
            order.sort(key=folded.__getitem__, reverse=reverse)
        else:
            # By balance, then by name: a stable sort of the name order by balance alone.
            by_name = self._view("name")
            accounts, folded = by_name.accounts, by_name.folded
            balances = [account.balance for account in accounts]
            order = sorted(range(len(accounts)), key=balances.__getitem__, reverse=reverse)
        return _View(tuple(accounts[i] for i in order), tuple(folded[i] for i in order))

    def _folded_names(self) -> tuple[str, ...]:
        """Every name folded, in the gateway's order: made once per read, and the four
        sorted views hold these same strings instead of a copy each (~0.6 MB per copy for a
        10,000-client book)."""
        if self._folded is None:
            self._folded = tuple(_folded(account.name) for account in self._accounts)
        return self._folded


def _folded(name: str) -> str:
    folded = fold(name)
    # A name already in lower case is kept as it is: one string instead of two equal ones.
    return name if folded == name else folded


@dataclass(frozen=True)
class DashboardReads:
    """The dashboard's three reads. Each is its value, or the `MspaceError` that happened."""

    balance: int | MspaceError
    clients: AccountBook | MspaceError
    sub_accounts: AccountBook | MspaceError
    # When the oldest of the figures shown was read.
    read_at: datetime


@dataclass(frozen=True)
class _Read:
    value: object
    # The reseller's version read before the request went out: once the version has moved
    # on, a ledger change may not be reflected in `value`.
    version: int
    # Taken just before the request went out.
    read_at: datetime
    monotonic: float

    @property
    def size(self) -> int:
        return len(self.value) if isinstance(self.value, AccountBook) else 1


class _ResellerCache:
    """Parsed reads per reseller (by `Reseller` id), least recently used dropped first."""

    def __init__(self):
        self._lock = threading.Lock()
        self._resellers: OrderedDict[int, dict[str, _Read]] = OrderedDict()
        self._size = 0

    def get(self, reseller_id: int, what: str) -> _Read | None:
        with self._lock:
            reads = self._resellers.get(reseller_id)
            if reads is None:
                return None
            self._resellers.move_to_end(reseller_id)
            return reads.get(what)

    def put(self, reseller_id: int, what: str, read: _Read) -> None:
        with self._lock:
            reads = self._resellers.setdefault(reseller_id, {})
            self._resellers.move_to_end(reseller_id)
            old = reads.get(what)
            if old is not None:
                if (old.version, old.read_at) > (read.version, read.read_at):
                    return  # a slower, older read finishing late must not win
                self._size -= old.size
            reads[what] = read
            self._size += read.size
            while self._resellers and (
                len(self._resellers) > MAX_RESELLERS or self._size > MAX_CACHED_ACCOUNTS
            ):
                if len(self._resellers) == 1 and self._size <= MAX_CACHED_ACCOUNTS:
                    break
                _, evicted = self._resellers.popitem(last=False)
                self._size -= sum(r.size for r in evicted.values())

    def forget(self, reseller_id: int) -> None:
        with self._lock:
            reads = self._resellers.pop(reseller_id, None)
            if reads:
                self._size -= sum(r.size for r in reads.values())

    def clear(self) -> None:
        with self._lock:
            self._resellers.clear()
            self._size = 0


class _ReadsInFlight:
    """Reads on their way to mSpace in this process, by (reseller, what is read)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._flights: dict[tuple[int, str], _Flight] = {}

    def join(self, key: tuple[int, str], version: int, read: Callable[[], object]):
        """`read()`'s value, or that of the same read already in flight, if it set off at
        `version` (the reseller's version now). A gateway error is raised in every request
        that waited for it, as if each had asked."""
        with self._lock:
            flight = self._flights.get(key)
            leading = flight is None
            if leading:
                flight = self._flights[key] = _Flight(version)
        if not leading:
            if flight.version != version:
                return read()  # it may not show the reseller's latest top-up or send
            return _value_or_raise(_wait_for(flight.outcome))
        try:
            flight.outcome.set_result(_attempt(read))
        except BaseException as error:  # a bug, not gateway trouble: the waiters see it too
            flight.outcome.set_exception(error)
            raise
        finally:
            with self._lock:
                del self._flights[key]
        return _value_or_raise(flight.outcome.result())


class _Flight:
    def __init__(self, version: int):
        self.version = version
        self.outcome = concurrent.futures.Future()


def _value_or_raise(outcome):
    if isinstance(outcome, MspaceError):
        raise outcome
    return outcome


def _new_pool():
    return concurrent.futures.ThreadPoolExecutor(
        max_workers=POOL_THREADS, thread_name_prefix="mspace-read"
    )


_cache = _ResellerCache()
_pool = _new_pool()
_reads_in_flight = _ReadsInFlight()


def _start_afresh_after_fork():
    # A forked worker inherits neither the parent's threads nor a lock's owner: it needs its
    # own pool and cache (another reseller's reads must not leak through a fork either).
    global _cache, _pool, _reads_in_flight
    _cache, _pool, _reads_in_flight = _ResellerCache(), _new_pool(), _ReadsInFlight()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_start_afresh_after_fork)


# --- Public API -------------------------------------------------------------------------


def balance(acting, *, fresh: bool = False) -> int:
    """The reseller's own SMS balance. `fresh=True` always asks mSpace (and keeps the answer).

    Raises `MspaceError` subclasses.
    """
    read = _read_one(acting, _BALANCE, fresh=fresh)
    acting.balance_read = read
    _keep_in_memo(acting, read)
    return read.value


def accounts(acting, book: Book, *, fresh: bool = False) -> list[Account]:
    """The reseller's clients or sub-accounts (`book`), in the gateway's order.

    `fresh=True` always asks mSpace (the top-up form checks against a fresh list). Raises
    `MspaceError` subclasses (`NotAuthorizedError` for someone who may not resell).
    """
    return list(account_book(acting, book, fresh=fresh))


def account_book(acting, book: Book, *, fresh: bool = False) -> AccountBook:
    """Like `accounts`, as an `AccountBook` that keeps its sorted views for later pages."""
    return _read_one(acting, book.slug, fresh=fresh).value


def dashboard(acting, *, fresh: bool = False) -> DashboardReads:
    """Balance, clients and sub-accounts, read side by side; never raises a gateway error.

    Whatever is still usable in the cache is reused (unless `fresh`); the rest is asked
    for at once, one read per thread.
    """
    wanted = (_BALANCE, CLIENTS.slug, SUB_ACCOUNTS.slug)
    found, version = _usable_reads(acting, () if fresh else wanted)
    missing = [what for what in wanted if what not in found]
    if missing:
        # The password is opened once, here, not in the threads; the reads share one client.
        try:
            acting.gateway.open()
        except MspaceError as error:
            # No credential to read with (a team member while keep watch is off): each read
            # still missing is that error, and mSpace is not asked.
            for what in missing:
                found[what] = _Read(error, version, timezone.now(), time.monotonic())
            missing = []
    readers = {what: _reader(acting.gateway, what) for what in missing}
    read_at = timezone.now()
    started = time.monotonic()
    futures = {what: _pool.submit(_in_pool_thread, readers[what]) for what in missing[1:]}
    if missing:
        # The request thread does one of the reads itself: it would only wait otherwise.
        found[missing[0]] = _remember(
            acting, missing[0], _attempt(readers[missing[0]]), version, read_at, started
        )
    for what, future in futures.items():
        found[what] = _remember(acting, what, _wait_for(future), version, read_at, started)
    if isinstance(found[_BALANCE].value, MspaceError):
        acting.read_failed = found[_BALANCE].value
    else:
        acting.balance_read = found[_BALANCE]
        _keep_in_memo(acting, found[_BALANCE])
    figures = [read for read in found.values() if not isinstance(read.value, MspaceError)]
    return DashboardReads(
        balance=found[_BALANCE].value,
        clients=found[CLIENTS.slug].value,
        sub_accounts=found[SUB_ACCOUNTS.slug].value,
        read_at=min((read.read_at for read in figures), default=read_at),
    )


def balance_for_header(acting, *, may_ask: bool = True) -> tuple[int, datetime] | None:
    """The balance a page's header shows, and when it was read; None if it should not ask
    mSpace for it (`may_ask` is False: a refused POST never asks).

    In order: what was read through `acting`; the last read kept in this process or in the
    acting person's memo (their session, so every worker knows it), if the reseller's version
    has not moved since; otherwise, if `may_ask`, a read now (shared with any in flight). A
    gateway error `acting` already met is raised again rather than waited for twice.
    Raises `MspaceError` subclasses.
    """
    read = acting.balance_read
    if read is None:
        if acting.read_failed is not None:
            raise acting.read_failed
        read = _last_read_balance(acting)
    if read is None:
        if not may_ask:
            return None
        balance(acting)
        read = acting.balance_read
    return read.value, read.read_at


def _last_read_balance(acting) -> _Read | None:
    candidates = [_cache.get(acting.reseller.pk, _BALANCE)]
    kept = acting.memo.get(_MEMO_KEY) if acting.memo is not None else None
    if kept and len(kept) == 3:  # a memo from before versions (two items) is read again
        candidates.append(_Read(kept[0], kept[2], datetime.fromisoformat(kept[1]), 0.0))
    candidates = [read for read in candidates if read is not None]
    if not candidates:
        return None
    newest = max(candidates, key=lambda read: (read.version, read.read_at))
    return newest if newest.version == acting.reseller.current_version() else None


def _keep_in_memo(acting, read: _Read) -> None:
    """Every worker's header can show the balance this one read (sessions live in the
    database); written only when it changed, so most pages save no session."""
    if acting.memo is None:
        return
    kept = [read.value, read.read_at.isoformat(), read.version]
    if acting.memo.get(_MEMO_KEY) != kept:
        acting.memo[_MEMO_KEY] = kept


def forget(reseller) -> None:
    """Drop everything read for this reseller in this process (a ledger write does it for all
    processes; this frees the memory at once)."""
    _cache.forget(reseller.pk)


def forget_everything() -> None:
    """Drop every reseller's reads in this process (tests start from nothing)."""
    _cache.clear()


# --- Reading ----------------------------------------------------------------------------


def _reader(reseller_gateway, what: str) -> Callable[[], object]:
    """A call that reads `what` through the reseller's gateway, safe to run in another
    thread."""
    if what == _BALANCE:
        return reseller_gateway.balance
    book = CLIENTS if what == CLIENTS.slug else SUB_ACCOUNTS
    return lambda: AccountBook(reseller_gateway.call(book.read_method))


def _read_one(acting, what: str, *, fresh: bool) -> _Read:
    try:
        return _read_or_reuse(acting, what, fresh=fresh)
    except MspaceError as error:
        acting.read_failed = error  # the header says why, without asking again
        raise


def _read_or_reuse(acting, what: str, *, fresh: bool) -> _Read:
    caching = not fresh and settings.MSPACE_CACHE_SECONDS > 0
    cached, version = _usable_reads(acting, (what,) if caching else ())
    if what in cached:
        return cached[what]
    if not caching:
        return _read_and_remember(acting, what, version)
    # The reseller's other tabs may be asking for the same thing right now: one call to
    # mSpace serves them all (and a 10,000-client book is parsed once, not once a tab).
    return _reads_in_flight.join(
        (acting.reseller.pk, what), version, lambda: _read_and_remember(acting, what, version)
    )


def _read_and_remember(acting, what: str, version: int) -> _Read:
    reader = _reader(acting.gateway, what)
    read_at, started = timezone.now(), time.monotonic()
    value = reader()  # a gateway error propagates, and nothing is cached
    return _remember(acting, what, value, version, read_at, started)


def _usable_reads(acting, wanted) -> tuple[dict[str, _Read], int]:
    """The cached reads among `wanted` that are young enough and were taken at the
    reseller's current version, and that version (read before any new read sets off)."""
    version = acting.reseller.current_version()
    max_age = settings.MSPACE_CACHE_SECONDS
    now = time.monotonic()
    reads = {}
    for what in wanted:
        read = _cache.get(acting.reseller.pk, what)
        if read is not None and now - read.monotonic < max_age and read.version == version:
            reads[what] = read
    return reads, version


def _remember(acting, what: str, value, version: int, read_at: datetime, started: float) -> _Read:
    read = _Read(value, version, read_at, started)
    if isinstance(value, MspaceError):
        return read  # only answers are reused; after a failure the next page asks again
    # Lists are kept only when they may be reused; the balance is always kept (the header
    # may show it while it is usable).
    if what == _BALANCE or settings.MSPACE_CACHE_SECONDS > 0:
        _cache.put(acting.reseller.pk, what, read)
    # Free data for the balance history (watch/), whichever page or job asked.
    balances_read.send(
        None,
        reseller_id=acting.reseller.pk,
        what=what,
        value=value,
        at=read_at,
        by_person=acting.actor is not None,
    )
    return read


def _attempt(reader):
    try:
        return reader()
    except MspaceError as error:
        return error


def _in_pool_thread(reader):
    try:
        return _attempt(reader)
    finally:
        # The in-process simulator uses the database from this thread; a pool thread lives
        # on, so its connection must not outlive the task.
        for connection in connections.all(initialized_only=True):
            connection.close()


def _wait_for(future):
    # The client's own timeout ends every read (a retried read at most twice); this is only
    # a backstop so that a stuck thread can never hold the reseller's page forever.
    backstop = 2 * settings.MSPACE_TIMEOUT + 5
    try:
        return future.result(timeout=backstop)
    except concurrent.futures.TimeoutError:
        return GatewayUnavailableError("mSpace did not answer in time.")
