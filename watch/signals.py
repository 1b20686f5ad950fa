"""Pages feed the history: every balance or book a logged-in reseller's page reads from mSpace
(`messaging.signals.balances_read`) is handed to the worker to record like a round's, at most
once a minute each. The page itself only checks the minute and puts the figures on the queue,
so a 10,000-client book costs it no history writes."""

import logging

from django.db import DatabaseError
from django.dispatch import Signal, receiver

from messaging.signals import balances_read
from watch import history

log = logging.getLogger(__name__)

# Sent by a watch round after it read a reseller (`reseller_id`, an `accounts.Reseller` id)
# with their standing credential (`source`, a `watch.source.StandingCredentialSource`): `own`
# their balance (None if unreadable), `books` {"clients": [(name, balance)...],
# "subaccounts": [...]} for the books it could read.
round_read = Signal()


@receiver(balances_read)
def record_page_read(sender, *, reseller_id, what, value, at, by_person=True, **kwargs):
    from watch import tasks  # the queue is set up once Django is

    if not by_person:
        return  # background work (the watch round itself) records its own reads

    try:
        if not history.page_read_is_due(reseller_id, what, at):
            return
    except DatabaseError:
        # History is a by-product of the page: a busy database must not cost the page.
        log.warning("could not check a page's read for reseller %s", reseller_id, exc_info=True)
        return
    figures = value if what == "balance" else [(a.name, a.balance) for a in value]
    try:
        tasks.record_tenant_page_read(reseller_id, what, figures, at)
    except Exception:
        # The queue (a SQLite file or Redis) unreachable from this node: the page goes on,
        # this read is simply not history; the worker's rounds still are.
        log.warning("could not queue a page's read for reseller %s", reseller_id, exc_info=True)
