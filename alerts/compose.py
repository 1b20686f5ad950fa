"""The words of an alert: the reseller's digest (e-mail and SMS) and a client's message.

Written in the reseller's saved language; an SMS digest names a few accounts and counts the
rest, so it stays a short, cheap message however many accounts fell at once.
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Reseller
from alerts.models import Book, Crossing, Rule
from languages.models import LanguageChoice

SMS_ACCOUNTS_NAMED = 4


@contextmanager
def in_language_of(reseller_id: int):
    # A language is a person's choice: the one of whoever logs in with the reseller's username.
    username = Reseller.objects.filter(pk=reseller_id).values("username")[:1]
    chosen = LanguageChoice.objects.filter(user__username=username).values_list(
        "language", flat=True
    )
    with translation.override(next(iter(chosen), settings.LANGUAGE_CODE)):
        yield


def account_words(book: str, name: str) -> str:
    if book == Book.OWN:
        return _("Your own balance")
    if book == Book.CLIENTS:
        return _("Client “%(name)s”") % {"name": name}
    return _("Sub-account “%(name)s”") % {"name": name}


def line(crossing: Crossing) -> str:
    state = crossing.state
    figures = {
        "account": account_words(state.book, state.name),
        "balance": f"{crossing.balance:,}",
        "threshold": f"{crossing.threshold:,}",
        "days": crossing.days_left,
    }
    if state.rule == Rule.LOW_BALANCE:
        return _("%(account)s: %(balance)s SMS, below %(threshold)s.") % figures
    return _("%(account)s: about %(days)s days left at recent use (%(balance)s SMS).") % figures


def digest_subject(crossings: list[Crossing]) -> str:
    count = len({(c.state.book, c.state.name) for c in crossings})
    return ngettext(
        "SMS alert: %(count)d account is running low",
        "SMS alert: %(count)d accounts are running low",
        count,
    ) % {"count": count}


def digest_email(crossings: list[Crossing]) -> str:
    lines = [line(crossing) for crossing in crossings]
    return "\n".join(
        [
            _("These accounts crossed a line you set in the mSpace Reseller Admin:"),
            "",
            *(f"- {text}" for text in lines),
            "",
            _("You get one alert for each crossing; the next comes only after a top-up."),
        ]
    )


def digest_sms(crossings: list[Crossing]) -> str:
    shown = []
    for crossing in crossings[:SMS_ACCOUNTS_NAMED]:
        state = crossing.state
        who = _("you") if state.book == Book.OWN else state.name
        if state.rule == Rule.LOW_BALANCE:
            shown.append(_("%(who)s %(balance)s SMS") % {"who": who, "balance": crossing.balance})
        else:
            shown.append(_("%(who)s %(days)s days") % {"who": who, "days": crossing.days_left})
    more = len(crossings) - len(shown)
    text = _("Low SMS: %(accounts)s") % {"accounts": "; ".join(shown)}
    if more:
        text += " " + _("+%(more)d more") % {"more": more}
    return text + "."


def client_subject() -> str:
    return _("Your SMS balance is running low")
