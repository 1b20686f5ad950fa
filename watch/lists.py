"""The Days left column of the client and sub-account lists.

A book's forecasts change only when its history does, so they are worked out once per
history change (the reseller's newest round) and day, and kept in the process's memory: a
page of a 10,000-client book then costs one indexed query, not a pass over the history.
"""

import threading
from collections import OrderedDict
from collections.abc import Sequence

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from accounts.tenancy import rows
from watch import forecast
from watch.models import WatchRound

DAYS_LEFT_SORT = "days_left"
SORT_LABEL = gettext_lazy("Days left, soonest first")
# Kept in this process as objects, not in Django's cache, which would pickle and unpickle a
# 10,000-account book's forecasts on every page (that cost more than the page itself).
_KEEP_BOOKS = 600  # two books for each of the 300 resellers reads.py keeps
_kept: "OrderedDict[tuple[int, str], tuple[tuple, BookForecasts]]" = OrderedDict()
_lock = threading.Lock()


class BookForecasts:
    """Every forecast of one book, by account name, and its names soonest-first."""

    def __init__(self, by_name: dict[str, forecast.Forecast]):
        self.by_name = by_name
        soonest = sorted(by_name, key=lambda name: (by_name[name].sort_key, name.casefold()))
        self.rank = {name: i for i, name in enumerate(soonest)}
        # The dashboard's "running out" list, soonest first.
        self.running_out_names = [name for name in soonest if by_name[name].running_out]
        self._last_sorted: tuple[Sequence, list] | None = None

    def text(self, name: str) -> str:
        """What the list's cell says."""
        expected = self.by_name.get(name)
        if expected is None:
            return gettext(forecast.NOT_ENOUGH_HISTORY)
        return str(expected.days_left) if expected.days_left is not None else expected.shown_note

    def csv_value(self, name: str) -> str:
        expected = self.by_name.get(name)
        return expected.csv_value if expected else ""

    def running_out(self, name: str) -> bool:
        expected = self.by_name.get(name)
        return bool(expected and expected.running_out)

    def soonest_first(self, accounts: Sequence) -> list:
        """`accounts` ordered by days left (unknown last, then by name).

        The last whole book sorted is kept (with the very sequence it was made from, so its
        identity stays meaningful): the next page of the same read costs no sort.
        """
        kept = self._last_sorted
        if kept is not None and kept[0] is accounts:
            return kept[1]
        unranked = len(self.rank)
        ordered = sorted(accounts, key=lambda account: self.rank.get(account.name, unranked))
        if isinstance(accounts, tuple):  # a read's whole book, not a search's fresh list
            self._last_sorted = (accounts, ordered)
        return ordered


def for_book(reseller_id: int, book: str) -> BookForecasts:
    """The book's forecasts as of its newest history: worked out again only after a round
    (or a page's read) was recorded, or on a new day; otherwise one indexed query."""
    newest = rows(WatchRound, reseller_id).order_by().aggregate(newest=Max("at"))["newest"]
    version = (newest, timezone.localdate())
    key = (reseller_id, book)
    with _lock:
        kept = _kept.get(key)
        if kept is not None and kept[0] == version:
            _kept.move_to_end(key)
            return kept[1]
    forecasts = BookForecasts(forecast.for_book(reseller_id, book))
    with _lock:
        _kept[key] = (version, forecasts)
        _kept.move_to_end(key)
        while len(_kept) > _KEEP_BOOKS:
            _kept.popitem(last=False)
    return forecasts


def forget_everything() -> None:
    """Drop every kept forecast in this process (tests start from nothing)."""
    with _lock:
        _kept.clear()
