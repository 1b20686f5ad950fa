"""A watch round: every watching reseller's balance and both books, read and stored.

Reads go through the same services as the pages (`messaging.reads`, with a gateway on the
standing credential: same typed errors, no retries beyond the client's own), a bounded
number of resellers at a time. One reseller's trouble never
stops the others: it is written into that reseller's round row, which their pages show.
"""

import concurrent.futures
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone, translation

from accounts.tenancy import every_tenant
from messaging import reads
from messaging.books import CLIENTS, SUB_ACCOUNTS
from messaging.mspace import AuthenticationError, MspaceError, NotAuthorizedError
from watch import history, service, words
from watch.models import RoundSchedule, StandingCredential, WatchRound
from watch.signals import round_read
from watch.source import StandingCredentialSource

log = logging.getLogger(__name__)
_SCHEDULE = "watch"


@dataclass
class RoundReport:
    resellers: int = 0
    read_fully: int = 0
    with_trouble: int = 0
    stopped: int = 0
    problems: dict[int, str] = field(default_factory=dict)


def claim_round(now=None) -> bool:
    """Whether this worker should run a round now (at most one per WATCH_MINUTES among all
    workers: the one whose conditional UPDATE moved the due time wins)."""
    now = now or timezone.now()
    with transaction.atomic():
        RoundSchedule.objects.get_or_create(name=_SCHEDULE, defaults={"next_due": now})
    due = now + timedelta(minutes=settings.WATCH_MINUTES) - timedelta(seconds=5)
    return bool(
        RoundSchedule.objects.filter(name=_SCHEDULE, next_due__lte=now).update(next_due=due)
    )


def run_round() -> RoundReport:
    """Read every watching reseller once; returns what happened (never raises for mSpace)."""
    report = RoundReport()
    # A round spans every watching reseller on purpose.
    reseller_ids = list(every_tenant(StandingCredential).values_list("reseller_id", flat=True))
    report.resellers = len(reseller_ids)
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=settings.WATCH_RESELLERS_AT_ONCE, thread_name_prefix="watch"
    ) as pool:
        for reseller_id, outcome in zip(
            reseller_ids, pool.map(_watch_in_thread, reseller_ids), strict=True
        ):
            if outcome == "stopped":
                report.stopped += 1
            elif outcome:
                report.with_trouble += 1
                report.problems[reseller_id] = outcome
            else:
                report.read_fully += 1
    log.info(
        "watch round: %d resellers, %d read fully, %d with gateway trouble, %d stopped",
        report.resellers,
        report.read_fully,
        report.with_trouble,
        report.stopped,
    )
    return report


def watch_reseller(reseller_id: int) -> str:
    """Read and store one reseller's balances. Returns "" when all three reads worked,
    "stopped" when mSpace refused the stored password, else the trouble in plain words."""
    source = StandingCredentialSource.for_reseller(reseller_id)
    at = timezone.now()
    if source is None:
        return "stopped"  # turned off since the round began
    acting = source.acting(service.WORKER)
    try:
        acting.gateway.open()
    except source.Unreadable:
        problem = words.UNREADABLE
        history.record_reads(reseller_id, at, source=WatchRound.Source.WORKER, problem=problem)
        return problem
    own, books, problems = None, {}, []
    try:
        try:
            own = reads.balance(acting, fresh=True)
        except AuthenticationError:
            raise
        except MspaceError as error:
            problems.append(words.OWN_TROUBLE % {"reason": error.message})
        for book in (CLIENTS, SUB_ACCOUNTS):
            try:
                read = reads.accounts(acting, book, fresh=True)
            except AuthenticationError:
                raise
            except NotAuthorizedError:
                continue  # this reseller has no such book: nothing to watch
            except MspaceError as error:
                with translation.override("en"):  # stored in English: see watch.words
                    title = str(book.title)
                problems.append(words.BOOK_TROUBLE % {"book": title, "reason": error.message})
                continue
            books[book.slug] = [(account.name, account.balance) for account in read]
    except AuthenticationError:
        return "stopped"  # the source deleted the credential and told the reseller
    problem = words.LINES.join(problems)
    history.record_reads(
        reseller_id, at, source=WatchRound.Source.WORKER, own=own, books=books, problem=problem
    )
    # What else acts on a round's figures (refill rules, issue 18) does it with this same
    # standing credential, as background work of its own name.
    for receiver, failure in round_read.send_robust(
        sender=None, reseller_id=reseller_id, source=source, own=own, books=books
    ):
        if failure is not None:
            log.error(
                "after the round of reseller %s, %r failed: %r", reseller_id, receiver, failure
            )
    return problem


def _watch_in_thread(reseller_id: int) -> str:
    try:
        return watch_reseller(reseller_id)
    except Exception:
        # A bug or a database hiccup for one reseller must not end the others' round.
        log.exception("watch round failed for reseller %s", reseller_id)
        return words.ROUND_FAILED
    finally:
        for connection in connections.all(initialized_only=True):
            connection.close()
