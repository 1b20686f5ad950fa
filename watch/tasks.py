"""The worker's periodic task (`manage.py run_huey` finds this module by its name).

Every minute each worker asks whether a round is due. Two things keep rounds apart:
huey's lock (held for the whole round, shared by every worker on the same queue) means a
slow round is never overlapped by the next, and the database's due time (`claim_round`)
means several workers starting together run one round between them.
"""

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from watch import history, rounds
from watch.models import WatchRound

log = logging.getLogger(__name__)
ROUND_LOCK = "watch-round"


@db_periodic_task(crontab(minute="*"))
def keep_watch():
    try:
        with HUEY.lock_task(ROUND_LOCK):
            if rounds.claim_round():
                rounds.run_round()
                history.prune()
    except TaskLockedException:
        log.info("watch round still running elsewhere; this minute's turn is skipped")


@db_task()
def record_tenant_page_read(reseller_id: int, what: str, figures, at):
    """Record what a page read: `figures` is the balance, or the book's (name, balance).

    `reseller_id` is an `accounts.Reseller` id. Named apart from the task of the release before
    tenants (`record_page_read`, which carried a user id): a message of that release still in
    the queue finds no task and is dropped, never recorded under another reseller."""
    if not history.page_read_is_due(reseller_id, what, at):
        return  # several pages queued the same minute's figures: the first one counts
    if what == "balance":
        history.record_reads(reseller_id, at, source=WatchRound.Source.PAGE, own=figures)
    else:
        history.record_reads(reseller_id, at, source=WatchRound.Source.PAGE, books={what: figures})
