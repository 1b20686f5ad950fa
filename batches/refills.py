"""Automatic refills, checked in each watch round with the figures the round just read.

A rule refills its account once per crossing (see `RefillRule.armed`) and only within its
caps: at most `times_a_day` refills a day and `sms_a_month` SMS a month (refills that did not
go through do not count), and never when the reseller's own balance would fall below
`reserve`. A refill is written (`Refill`, with a key derived from the rule and the crossing)
before its top-up is claimed and sent: a top-up `Intent` carried out by the one submit step
(`messaging.submit.carry_out`) with the round's standing credential, under the refill's key,
as background work named after its rule. A refill that failed, or whose outcome is unknown,
pauses its rule until the reseller looks and resumes it.
"""

import logging

from django.db import transaction
from django.db.models import Sum
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.tenancy import rows
from alerts.compose import in_language_of
from batches import keys
from batches.models import Refill, RefillRule
from messaging import ledger, submit, topups
from messaging.books import BOOKS
from messaging.models import LedgerEntry
from messaging.mspace import UNLIMITED
from watch.signals import round_read

log = logging.getLogger(__name__)
Status = LedgerEntry.Status


def job_name(rule) -> str:
    """Who acted, in the ledger's words, for a rule's refills (background work has no person)."""
    return f"refill rule of {rule.target}"


@receiver(round_read, dispatch_uid="batches.refills.after_round")
def after_round(sender, *, reseller_id, source, own, books, **kwargs):
    # What a refill writes for the reseller to read is in the language they chose.
    with in_language_of(reseller_id):
        check(reseller_id, source, own=own, books=books)


def check(reseller_id, source, *, own, books, now=None) -> list[Refill]:
    """Refill every account of the reseller whose rule says so, with their standing
    credential `source` (`watch.source.StandingCredentialSource`); returns the refills made."""
    now = now or timezone.now()
    made = []
    rules = rows(RefillRule, reseller_id).filter(paused_at__isnull=True)
    for rule in rules.select_related("reseller"):
        _pause_if_last_went_wrong(rule, now)
        if rule.paused_at is not None:
            continue
        balances = dict(books.get(rule.book, ()))
        if rule.target not in balances:
            continue  # its book could not be read this round, or it is gone
        refill = _consider(rule, source, balances[rule.target], own, now)
        if refill is not None:
            made.append(refill)
            _pause_if_last_went_wrong(rule, now)
            if refill.entry is not None and refill.entry.status == Status.SUCCEEDED:
                own = own - refill.amount if own < UNLIMITED else own
    return made


def _consider(rule, source, balance, own, now) -> Refill | None:
    balance = int(balance)
    if balance < 0 or balance >= UNLIMITED:
        return None  # unreadable or unlimited: nothing to refill
    if balance >= rule.below:
        if not rule.armed:
            # Back above the threshold: the next time it drops below is a new crossing.
            _mine(rule).filter(armed=False, crossing=rule.crossing).update(
                armed=True, crossing=rule.crossing + 1
            )
        return None
    if not rule.armed and not _left_unclaimed(rule):
        return None  # refilled already for this crossing
    held_back = _cap_in_the_way(rule, own, now)
    if held_back:
        _mine(rule).update(held_back=held_back)
        return None
    # Disarm first, by one conditional UPDATE: two rounds at once never both refill.
    if rule.armed and not _mine(rule).filter(armed=True, crossing=rule.crossing).update(
        armed=False, held_back=""
    ):
        return None
    key = keys.for_refill(rule.key, rule.crossing)
    refill, _created = rule.refills.get_or_create(key=key, defaults={"amount": rule.amount})
    intent = topups.intent(
        BOOKS[rule.book],
        name=rule.target,
        amount=rule.amount,
        balance_before=own,
        target_balance_before=balance,
    )
    try:
        # The one submit step, under the refill's own key: claimed before the one call, never
        # retried; a key claimed before gives back its first entry.
        outcome = submit.carry_out(source.acting(job_name(rule)), key, intent)
    except source.Unreadable:
        outcome = submit.Outcome()  # nothing claimed: the round says why on its own page
        reason = _("Held back: the stored mSpace password could not be opened.")
    else:
        reason = _("Held back: another top-up of this account is still open.")
    if outcome.entry is None:
        # Nothing was sent: try again next round.
        rule.refills.filter(pk=refill.pk).update(detail=reason)
        _mine(rule).filter(armed=False).update(armed=True, held_back=reason)
        refill.detail = reason
        return refill
    rule.refills.filter(pk=refill.pk).update(entry=outcome.entry)
    refill.entry = outcome.entry
    log.info("refill rule %s topped up %s: %s", rule.pk, rule.target, outcome.entry.status)
    return refill


def _mine(rule):
    """The rule's own row, for a conditional UPDATE."""
    return rows(RefillRule, rule.reseller_id).filter(pk=rule.pk)


def _left_unclaimed(rule) -> bool:
    """Whether this crossing's refill was written but its worker died before claiming it:
    nothing was sent, so it goes on under the same key (which can still be claimed once)."""
    key = keys.for_refill(rule.key, rule.crossing)
    written = rule.refills.filter(key=key, entry__isnull=True, detail="").exists()
    return written and ledger.find_claimed(rule.reseller_id, key) is None


def _cap_in_the_way(rule, own, now) -> str:
    """Which cap stops a refill now, in the reseller's words; "" when none does."""
    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    counted = rule.refills.exclude(entry__status=Status.FAILED)
    counted = counted.exclude(entry__isnull=True)
    if counted.filter(at__gte=day_start).count() >= rule.times_a_day:
        return _("Held back: it was refilled %(times)s times today already.") % {
            "times": rule.times_a_day
        }
    month = counted.filter(at__gte=month_start).aggregate(sms=Sum("amount"))["sms"] or 0
    if month + rule.amount > rule.sms_a_month:
        return _("Held back: another refill would go past %(most)s SMS this month.") % {
            "most": rule.sms_a_month
        }
    if own is None:
        return _("Held back: your own balance could not be read this round.")
    if own < UNLIMITED and own - rule.amount < rule.reserve:
        return _("Held back: your own balance would fall below the %(reserve)s SMS you keep.") % {
            "reserve": rule.reserve
        }
    return ""


def _pause_if_last_went_wrong(rule, now) -> None:
    """A refill that failed or whose outcome is unknown (its worker died mid-call, say) pauses
    its rule until the reseller has looked at it."""
    last = rule.refills.select_related("entry").first()
    if last is None or last.looked_at is not None:
        return
    entry = last.entry
    if entry is None:
        # By key: a worker that died between the claim and linking it left the link unset.
        entry = ledger.find_claimed(rule.reseller_id, last.key)
        if entry is None:
            return
        rule.refills.filter(pk=last.pk).update(entry=entry)
    if entry.status == Status.FAILED or ledger.needs_checking(entry):
        _pause(rule, _went_wrong(entry), now)


def _pause(rule, reason: str, now) -> None:
    _mine(rule).update(paused_at=now, paused_reason=reason)
    rule.paused_at, rule.paused_reason = now, reason


def _went_wrong(entry) -> str:
    if entry.status == Status.FAILED:
        return _("The last refill did not go through: %(why)s") % {"why": entry.detail}
    return _("Nobody knows whether the last refill went through: check it in Activity.")


def resume(rule) -> None:
    """The reseller looked: the rule runs again (its last refill counts as looked at)."""
    now = timezone.now()
    with transaction.atomic():
        rule.refills.filter(looked_at__isnull=True).update(looked_at=now)
        _mine(rule).update(paused_at=None, paused_reason="")
