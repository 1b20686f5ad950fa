"""Settling top-ups whose outcome is unknown (mSpace did not answer, or not clearly).

The balance of the account read just before the call is on the entry. Read again now:

- it rose by exactly the amount: the top-up went through;
- it is unchanged (and mSpace has had time to finish): it did not;
- anything else (the client spent or received SMS meanwhile): a person must decide, after
  checking with mSpace, and marks it by hand.

While a top-up of an account is open no other top-up of it can start (a ledger constraint),
so our own top-ups never muddy the comparison.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.translation import gettext

from messaging import ledger, reads
from messaging.books import BOOK_FOR_KIND
from messaging.models import LedgerEntry
from messaging.mspace import UNLIMITED

log = logging.getLogger(__name__)
Status = LedgerEntry.Status

# A gateway that timed out may still be working on the request. An unchanged balance only
# proves the top-up failed once mSpace has had time to finish it; before that, calling it
# failed could lead the reseller to top up twice.
SETTLE_DELAY = timedelta(minutes=1)
BALANCE_CHECK = "balance check"


@dataclass(frozen=True)
class Finding:
    """What a balance check found: `status` succeeded or failed, or None (a person decides)."""

    status: str | None
    note: str


def judge(entry, *, target_balance_now, balance_now=None, now=None) -> Finding:
    """Compare the account's balance now with the one read before the top-up. Pure."""
    now = now or timezone.now()
    name, amount, before = entry.target, entry.amount, entry.target_balance_before
    if target_balance_now is None:
        return Finding(
            None,
            gettext("%(name)s is no longer in your list on mSpace; please check with mSpace.")
            % {"name": name},
        )
    if before is None:
        return Finding(
            None,
            gettext(
                "There is no balance from before the top-up to compare with; "
                "please check with mSpace."
            ),
        )
    if before >= UNLIMITED or target_balance_now >= UNLIMITED:
        return Finding(
            None,
            gettext(
                "%(name)s has unlimited SMS on mSpace, so its balance cannot show whether the "
                "top-up went through; please check with mSpace."
            )
            % {"name": name},
        )
    if target_balance_now < 0:
        return Finding(
            None,
            gettext(
                "mSpace sent the balance of %(name)s in a form this site could not read; "
                "please check with mSpace."
            )
            % {"name": name},
        )
    change = target_balance_now - before
    yours = _your_change(entry, balance_now)
    if change == amount:
        return Finding(
            Status.SUCCEEDED,
            gettext(
                "%(name)s's balance rose by exactly %(amount)s SMS (from %(before)s to "
                "%(now)s), so the top-up went through."
            )
            % {
                "name": name,
                "amount": intcomma(amount),
                "before": intcomma(before),
                "now": intcomma(target_balance_now),
            }
            + yours,
        )
    if change == 0:
        if now - entry.created_at < SETTLE_DELAY:
            return Finding(
                None,
                gettext(
                    "%(name)s's balance has not changed yet, but mSpace may still be working "
                    "on it. Check again in a minute."
                )
                % {"name": name},
            )
        return Finding(
            Status.FAILED,
            gettext("%(name)s's balance is still %(before)s SMS, so the top-up did not go through.")
            % {"name": name, "before": intcomma(before)}
            + yours,
        )
    return Finding(
        None,
        gettext(
            "%(name)s's balance changed by %(change)s SMS since (from %(before)s to %(now)s), "
            "not by %(amount)s or 0; please check with mSpace."
        )
        % {
            "name": name,
            "change": f"{change:+,}",
            "before": intcomma(before),
            "now": intcomma(target_balance_now),
            "amount": intcomma(amount),
        }
        + yours,
    )


def check(acting, entry) -> Finding:
    """Re-read the balances mSpace has now and settle `entry` when they decide it.

    Only top-ups can be checked this way. Raises `MspaceError` when mSpace cannot be read.
    """
    if not entry.is_top_up:
        return Finding(
            None, gettext("A test SMS cannot be checked from balances; mark it by hand.")
        )
    book = BOOK_FOR_KIND[entry.kind]
    accounts = reads.accounts(acting, book, fresh=True)
    balance_now = reads.balance(acting, fresh=True)
    target_now = next((a.balance for a in accounts if a.name == entry.target), None)
    finding = judge(entry, target_balance_now=target_now, balance_now=balance_now)
    who = f"{acting.actor_name} ({BALANCE_CHECK})"
    if finding.status is None:
        ledger.note_check(entry, by=who, note=finding.note)
    elif not ledger.resolve(entry, finding.status, by=who, note=finding.note):
        return Finding(None, gettext("Someone settled this entry in the meantime."))
    return finding


def mark(entry, *, went_through: bool, by: str) -> bool:
    """Settle `entry` as a person decided after checking; False if it was already settled."""
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if went_through:
        status = Status.SUCCEEDED
        note = gettext("Marked by hand by %(by)s on %(when)s: it went through.")
    else:
        status = Status.FAILED
        note = gettext("Marked by hand by %(by)s on %(when)s: it did not go through.")
    note = note % {"by": by, "when": when}
    return ledger.resolve(entry, status, by=by, note=note)


def overdue(older_than: timedelta):
    """Every reseller's entries whose outcome is still unknown after `older_than`, oldest first."""
    cutoff = timezone.now() - older_than
    return (
        ledger.needing_a_check()
        .filter(created_at__lt=cutoff)
        .select_related("reseller", "actor")
        .order_by("created_at", "id")
    )


def _your_change(entry, balance_now) -> str:
    if balance_now is None or entry.balance_before is None:
        return ""
    if max(balance_now, entry.balance_before) >= UNLIMITED:
        return ""  # an unlimited balance has no change to tell
    change = balance_now - entry.balance_before
    return " " + gettext("(Your own balance changed by %(change)s SMS in the same time.)") % {
        "change": f"{change:+,}"
    }
