"""Starting, cancelling and reading a batch: the only code that writes `Batch` rows.

A batch is written whole (its rows and their derived keys) in one transaction before the
worker is told, so the worker, a second worker, or one that restarts after a crash all find
the same rows and the same keys in the database.
"""

from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tenancy import every_tenant, rows
from batches import keys
from batches.models import Batch, BatchRow
from messaging import ledger
from messaging.models import LedgerEntry

State = BatchRow.State
Status = LedgerEntry.Status


class KeyUsedElsewhere(Exception):
    """The confirm's one-time key belongs to another reseller's batch: nothing started."""


class AnotherIsRunning(Exception):
    """The reseller already has a batch that has not finished; `.batch` is it."""

    def __init__(self, batch):
        super().__init__("another batch is running")
        self.batch = batch


def find(reseller, form_key) -> Batch | None:
    """The reseller's batch started by this confirm key, or None."""
    return rows(Batch, reseller).filter(form_key=form_key).first()


def running(reseller) -> Batch | None:
    return rows(Batch, reseller).filter(finished_at__isnull=True).first()


def start(reseller, book, *, form_key, rule, lines, balance_before, by, **figures):
    """Write the batch of `reseller` (an `accounts.Reseller`) and its rows; returns
    (batch, created). `by` is who confirmed it.

    The same confirm posted again (replayed, doubled, at the same moment) finds the batch the
    first one wrote and starts nothing: `created` is False. Raises `AnotherIsRunning`.
    """
    first = find(reseller, form_key)
    if first is not None:
        return first, False
    try:
        with transaction.atomic():
            batch = Batch.objects.create(
                reseller=reseller,
                book=book.slug,
                form_key=form_key,
                rule=rule,
                balance_before=balance_before,
                by=by,
                **figures,
            )
            BatchRow.objects.bulk_create(
                BatchRow(
                    batch=batch,
                    position=position,
                    target=line.name,
                    amount=line.amount,
                    target_balance_before=line.balance,
                    key=keys.for_row(form_key, position, line.name),
                )
                for position, line in enumerate(lines)
            )
    except IntegrityError:
        first = find(reseller, form_key)
        if first is not None:
            return first, False
        # Across tenants on purpose: another reseller's key is used too (the UNIQUE key says
        # so), but their batch is never handed out.
        if every_tenant(Batch).filter(form_key=form_key).exists():
            raise KeyUsedElsewhere() from None
        other = running(reseller)
        if other is not None:
            raise AnotherIsRunning(other) from None
        raise
    from batches import tasks  # the queue is set up once Django is

    transaction.on_commit(lambda: tasks.run_batch(batch.pk))
    return batch, True


def cancel(batch) -> int:
    """Stop the rows not yet taken by the worker; returns how many. Rows already taken go on
    to their outcome (their call may be on its way)."""
    now = timezone.now()
    mine = rows(Batch, batch.reseller_id).filter(pk=batch.pk)
    with transaction.atomic():
        stopped = batch.rows.filter(state=State.WAITING).update(state=State.CANCELLED)
        mine.filter(cancelled_at__isnull=True).update(cancelled_at=now)
    # Nothing in the worker's hands: the batch is over now (the worker may be down).
    if not batch.rows.filter(state=State.STARTED).exists():
        mine.filter(finished_at__isnull=True).update(finished_at=now)
    batch.refresh_from_db()
    return stopped


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    succeeded: int
    failed: int
    unknown: int
    cancelled: int

    def as_dict(self):
        return asdict(self)


def progress(batch) -> Progress:
    """The figures of the progress bar, from the rows and their ledger entries."""
    total = succeeded = failed = unknown = cancelled = 0
    for row in rows_with_entries(batch):
        total += 1
        outcome = outcome_of(row)
        if outcome == Status.SUCCEEDED:
            succeeded += 1
        elif outcome == Status.FAILED:
            failed += 1
        elif outcome == Status.UNKNOWN:
            unknown += 1
        elif outcome == State.CANCELLED:
            cancelled += 1
    done = succeeded + failed + unknown + cancelled
    return Progress(total, done, succeeded, failed, unknown, cancelled)


def rows_with_entries(batch):
    """The batch's rows, each with `.found_entry`: its ledger entry looked up by its key (so a
    row whose worker died between the claim and noting it is still seen as claimed)."""
    batch_rows = list(batch.rows.all())
    keys_of_rows = [row.key for row in batch_rows]
    entries = {
        entry.form_key: entry
        for entry in rows(LedgerEntry, batch.reseller_id).filter(form_key__in=keys_of_rows)
    }
    for row in batch_rows:
        row.found_entry = entries.get(row.key)
    return batch_rows


def outcome_of(row) -> str:
    """succeeded, failed, unknown (nobody knows yet whether it went through), cancelled, or
    "" while it waits or its call is on its way. A row not sent counts as failed."""
    entry = row.found_entry
    if entry is not None:
        if ledger.needs_checking(entry):
            return Status.UNKNOWN
        return "" if entry.status == Status.PENDING else entry.status
    if row.state == State.SKIPPED:
        return Status.FAILED
    if row.state == State.CANCELLED:
        return State.CANCELLED
    return ""
