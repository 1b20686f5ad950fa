"""The daily limit an owner sets for each team member: SMS they may top up per day.

Checked inside the one submit step (`messaging.submit.carry_out`), before the pending row is
claimed and so before mSpace is asked. The check and the claim are one transaction that
first locks the member's row, so two top-ups sent at the same moment are counted one after
the other and cannot both slip under the limit.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.tenancy import rows
from messaging.models import LedgerEntry
from team.models import Membership

# What counts: credit moved to accounts (test SMS are the operator's other right, not a
# top-up), unless it is known not to have gone through.
_TOP_UPS = (LedgerEntry.Kind.CLIENT_TOP_UP, LedgerEntry.Kind.SUB_ACCOUNT_TOP_UP)


class DailyAllowance:
    """One member's limit, for `messaging.acting.Acting.allowance`."""

    def __init__(self, membership: Membership):
        self.membership = membership

    def refusal(self, kind: str, amount: int, *, lock: bool) -> str | None:
        """Why moving `amount` SMS now would go over the limit, or None. `lock`: take the
        member's row first (inside the caller's transaction) so the count cannot change
        before the caller writes its row."""
        if kind not in _TOP_UPS:
            return None
        # Ordered by the key alone: the lock is on this one row, no join.
        members = (
            rows(Membership, self.membership.reseller_id)
            .filter(pk=self.membership.pk)
            .order_by("pk")
        )
        if lock:
            members = members.select_for_update()
        limit = members.values_list("daily_limit", flat=True).first() or 0
        used = used_today(self.membership)
        if used + amount <= limit:
            return None
        left = max(limit - used, 0)
        return _(
            "That is over your daily limit: you may top up %(limit)s SMS a day and have "
            "%(left)s left today. The owner can raise it on the Team page."
        ) % {"limit": limit, "left": left}


def used_today(membership) -> int:
    """SMS this member topped up since midnight (the reseller's time zone), counting those
    still pending or unknown, and every row of the bulk top-ups they confirmed today that is
    not known to have been left out or to have failed (the worker runs those as a job)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    moved = (
        rows(LedgerEntry, membership.reseller_id)
        .filter(actor_id=membership.user_id, kind__in=_TOP_UPS, created_at__gte=midnight)
        .exclude(status=LedgerEntry.Status.FAILED)
        .values_list("amount", flat=True)
    )
    return sum(moved) + _in_bulk_today(membership, midnight)


def _in_bulk_today(membership, midnight) -> int:
    from batches.models import Batch, BatchRow  # batches builds on messaging, as team does

    confirmed = rows(Batch, membership.reseller_id).filter(
        by=membership.user.get_username(), created_at__gte=midnight
    )
    planned = (
        BatchRow.objects.filter(batch__in=confirmed)
        .exclude(state__in=[BatchRow.State.SKIPPED, BatchRow.State.CANCELLED])
        .exclude(entry__status=LedgerEntry.Status.FAILED)
        .values_list("amount", flat=True)
    )
    return sum(planned)
