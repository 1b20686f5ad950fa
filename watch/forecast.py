"""Usage and run-out forecasts from the stored history.

- Use on a day = the sum of that day's balance decreases (rises are top-ups, ours or anyone's).
- Days left = balance ÷ average daily use over the last `WINDOW_DAYS` days (or since the
  account was first seen, if that is shorter).
- Under `MIN_DAYS` of history there is "not enough history"; no use in the window means
  "no recent use". Both are a `Forecast` with `days_left` None and the reason in `note`.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.tenancy import rows
from watch.models import DailyUse, WatchedAccount

WINDOW_DAYS = 14
MIN_DAYS = 2
RUNNING_OUT_DAYS = 7
NOT_ENOUGH_HISTORY = gettext_noop("not enough history")
NO_RECENT_USE = gettext_noop("no recent use")


@dataclass(frozen=True)
class Forecast:
    days_left: Decimal | None  # to one decimal, rounded down; None with a `note`
    daily_use: Decimal | None  # average SMS a day over the window
    note: str = ""

    @property
    def sort_key(self):
        """Soonest first; "no recent use" after every number, unknown last."""
        if self.days_left is not None:
            return (0, self.days_left)
        return (1, 0) if self.note == NO_RECENT_USE else (2, 0)

    @property
    def shown_note(self) -> str:
        """The note in the reader's language."""
        return gettext(self.note) if self.note else ""

    @property
    def csv_value(self) -> str:
        return "" if self.days_left is None else str(self.days_left)

    @property
    def running_out(self) -> bool:
        return self.days_left is not None and self.days_left <= RUNNING_OUT_DAYS


def forecast(balance: int, used_in_window: int, days_watched: Decimal) -> Forecast:
    """The forecast for an account holding `balance` that used `used_in_window` SMS over
    `days_watched` days (already capped at the window)."""
    if days_watched < MIN_DAYS:
        return Forecast(None, None, NOT_ENOUGH_HISTORY)
    daily = Decimal(used_in_window) / days_watched
    if used_in_window <= 0:
        return Forecast(None, Decimal(0), NO_RECENT_USE)
    days_left = (Decimal(max(balance, 0)) / daily).quantize(Decimal("0.1"), ROUND_DOWN)
    return Forecast(days_left, daily.quantize(Decimal("0.1")), "")


def for_book(reseller_id: int, book: str, balances: dict[str, int] | None = None):
    """{name: Forecast} for every watched account of one book, in two queries.

    `balances` (name -> balance just read) wins over the stored balance.
    """
    now = timezone.now()
    accounts = (
        rows(WatchedAccount, reseller_id)
        .filter(book=book)
        .values_list("pk", "name", "balance", "first_seen")
    )
    since = timezone.localdate(now) - timedelta(days=WINDOW_DAYS - 1)
    used = dict(
        DailyUse.objects.filter(
            account__reseller_id=reseller_id, account__book=book, day__gte=since
        )
        .values("account_id")
        .annotate(total=Sum("used"))
        .values_list("account_id", "total")
    )
    result = {}
    for pk, name, balance, first_seen in accounts:
        if balances is not None:
            balance = balances.get(name, balance)
        result[name] = forecast(balance, used.get(pk, 0), _days_watched(first_seen, now))
    return result


def for_account(account: WatchedAccount) -> Forecast:
    now = timezone.now()
    since = timezone.localdate(now) - timedelta(days=WINDOW_DAYS - 1)
    used = account.days.filter(day__gte=since).aggregate(total=Sum("used"))["total"] or 0
    return forecast(account.balance, used, _days_watched(account.first_seen, now))


def _days_watched(first_seen, now) -> Decimal:
    seconds = Decimal(int((now - first_seen).total_seconds()))
    return min(seconds / Decimal(86400), Decimal(WINDOW_DAYS))
