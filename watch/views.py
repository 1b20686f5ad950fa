"""/watch/ (consent, start, stop) and each account's history page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.tenancy import rows
from messaging.books import BOOKS
from messaging.csv_export import csv_response
from messaging.mspace import AuthenticationError, MspaceError
from watch import account_history as histories
from watch import credential, service
from watch.forms import PeriodForm, StartWatchForm
from watch.models import StandingCredential, WatchEvent, WatchRound

NAME_LIMIT = 200


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def watch(request):
    unavailable = credential.unavailable_reason()
    form = StartWatchForm()
    if request.method == "POST" and not unavailable:
        form = StartWatchForm(request.POST)
        if form.is_valid():
            try:
                service.start(
                    request.reseller,
                    form.cleaned_data["password"],
                    by=request.user.get_username(),
                )
            except AuthenticationError:
                form.add_error(
                    "password", _("mSpace did not accept this password. Nothing was stored.")
                )
            except MspaceError as error:
                form.add_error(
                    None,
                    _("%(reason)s Nothing was stored; try again.") % {"reason": error.message},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Keep watch is on: balances are read every %(minutes)s minutes, even "
                        "while you are away."
                    )
                    % {"minutes": _minutes()},
                )
                return redirect("watch:watch")
    elif request.method == "POST":
        messages.error(request, unavailable)
    stored = rows(StandingCredential, request.reseller).first()
    last_round = rows(WatchRound, request.reseller).filter(source=WatchRound.Source.WORKER).first()
    return render(
        request,
        "watch/watch.html",
        {
            "unavailable": unavailable,
            "form": form,
            "stored": stored,
            "last_round": last_round,
            "minutes": _minutes(),
            "events": rows(WatchEvent, request.reseller)[:5],
        },
    )


@login_required
@require_POST
def stop(request):
    if service.stop(request.reseller, by=request.user.get_username()):
        messages.success(request, _("Keep watch is off: your stored mSpace password was deleted."))
    else:
        messages.info(request, _("Keep watch was already off: nothing is stored."))
    response = redirect("watch:watch")
    response.status_code = 303
    return response


@login_required
@require_GET
def account_history(request, book: str):
    name = request.GET.get("name", "")[:NAME_LIMIT] if book != "own" else ""
    if book != "own" and not name:
        raise Http404(_("Which account? Open it from the list."))
    period = PeriodForm(request.GET).period()
    account = histories.find(request.reseller, book, name)
    if request.GET.get("format") == "csv":
        day = timezone.localdate().isoformat()
        found = histories.csv_rows(account, period) if account else []
        slug = "balance" if book == "own" else f"{book}-{name}"
        return csv_response(f"history-{slug}-{day}.csv", ("time", "balance"), found)
    listing = BOOKS.get(book)
    base = reverse(f"watch:{_url_name(book)}")
    return render(
        request,
        "watch/history.html",
        {
            "book": book,
            "book_title": listing.title if listing else _("Your balance"),
            "list_url": listing.list_url() if listing else reverse("messaging:dashboard"),
            "top_up_url": listing.top_up_url() if listing else None,
            "name": name,
            "period": period,
            "periods": PeriodForm.PERIODS,
            "base_url": base,
            "history": histories.build(account, period) if account else None,
            "watching": service.is_watching(request.reseller),
        },
    )


def _url_name(book: str) -> str:
    return {"clients": "client_history", "subaccounts": "subaccount_history"}.get(
        book, "own_history"
    )


def _minutes() -> int:
    return settings.WATCH_MINUTES
