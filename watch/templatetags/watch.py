"""What keep watch adds to pages other apps own: a dashboard section and an activity list."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from accounts.tenancy import rows
from watch import forecast, lists, service, words
from watch.models import WatchedAccount, WatchEvent, WatchRound

register = template.Library()
RUNNING_OUT_SHOWN = 10
_HISTORY_URLS = {
    "clients": "watch:client_history",
    "subaccounts": "watch:subaccount_history",
    "own": "watch:own_history",
}


def history_url(book: str, name: str = "") -> str:
    base = reverse(_HISTORY_URLS[book])
    return f"{base}?{urlencode({'name': name})}" if name else base


@register.inclusion_tag("watch/_dashboard.html")
def watch_on_dashboard(reseller):
    """Running out within 7 days, the own balance's days left, and whether watch is on or
    was stopped by mSpace (told here once, until watch is turned on again)."""
    watching = service.is_watching(reseller)
    latest_event = rows(WatchEvent, reseller).first()
    running_out = []
    running_out_count = 0
    for book in ("clients", "subaccounts"):
        # The same cached forecasts as the lists: a 10,000-client book costs one query here.
        forecasts = lists.for_book(reseller.pk, book)
        running_out_count += len(forecasts.running_out_names)
        for name in forecasts.running_out_names[:RUNNING_OUT_SHOWN]:
            running_out.append(
                {
                    "book": WatchedAccount.Book(book).label,
                    "name": name,
                    "days_left": forecasts.by_name[name].days_left,
                    "url": history_url(book, name),
                }
            )
    running_out.sort(key=lambda row: row["days_left"])
    own = rows(WatchedAccount, reseller).filter(book=WatchedAccount.Book.OWN).first()
    last_round = rows(WatchRound, reseller).filter(source=WatchRound.Source.WORKER).first()
    return {
        "watching": watching,
        "stopped_by_mspace": latest_event
        if latest_event and latest_event.kind == WatchEvent.Kind.AUTO_STOPPED and not watching
        else None,
        "trouble": last_round.problem if watching and last_round else "",
        "running_out": running_out[:RUNNING_OUT_SHOWN],
        "running_out_count": running_out_count,
        "own_forecast": forecast.for_account(own) if own else None,
        "own_history_url": history_url("own"),
        "days": forecast.RUNNING_OUT_DAYS,
    }


@register.inclusion_tag("watch/_activity.html")
def watch_events(reseller):
    return {"events": rows(WatchEvent, reseller)[:50]}


@register.filter
def watch_said(text: str) -> str:
    """A stored watch sentence (a round's trouble, an event's details or who acted) in the
    reader's language; see watch.words."""
    return words.shown(text)
