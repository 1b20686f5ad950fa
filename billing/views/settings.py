"""/money/settings/: the business name, address and logo on receipts, and default prices;
/money/prices/: a price per client or sub-account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing.forms import AccountPriceForm, BusinessProfileForm
from billing.prices import prices_for, profile_to_read, set_price
from billing.views import tenant
from messaging import acting, reads
from messaging.books import BOOKS
from messaging.mspace import MspaceError


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def business_settings(request):
    profile = profile_to_read(tenant(request))
    form = BusinessProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved. New receipts and statements use these details."))
        return _see_other("billing:settings")
    return render(request, "billing/settings.html", {"form": form, "profile": profile})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_prices(request):
    reseller = tenant(request)
    profile = profile_to_read(reseller)
    book = BOOKS.get(request.POST.get("book") or request.GET.get("book", ""), BOOKS["clients"])
    try:
        accounts = reads.accounts(acting.for_request(request), book)
    except MspaceError as error:
        accounts, gateway_error = [], error
    else:
        gateway_error = None
    form = None
    if request.method == "POST":
        form = AccountPriceForm(request.POST, names=[a.name for a in accounts])
        if form.is_valid():
            data = form.cleaned_data
            set_price(reseller, book.ledger_kind, data["name"], data["price"], data["currency"])
            messages.success(request, _("Price saved for %(name)s.") % {"name": data["name"]})
            response = _see_other("billing:prices")
            response["Location"] += f"?book={book.slug}"
            return response
    own = prices_for(reseller, book.ledger_kind)
    return render(
        request,
        "billing/prices.html",
        {
            "book": book,
            "books": BOOKS.values(),
            "profile": profile,
            "rows": [(account, own.get(account.name)) for account in accounts],
            "gateway_error": gateway_error,
            "form": form,
        },
    )


def _see_other(name):
    response = redirect(name)
    response.status_code = 303
    return response
