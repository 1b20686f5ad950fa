"""/money/: sales, payments and margins this month and last; who owes what, oldest first.
`?format=csv` downloads the same figures."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing import sales, statements, summary
from billing.csv_rows import MONEY_HEADER, money_rows
from billing.prices import profile_to_read
from billing.views import tenant
from messaging.books import BOOK_FOR_KIND
from messaging.csv_export import csv_response


@login_required
@require_GET
def money_page(request):
    reseller = tenant(request)
    sales.catch_up(reseller)
    this = statements.this_month()
    last = statements.previous_month(this)
    months = [
        (this, summary.month_figures(reseller, this)),
        (last, summary.month_figures(reseller, last)),
    ]
    owed = summary.owed_by_account(reseller)
    if request.GET.get("format") == "csv":
        return csv_response(
            f"money-{this:%Y-%m}.csv",
            MONEY_HEADER,
            money_rows([f for _, figures in months for f in figures], owed),
        )
    return render(
        request,
        "billing/money.html",
        {
            "months": months,
            "owed": [(o, BOOK_FOR_KIND[o.kind]) for o in owed],
            "profile": profile_to_read(reseller),
        },
    )
