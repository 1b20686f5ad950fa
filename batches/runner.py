"""Running a batch in the worker, at most BULK_CONCURRENCY top-up calls at once.

Crash safety comes from the order of writes, not from the worker staying alive:

- a worker takes a batch with a lease ("host:pid" until a time it keeps renewing); a second
  worker never runs a batch whose lease holds, unless its owner is a dead process here;
- a row is taken (waiting -> started) by one conditional UPDATE, so a cancel and a worker,
  or two workers, never both have it;
- the row's ledger entry is claimed under the row's own key before the call;
- a worker that starts again finds each started row's entry by its key: none means nothing
  was sent and the row goes on; a pending one means the call may have gone out, so it is
  marked unknown ("needs checking") and checked against balances, never sent again.
"""

import concurrent.futures
import contextlib
import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.tenancy import every_tenant, rows
from alerts.compose import in_language_of
from batches.models import Batch
from batches.service import State
from messaging import ledger, reads, reconcile, submit, topups
from messaging.books import BOOKS
from messaging.models import LedgerEntry
from messaging.mspace import MspaceError
from watch import service as watch_service
from watch.source import StandingCredentialSource

log = logging.getLogger(__name__)
Status = LedgerEntry.Status

# A lease outlives the longest wait between two heartbeats (a database hiccup) by far, and a
# killed worker's batch is taken over by another machine after it (on the same machine, at
# once: a dead process is seen to be dead).
LEASE = timedelta(seconds=60)
HEARTBEAT_SECONDS = 5.0


def job_name(batch) -> str:
    """Who acted, in the ledger's words, for a batch's rows (background work has no person)."""
    return f"bulk top-up {batch.pk} (confirmed by {batch.by})"


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_here(owner: str) -> bool:
    """Whether `owner` was a process on this machine that no longer runs."""
    host, _sep, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def take(batch_id: int, *, now=None) -> bool:
    """Make this process the batch's runner, if nobody else is; True if it now is."""
    now = now or timezone.now()
    # The worker is handed a batch's number, not its reseller: the one lookup by number alone.
    batch = every_tenant(Batch).filter(pk=batch_id, finished_at__isnull=True).first()
    if batch is None:
        return False
    free = Q(owner="") | Q(lease_until__lt=now)
    if batch.owner and _dead_here(batch.owner):
        free |= Q(owner=batch.owner)
    return bool(
        rows(Batch, batch.reseller_id)
        .filter(free, pk=batch_id, finished_at__isnull=True)
        .update(owner=me(), lease_until=now + LEASE)
    )


def unfinished_to_resume(*, now=None) -> list[int]:
    """Batches no living worker runs: never taken, lease run out, or owner dead here."""
    now = now or timezone.now()
    found = []
    # Across resellers on purpose: a worker goes on with every reseller's unfinished batches.
    for batch in every_tenant(Batch).filter(finished_at__isnull=True).order_by("id"):
        if (
            not batch.owner
            or (batch.lease_until and batch.lease_until < now)
            or _dead_here(batch.owner)
        ):
            found.append(batch.pk)
    return found


class _Heartbeat:
    """Renews the lease while the batch runs, from a thread of its own."""

    def __init__(self, batch):
        self.batch = batch
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="batch-heartbeat", daemon=True)

    def _beat(self):
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                rows(Batch, self.batch.reseller_id).filter(pk=self.batch.pk, owner=me()).update(
                    lease_until=timezone.now() + LEASE
                )
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=HEARTBEAT_SECONDS * 2)


def run(batch_id: int) -> bool:
    """Run (or go on with) a batch if no living worker does; False if another does."""
    if not take(batch_id):
        return False
    # Taken by this process just now (`take` found it by number): its reseller is known.
    batch = every_tenant(Batch).select_related("reseller").get(pk=batch_id)
    mine = rows(Batch, batch.reseller_id).filter(pk=batch_id, owner=me())
    try:
        # What the worker writes for the reseller to read (notes, ledger details) is in the
        # language they chose.
        with _Heartbeat(batch), in_language_of(batch.reseller_id):
            _run(batch)
    finally:
        mine.update(owner="", lease_until=None)
    return True


def _run(batch: Batch) -> None:
    book = BOOKS[batch.book]
    _recover(batch)
    source = StandingCredentialSource.for_reseller(batch.reseller_id)
    acting = source.acting(job_name(batch)) if source is not None else None
    if acting is not None:
        try:
            acting.gateway.open()
        except source.Unreadable:
            acting = None
    if acting is None:
        _stop(
            batch,
            _(
                "Keep watch is off (or its stored password cannot be opened), and bulk "
                "top-ups run with it: the rows not yet sent were not sent."
            ),
        )
        return
    balances = _balances_now(acting, book)
    stopping = threading.Event()
    waiting = list(batch.rows.filter(state=State.WAITING).values_list("pk", flat=True))
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=settings.BULK_CONCURRENCY, thread_name_prefix="batch"
    ) as pool:
        for _done in pool.map(
            lambda row_id: _row_in_thread(batch, row_id, acting, book, balances, stopping),
            waiting,
        ):
            pass
    if acting.gateway.refused:
        # The gateway told the source, which deleted the stored password and told the reseller.
        _stop(
            batch,
            _(
                "mSpace refused your stored password, so keep watch stopped and the rows not "
                "yet sent were not sent."
            ),
        )
        return
    if stopping.is_set():
        _stop(
            batch,
            _(
                "Keep watch was turned off during the bulk top-up: the rows not yet sent "
                "were not sent."
            ),
        )
        return
    _check_unknown(batch, acting)
    _finish(batch)


def _recover(batch: Batch) -> None:
    """Rows a dead worker had taken: unclaimed ones go on; claimed ones keep their entry, and
    one still pending becomes unknown (the call may have gone out) to be checked."""
    for row in batch.rows.filter(state=State.STARTED):
        entry = ledger.find_claimed(batch.reseller_id, row.key)
        if entry is None:
            batch.rows.filter(pk=row.pk, state=State.STARTED).update(state=State.WAITING)
            continue
        if entry.status == Status.PENDING:
            ledger.settle(
                entry,
                Status.UNKNOWN,
                detail=_(
                    "The worker stopped while this top-up was being sent, so nobody knows "
                    "whether it went through. It will be checked against the balances."
                ),
            )
        batch.rows.filter(pk=row.pk).update(state=State.SENT, entry=entry)


def _balances_now(acting, book):
    """The reseller's balance and the book's, read once now for the ledger rows (they settle
    an unknown outcome later); None each when mSpace cannot be read (the confirm's are used)."""
    try:
        own = reads.balance(acting, fresh=True)
    except MspaceError:
        own = None
    try:
        accounts = {a.name: int(a.balance) for a in reads.accounts(acting, book, fresh=True)}
    except MspaceError:
        accounts = None
    return own, accounts


def _row_in_thread(batch, row_id, acting, book, balances, stopping):
    try:
        with in_language_of(batch.reseller_id):  # a language is active per thread
            _do_row(batch, row_id, acting, book, balances, stopping)
    except Exception:
        # A bug or a database hiccup on one row: the others go on; a started row without an
        # entry goes on when the batch is resumed, one with an entry is checked.
        log.exception("batch %s row %s failed unexpectedly", batch.pk, row_id)
    finally:
        for connection in connections.all(initialized_only=True):
            connection.close()


def _do_row(batch, row_id, acting, book, balances, stopping):
    if stopping.is_set() or acting.gateway.refused:
        return
    if not watch_service.is_watching(batch.reseller_id):
        # Turned off meanwhile: the consent this work runs on is gone.
        stopping.set()
        return
    if not batch.rows.filter(pk=row_id, state=State.WAITING).update(state=State.STARTED):
        return  # cancelled meanwhile
    row = batch.rows.get(pk=row_id)
    own, accounts = balances
    target_before = row.target_balance_before
    if accounts is not None:
        target_before = accounts.get(row.target, target_before)
    intent = topups.intent(
        book,
        name=row.target,
        amount=row.amount,
        balance_before=own if own is not None else batch.balance_before,
        target_balance_before=target_before,
    )
    # The one submit step, under the row's own key (claimed before the one call; a key
    # claimed before gives back its first entry and mSpace is not asked again).
    outcome = submit.carry_out(acting, row.key, intent)
    if outcome.entry is not None:
        batch.rows.filter(pk=row_id).update(state=State.SENT, entry=outcome.entry)
    else:
        batch.rows.filter(pk=row_id).update(state=State.SKIPPED, detail=_not_sent(outcome))


def _not_sent(outcome: submit.Outcome) -> str:
    if outcome.busy is not None:
        return _(
            "Not sent: another top-up of this account is still open. Settle it in Activity first."
        )
    return _("Not sent: this row's one-time key was used before.")


def _check_unknown(batch, acting) -> None:
    """Check each row nobody knows the outcome of against the balances, as for one top-up."""
    for row in batch.rows.filter(state=State.SENT).select_related("entry"):
        if row.entry is None or not ledger.needs_checking(row.entry):
            continue
        with contextlib.suppress(MspaceError):
            reconcile.check(acting, row.entry)


def _stop(batch, note: str) -> None:
    batch.rows.filter(state=State.WAITING).update(state=State.SKIPPED, detail=note)
    rows(Batch, batch.reseller_id).filter(pk=batch.pk).update(note=note)
    _finish(batch)


def _finish(batch) -> None:
    rows(Batch, batch.reseller_id).filter(pk=batch.pk, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )


def resume_all() -> int:
    """Run every batch no living worker runs (on the worker's start and every minute)."""
    resumed = 0
    for batch_id in unfinished_to_resume():
        try:
            resumed += run(batch_id)
        except Exception:
            log.exception("resuming batch %s failed", batch_id)
    return resumed
