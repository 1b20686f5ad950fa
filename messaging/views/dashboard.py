"""The dashboard and the two account lists: every balance at a glance.

Gateway trouble never ends a page: each read that failed is named in plain words and the
rest of the page shows what did load.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.tenancy import rows
from messaging import acting, balances, reads
from messaging.books import CLIENTS, SUB_ACCOUNTS, Book
from messaging.csv_export import csv_response
from messaging.models import LedgerEntry, ResellerPreferences
from messaging.mspace import MspaceError, NotAuthorizedError, is_countable
from watch import lists as days_left

ROWS_PER_PAGE = 50
RECENT_ENTRIES = 5
LOW_ON_DASHBOARD = 10  # the lowest few per book; the list sorted by balance shows the rest
# Longer than any account name; a longer search could only echo megabytes back into the page.
SEARCH_LIMIT = 100
LOW_BALANCE_MAX = 1_000_000_000

SORT_LABELS = {
    "name": gettext_lazy("Name, A to Z"),
    "-name": gettext_lazy("Name, Z to A"),
    "balance": gettext_lazy("Balance, lowest first"),
    "-balance": gettext_lazy("Balance, highest first"),
    days_left.DAYS_LEFT_SORT: days_left.SORT_LABEL,
}


class LowBalanceForm(forms.Form):
    low_balance = forms.IntegerField(
        label=gettext_lazy("Running low below"),
        min_value=0,
        max_value=LOW_BALANCE_MAX,
        help_text=gettext_lazy("SMS. Clients and sub-accounts with fewer are marked “Low”."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set per form, in the language of the page being shown.
        self.fields["low_balance"].error_messages.update(
            required=gettext("Enter the number of SMS below which an account is running low."),
            invalid=gettext("Enter a whole number of SMS, such as 100."),
            min_value=gettext("Enter 0 or more SMS."),
            max_value=gettext("Enter at most %(limit)s SMS.")
            % {"limit": intcomma(LOW_BALANCE_MAX)},
        )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def dashboard(request):
    threshold = ResellerPreferences.low_balance_for(request.reseller)
    form = LowBalanceForm(initial={"low_balance": threshold})
    if request.method == "POST":
        form = LowBalanceForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["low_balance"]
            rows(ResellerPreferences, request.reseller).update_or_create(
                reseller=request.reseller, defaults={"low_balance": chosen}
            )
            messages.success(
                request,
                gettext("Accounts with fewer than %(threshold)s SMS are now shown as running low.")
                % {"threshold": intcomma(chosen)},
            )
            return redirect("messaging:dashboard")

    figures = reads.dashboard(acting.for_request(request), fresh=bool(request.GET.get("refresh")))
    books = [
        _book_summary(CLIENTS, figures.clients, threshold),
        _book_summary(SUB_ACCOUNTS, figures.sub_accounts, threshold),
    ]
    balance = figures.balance
    return render(
        request,
        "messaging/dashboard.html",
        {
            "balance": None if isinstance(balance, MspaceError) else balance,
            "balance_error": balance if isinstance(balance, MspaceError) else None,
            "books": books,
            "threshold": threshold,
            "form": form,
            "recent": rows(LedgerEntry, request.reseller)[:RECENT_ENTRIES],
            "read_at": timezone.localtime(figures.read_at),
        },
    )


@login_required
@require_GET
def account_list(request, book: Book):
    query = request.GET.get("q", "").strip()
    search = query[:SEARCH_LIMIT]
    sort = request.GET.get("sort", reads.DEFAULT_SORT)
    if sort not in SORT_LABELS:
        sort = reads.DEFAULT_SORT
    list_url = book.list_url()
    context = {
        "book": book,
        "search": search,
        "search_shortened": len(query) > SEARCH_LIMIT,
        "sort": sort,
        "sort_label": SORT_LABELS[sort],
        "list_url": list_url,
        "error": None,
        "not_reseller": False,
    }
    try:
        listing = reads.account_book(
            acting.for_request(request), book, fresh=bool(request.GET.get("refresh"))
        )
    except NotAuthorizedError:
        context["not_reseller"] = True
        return render(request, "messaging/account_list.html", context)
    except MspaceError as error:
        context["error"] = error
        return render(request, "messaging/account_list.html", context)
    if not listing:
        context["not_reseller"] = True
        return render(request, "messaging/account_list.html", context)

    forecasts = days_left.for_book(request.reseller.pk, book.slug)
    if sort == days_left.DAYS_LEFT_SORT:
        found = forecasts.soonest_first(listing.find(search))
    else:
        found = listing.find(search, sort)
    if request.GET.get("format") == "csv":
        day = timezone.localdate().isoformat()
        rows = (
            (account.name, balances.for_csv(account.balance), forecasts.csv_value(account.name))
            for account in found
        )
        return csv_response(f"{book.slug}-{day}.csv", ("name", "balance", "days_left"), rows)

    threshold = ResellerPreferences.low_balance_for(request.reseller)
    top_up_url = book.top_up_url()
    history_url = reverse(f"watch:{book.history_view}")
    paginator = Paginator(found, ROWS_PER_PAGE)
    page = paginator.get_page(_page_number(request.GET.get("page")))
    page_links = [
        {"number": n, "url": _list_query(list_url, search, sort, page=n)}
        if n != Paginator.ELLIPSIS
        else None
        for n in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    context.update(
        {
            "rows": [
                listing.table_row(
                    account,
                    balances.is_low(account.balance, threshold),
                    top_up_url,
                    _table_row,
                    extra=(
                        forecasts.text(account.name) if is_countable(account.balance) else "",
                        history_url,
                    ),
                )
                for account in page.object_list
            ],
            "page": page,
            "page_links": page_links if paginator.num_pages > 1 else [],
            "previous_url": _list_query(list_url, search, sort, page=page.number - 1)
            if page.has_previous()
            else None,
            "next_url": _list_query(list_url, search, sort, page=page.number + 1)
            if page.has_next()
            else None,
            "total": len(listing),
            "found": paginator.count,
            "total_credit": listing.total_credit,
            "unlimited_count": listing.unlimited_count,
            "unreadable_count": listing.unreadable_count,
            "threshold": threshold,
            "csv_url": _list_query(list_url, search, sort, format="csv"),
            # A header shows its own order first, then the reverse on a second click; balance
            # starts lowest first, because the low ones are what resellers look for.
            "name_sort_url": _list_query(list_url, search, "-name" if sort == "name" else "name"),
            "balance_sort_url": _list_query(
                list_url, search, "-balance" if sort == "balance" else "balance"
            ),
            "days_left_sort_url": _list_query(list_url, search, days_left.DAYS_LEFT_SORT),
        }
    )
    return render(request, "messaging/account_list.html", context)


def _book_summary(book: Book, read, threshold: int) -> dict:
    """What the dashboard shows of one book: its totals and its lowest accounts, or why not."""
    summary = {
        "book": book,
        "list_url": book.list_url(),
        "top_up_url": book.top_up_url(),
        "error": None,
        "not_reseller": False,
    }
    if isinstance(read, NotAuthorizedError) or (not isinstance(read, MspaceError) and not read):
        summary["not_reseller"] = True
    elif isinstance(read, MspaceError):
        summary["error"] = read
    else:
        low = read.running_low(threshold)
        summary.update(
            {
                "count": len(read),
                "total_credit": read.total_credit,
                "unlimited_count": read.unlimited_count,
                "unreadable_count": read.unreadable_count,
                "low": low[:LOW_ON_DASHBOARD],
                "low_count": len(low),
                "low_more": len(low) > LOW_ON_DASHBOARD,
            }
        )
    return summary


def _page_number(raw) -> int:
    """A page number from the query string; nonsense, zero or negative means the first page."""
    try:
        number = int(raw)
    except (TypeError, ValueError):  # also a number too long for int()
        return 1
    return max(number, 1)


def _list_query(list_url: str, search: str, sort: str, **extra) -> str:
    """The address of a list page, keeping only what differs from the defaults."""
    params = {}
    if search:
        params["q"] = search
    if sort != reads.DEFAULT_SORT:
        params["sort"] = sort
    params.update({k: v for k, v in extra.items() if not (k == "page" and v == 1)})
    return f"{list_url}?{urlencode(params)}" if params else list_url


def _table_row(account, low: bool, top_up_url: str, extra: tuple[str, str]) -> str:
    """One row of the list's table. `AccountBook.table_row` keeps it with the book's read, so
    the row's template may use nothing but these values (`extra`: days left, history URL)."""
    days, history_url = extra
    return render_to_string(
        "messaging/_account_row.html",
        {
            "account": account,
            "low": low,
            "top_up_url": top_up_url,
            "days_left": days,
            "history_url": history_url,
        },
    )
