"""Finding crossings and recording them once, with the alerts they cause.

A check reads the reseller's last known balances (what watch rounds and pages stored) and
forecasts, and compares them with the rules. Exactly one alert per crossing holds however
many checks run at once (two rounds, two nodes), in the database:

- the reseller's `AlertSettings` row is locked for the check (PostgreSQL: SELECT … FOR
  UPDATE; SQLite takes the write lock at BEGIN), so checks of one reseller queue;
- a rule fires only through a conditional UPDATE of its `AlertState` (armed → disarmed):
  of two checks that both saw the fall, one changes the row and the other changes nothing;
- the `Crossing` row is UNIQUE per state and crossing number, so it cannot be written twice.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.tenancy import every_tenant, rows
from alerts import rules
from alerts.models import AccountContact, Alert, AlertSettings, AlertState, Book, Crossing, Rule
from messaging.models import ResellerPreferences
from watch import forecast
from watch.models import WatchedAccount, WatchRound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    book: str
    name: str
    rule: str
    verdict: rules.Verdict
    balance: int
    line: int  # the threshold in SMS, or the days for running out
    days_left: Decimal | None


def check_due(now=None) -> int:
    """Check every reseller with rules whose balances were read since their last check, then
    send every alert that is due (held SMS whose quiet hours ended too). Returns alerts sent."""
    now = now or timezone.now()
    # Across resellers on purpose: the worker checks everyone who has rules, each alone.
    for reseller_id, checked_at in every_tenant(AlertSettings).values_list(
        "reseller_id", "checked_at"
    ):
        latest = rows(WatchRound, reseller_id).aggregate(at=Max("at"))["at"]
        if latest is not None and (checked_at is None or latest > checked_at):
            try:
                check_reseller(reseller_id, now)
            except Exception:
                # One reseller's bad data must not stop everyone else's alerts.
                log.exception("alert check failed for reseller %s", reseller_id)
    from alerts import delivery

    return delivery.send_due(now)


def check_reseller(reseller_id: int, now=None) -> list[Alert]:
    """Record each new crossing of this reseller's accounts once, and the alerts it causes
    (not yet sent: `delivery.send_due` does that). Returns the alerts written or extended."""
    now = now or timezone.now()
    with transaction.atomic():
        settings_row = rows(AlertSettings, reseller_id).select_for_update().first()
        if settings_row is None:
            return []
        latest = rows(WatchRound, reseller_id).aggregate(at=Max("at"))["at"]
        disarmed = set(
            rows(AlertState, reseller_id).filter(armed=False).values_list("book", "name", "rule")
        )
        crossings = []
        for reading in readings(reseller_id, settings_row):
            key = (reading.book, reading.name, reading.rule)
            if key in disarmed:
                if reading.verdict.recovered:
                    rows(AlertState, reseller_id).filter(
                        book=reading.book,
                        name=reading.name,
                        rule=reading.rule,
                        armed=False,
                    ).update(armed=True)
            elif reading.verdict.fell:
                crossing = _fire(reseller_id, reading, now)
                if crossing is not None:
                    crossings.append(crossing)
        from alerts import delivery

        alerts = delivery.alerts_for(settings_row, crossings, now) if crossings else []
        rows(AlertSettings, reseller_id).filter(pk=settings_row.pk).update(checked_at=latest or now)
    if crossings:
        log.info("alerts: %d crossings for reseller %s", len(crossings), reseller_id)
    return alerts


def readings(reseller_id: int, settings_row: AlertSettings) -> list[Reading]:
    """Every enabled rule applied to every account whose balance is known."""
    dashboard = ResellerPreferences.low_balance_for(reseller_id)
    overrides = {
        (book, name): line
        for book, name, line in rows(AccountContact, reseller_id)
        .filter(low_balance__isnull=False)
        .values_list("book", "name", "low_balance")
    }
    accounts = rows(WatchedAccount, reseller_id)
    if not settings_row.on_own_balance:
        accounts = accounts.exclude(book=Book.OWN)
    known = list(accounts.values_list("book", "name", "balance"))
    forecasts = {
        book: forecast.for_book(reseller_id, book) for book in {book for book, _n, _b in known}
    }
    percent = settings_row.rearm_percent
    found = []
    for book, name, balance in known:
        days = forecasts[book].get(name)
        days_left = days.days_left if days else None
        if settings_row.on_low_balance:
            if book == Book.OWN:
                line = settings_row.own_threshold
            else:
                line = overrides.get((book, name), dashboard)
            verdict = rules.low_balance(balance, line, percent)
            found.append(Reading(book, name, Rule.LOW_BALANCE, verdict, balance, line, days_left))
        if settings_row.on_running_out:
            within = settings_row.running_out_days
            verdict = rules.running_out(days, within, percent)
            found.append(Reading(book, name, Rule.RUNNING_OUT, verdict, balance, within, days_left))
    return found


def _fire(reseller_id: int, reading: Reading, now) -> Crossing | None:
    state, _created = rows(AlertState, reseller_id).get_or_create(
        reseller_id=reseller_id, book=reading.book, name=reading.name, rule=reading.rule
    )
    fired = (
        rows(AlertState, reseller_id)
        .filter(pk=state.pk, armed=True)
        .update(armed=False, crossings=F("crossings") + 1)
    )
    if not fired:
        return None  # another check recorded this crossing first
    state.refresh_from_db(fields=["armed", "crossings"])
    return Crossing.objects.create(
        state=state,
        number=state.crossings,
        at=now,
        balance=reading.balance,
        threshold=reading.line,
        days_left=reading.days_left,
    )
