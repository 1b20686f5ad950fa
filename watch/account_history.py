"""What an account's history page shows: its balance steps, days, forecast and top-ups."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.translation import gettext

from accounts.tenancy import rows
from messaging.books import BOOKS
from messaging.models import LedgerEntry
from watch import chart, forecast
from watch.models import DailyUse, WatchedAccount


@dataclass(frozen=True)
class Day:
    day: object
    balance: int | None  # at the end of the day (or now, for today)
    used: int
    topped_up: int


@dataclass(frozen=True)
class History:
    account: WatchedAccount
    start: datetime
    end: datetime
    steps: list[tuple[datetime, int]]
    days: list[Day]
    forecast: forecast.Forecast
    top_ups: list[LedgerEntry]
    chart: chart.Chart | None
    unchanged_since: datetime


def find(reseller, book: str, name: str) -> WatchedAccount | None:
    return rows(WatchedAccount, reseller).filter(book=book, name=name).first()


def steps_between(account: WatchedAccount, start: datetime, end: datetime):
    """(time, balance) from the last change before `start` to `end`, in time order."""
    before = account.points.filter(at__lte=start).order_by("-at", "-id").first()
    inside = list(account.points.filter(at__gt=start, at__lte=end).values_list("at", "balance"))
    steps = ([(start, before.balance)] if before else []) + inside
    return steps


def build(account: WatchedAccount, days: int) -> History:
    end = timezone.now()
    start = end - timedelta(days=days)
    steps = steps_between(account, start, end)
    top_ups = _ledger_top_ups(account, start, end)
    marks = [
        (
            entry.created_at,
            gettext("Topped up %(amount)s SMS from here") % {"amount": intcomma(entry.amount)},
        )
        for entry in top_ups
    ]
    return History(
        account=account,
        start=start,
        end=end,
        steps=steps,
        days=_days(account, steps, start, end),
        forecast=forecast.for_account(account),
        top_ups=top_ups,
        chart=chart.draw(start, end, steps, marks),
        unchanged_since=account.changed_at,
    )


def csv_rows(account: WatchedAccount, days: int):
    end = timezone.now()
    start = end - timedelta(days=days)
    for at, balance in steps_between(account, start, end):
        yield timezone.localtime(at).isoformat(timespec="seconds"), balance


def _ledger_top_ups(account: WatchedAccount, start, end) -> list[LedgerEntry]:
    book = BOOKS.get(account.book)
    if book is None:
        return []
    return list(
        rows(LedgerEntry, account.reseller_id)
        .filter(
            kind=book.ledger_kind,
            target=account.name,
            status=LedgerEntry.Status.SUCCEEDED,
            created_at__gt=start,
            created_at__lte=end,
        )
        .order_by("created_at")
    )


def _days(account: WatchedAccount, steps, start, end) -> list[Day]:
    """One row per local day of the period, newest first."""
    first_day, last_day = timezone.localdate(start), timezone.localdate(end)
    usage = {
        row.day: row
        for row in DailyUse.objects.filter(account=account, day__gte=first_day, day__lte=last_day)
    }
    rows = []
    index, current = 0, None
    day = first_day
    while day <= last_day:
        day_end = timezone.make_aware(
            datetime.combine(day + timedelta(days=1), datetime.min.time())
        )
        while index < len(steps) and steps[index][0] < day_end:
            current = steps[index][1]
            index += 1
        use = usage.get(day)
        rows.append(Day(day, current, use.used if use else 0, use.topped_up if use else 0))
        day += timedelta(days=1)
    return rows[::-1]
