"""Recording credit-moving calls: claim a one-time key, call the gateway once, settle the row.

Every top-up and test SMS goes through `record_call`, so the rules hold in one place:
the row is written (pending) before the gateway is asked, the call is made exactly once,
and the row always ends succeeded, failed or unknown — never left pending by an error.
An unknown row is settled later, by a person or a balance check, through `resolve`.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.tenancy import every_tenant, rows
from messaging.gateway_words import said
from messaging.models import LedgerEntry
from messaging.mspace import (
    GatewayError,
    GatewayUnavailableError,
    MspaceError,
    OutcomeUnknownError,
)

log = logging.getLogger(__name__)
Status = LedgerEntry.Status
OPEN_STATUSES = (Status.PENDING, Status.UNKNOWN)

# Kept short: the reply is for a person reading the ledger, not an archive of the gateway.
_REPLY_LIMIT = 500
# A call is pending for at most the gateway timeout. A row pending much longer than that
# belongs to a worker that died mid-call (killed, out of memory): nobody will settle it, and
# the request may have gone out, so it is treated as unknown.
_STALE_MARGIN = timedelta(seconds=60)


class AlreadyClaimed(Exception):
    """This form's one-time key was used before; `.entry` is the row it created."""

    def __init__(self, entry):
        super().__init__("this form was already sent")
        self.entry = entry


class UnsettledTopUp(Exception):
    """Another top-up of the same account was pending or unknown at the claim; `.entry` is it
    (settled already if it was settled in the milliseconds since)."""

    def __init__(self, entry):
        super().__init__("another top-up of this account is not settled")
        self.entry = entry


def find_claimed(reseller, form_key):
    """The reseller's entry for this one-time key, or None."""
    return rows(LedgerEntry, reseller).filter(form_key=form_key).first()


def stale_before():
    """Rows still pending from before this moment are presumed abandoned (see `is_stale`)."""
    return timezone.now() - timedelta(seconds=settings.MSPACE_TIMEOUT) - _STALE_MARGIN


def is_stale(entry) -> bool:
    """Whether a pending entry has waited so long that its worker must have died mid-call."""
    return entry.status == Status.PENDING and entry.created_at < stale_before()


def needs_checking(entry) -> bool:
    """Whether nobody knows if this entry's call went through: a person or a check must say."""
    return entry.status == Status.UNKNOWN or is_stale(entry)


def open_top_up(reseller, kind, target):
    """The reseller's top-up of this account that is still pending or unknown, or None."""
    return (
        rows(LedgerEntry, reseller)
        .filter(kind=kind, target=target, status__in=OPEN_STATUSES)
        .first()
    )


def claim(*, acting, form_key, kind, target, amount, **details) -> LedgerEntry:
    """Write the pending row for a call about to be made for `acting.reseller`, recording
    `acting`'s person and name as who acted.

    Raises `AlreadyClaimed` when the key was used before (a replay, a double click or a
    concurrent copy of the same form): the UNIQUE key lets exactly one of them through.
    Raises `UnsettledTopUp` when another top-up of the same account is still pending or
    unknown (a database constraint, so two different forms cannot both slip through).
    """
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                reseller=acting.reseller,
                actor=acting.actor,
                actor_name=acting.actor_name[:150],
                form_key=form_key,
                kind=kind,
                target=target,
                amount=amount,
                **details,
            )
    except IntegrityError:
        reseller = acting.reseller
        # Across tenants on purpose: another reseller's key is treated as used too (the
        # UNIQUE constraint says so), but their row is never handed out.
        existing = every_tenant(LedgerEntry).filter(form_key=form_key).first()
        if existing is not None:
            mine = existing.reseller_id == reseller.pk
            raise AlreadyClaimed(existing if mine else None) from None
        unsettled = open_top_up(reseller, kind, target)
        if unsettled is None:
            # The open top-up that stopped this one was settled between the INSERT and this
            # read (another worker's call took milliseconds). Still no claim: this intent's
            # balances were read before that top-up moved credit, so it must be checked again.
            unsettled = (
                rows(LedgerEntry, reseller).filter(kind=kind, target=target).order_by("-id").first()
            )
        if unsettled is not None:
            raise UnsettledTopUp(unsettled) from None
        raise  # pragma: no cover - no other constraint can fail here


def settle(entry, status, *, detail="", reply="", message_id=""):
    """Complete a pending entry; an entry already settled is left as it is."""
    rows(LedgerEntry, entry.reseller_id).filter(pk=entry.pk, status=Status.PENDING).update(
        status=status,
        detail=detail,
        gateway_reply=reply[:_REPLY_LIMIT],
        message_id=message_id,
        completed_at=timezone.now(),
    )
    entry.refresh_from_db()


def resolve(entry, status, *, by, note) -> bool:
    """Settle an entry whose outcome was unknown, after someone (or a balance check) found out.

    `status` is succeeded or failed; `by` says who decided, `note` how. Only an unknown entry,
    or one pending so long it is abandoned, can be resolved, and only once: returns False
    (leaving it as it is) when it was already settled, for instance by a second click.
    """
    if status not in (Status.SUCCEEDED, Status.FAILED):
        raise ValueError("An unknown outcome can only be resolved as succeeded or failed.")
    now = timezone.now()
    changed = (
        rows(LedgerEntry, entry.reseller_id)
        .filter(_needing_a_check(), pk=entry.pk)
        .update(
            status=status,
            reconciled_at=now,
            reconciled_by=by[:200],
            reconcile_note=note,
            completed_at=now,
        )
    )
    entry.refresh_from_db()
    if changed:
        log.info("ledger entry %s resolved as %s", entry.pk, status)
    return bool(changed)


def note_check(entry, *, by, note) -> None:
    """Record a check that could not settle an unknown entry (it stays unknown)."""
    rows(LedgerEntry, entry.reseller_id).filter(_needing_a_check(), pk=entry.pk).update(
        reconciled_at=timezone.now(), reconciled_by=by[:200], reconcile_note=note
    )
    entry.refresh_from_db()


def needing_a_check(queryset=None):
    """The entries (of `queryset`, default every reseller's: the operator's list of
    unknown outcomes spans them on purpose) that `needs_checking` is true of."""
    if queryset is None:
        queryset = every_tenant(LedgerEntry)
    return queryset.filter(_needing_a_check())


def _needing_a_check():
    return Q(status=Status.UNKNOWN) | Q(status=Status.PENDING, created_at__lt=stale_before())


def _outcome_of(error: MspaceError):
    """Map a gateway error on a credit-moving call to the ledger status it implies."""
    if isinstance(error, OutcomeUnknownError):
        return Status.UNKNOWN
    if isinstance(error, GatewayUnavailableError):
        return Status.FAILED  # nothing reached the gateway: refused before sending
    if isinstance(error, GatewayError):
        # mSpace answered, but nothing we recognise: credit may or may not have moved, so a
        # person must check before it is called a failure (fail closed, never "succeeded").
        return Status.UNKNOWN
    return Status.FAILED  # a refusal the gateway stated in words


def record_call(entry, call, *, explain=None, describe=None):
    """Make the gateway call for a claimed `entry` exactly once and settle it.

    `call()` returns the gateway's answer: a confirmation sentence (top-up) or a
    `SendResult` (test SMS). `explain(error)`, if given, words a gateway error for the
    entry's detail (default: the error's own message); `describe(answer)` words a success
    (default: no detail). Returns the settled entry; never raises a gateway error.
    """
    try:
        answer = call()
    except MspaceError as error:
        status = _outcome_of(error)
        detail = explain(error) if explain else said(error.message)
        settle(entry, status, detail=detail, reply=getattr(error, "reply", "") or "")
        log.info("ledger entry %s %s: %s", entry.pk, status, type(error).__name__)
        return entry
    except BaseException:
        # Not a gateway answer at all (a bug, a killed worker): the request may have gone
        # out, so the row must not stay pending or be called a failure.
        settle(entry, Status.UNKNOWN, detail=gettext("The app stopped before mSpace answered."))
        raise
    message_id = getattr(answer, "message_id", "")
    reply = answer if isinstance(answer, str) else getattr(answer, "status", "")
    detail = describe(answer) if describe else ""
    settle(entry, Status.SUCCEEDED, detail=detail, reply=reply, message_id=message_id)
    log.info("ledger entry %s succeeded", entry.pk)
    return entry
