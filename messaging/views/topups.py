"""/clients/topup/ and /subaccounts/topup/: move SMS credit; /topups/<id>/: how it went.

The POST is handled in an order that keeps money safe:

1. a form whose one-time key was already used shows that first outcome (a replay or a
   double click never asks mSpace again, even if the form would now be refused);
2. the form is checked against the balance and the list read fresh from mSpace;
3. a top-up of an account whose last top-up is still open (pending or unknown) is refused;
4. the key is claimed (the pending ledger row) and mSpace is asked exactly once;
5. the answer is a 303 redirect to the outcome page (POST/redirect/GET).
"""

import uuid
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from billing.topup import TopUpPayment
from messaging import large_topup, ledger, picker, topups
from messaging.balances import after
from messaging.books import BOOK_FOR_KIND
from messaging.forms.topup import TopUpForm, parse_amount
from messaging.models import LedgerEntry
from messaging.mspace import MspaceError, NotAuthorizedError
from messaging.number_words import in_words
from messaging.reads import AccountBook

_EXPIRED = gettext_lazy(
    "This form had already been used. It has been refreshed: please check it and send it again."
)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def top_up(request, book):
    """The top-up form (GET, `?name=` preselects); a valid POST tops up once and redirects."""
    if request.method == "POST":
        return _post(request, book)
    try:
        balances = topups.read_balances(request, book, fresh=False)
    except MspaceError as error:
        return _unreadable(request, book, error)
    wanted = request.GET.get("name", "")
    search = request.GET.get("q", "")
    if not wanted and search:
        # A search that finds exactly one account has chosen it.
        matches = picker.choices_for(_listing(balances), search=search)
        if matches.found == 1:
            wanted = matches.options[0].name
    known = balances.of(wanted) is not None
    # `?amount_paid=` previews a top-up by amount paid (billing), as `?noofsms=` does.
    query = request.GET if "amount_paid" in request.GET else None
    payment = TopUpPayment(request.user, book, query)
    typed = payment.data_with_sms(request.GET).get("noofsms", "")[:40]
    form = TopUpForm(
        book=book,
        accounts=balances.accounts,
        balance=balances.reseller,
        initial={"name": wanted if known else "", "noofsms": typed},
    )
    return _page(
        request,
        book,
        form,
        balances,
        chosen=wanted if known else "",
        amount=_previewable(typed, balances.reseller),
        not_in_list=wanted if wanted and not known else "",
        payment=payment,
        search=search,
    )


def _post(request, book):
    key = _posted_key(request)
    if key is not None and (first := ledger.find_claimed(request.user, key)):
        return _see(first)

    try:
        balances = topups.read_balances(request, book, fresh=True)
    except MspaceError as error:
        # Nothing can be checked, so nothing is sent and no row is written.
        return _unreadable(request, book, error, posted=True)
    payment = TopUpPayment(request.user, book, request.POST)
    form = TopUpForm(
        payment.data_with_sms(request.POST),
        book=book,
        accounts=balances.accounts,
        balance=balances.reseller,
    )
    open_entry = None
    if form.is_valid() & payment.is_valid():  # `&`: both forms show their errors at once
        name, amount = form.cleaned_data["name"], form.cleaned_data["noofsms"]
        open_entry = topups.unsettled(request.user, book, name)
        if (
            open_entry is None
            and large_topup.is_large(amount, balances.reseller)
            and not large_topup.is_confirmed(request.POST, amount)
        ):
            # Nothing claimed, nothing sent: the same key goes on to the confirmation.
            return _confirmation(request, book, form, balances, payment)
        if open_entry is None:
            payment.promise(form_key=form.cleaned_data["form_key"], name=name, sms=amount)
            try:
                entry = topups.top_up(
                    request,
                    book,
                    form_key=form.cleaned_data["form_key"],
                    name=name,
                    amount=amount,
                    balance_before=balances.reseller,
                    target_balance_before=form.target_balance(),
                )
            except ledger.AlreadyClaimed as claimed:
                if claimed.entry is not None:
                    return _see(claimed.entry)
                form = _rekeyed(form, balances, [_EXPIRED])
            except ledger.UnsettledTopUp as busy:
                open_entry = busy.entry
            else:
                payment.settle(entry)
                return _see(entry)
        if open_entry is not None:
            form.add_error(
                "name",
                _("Settle the last top-up of this %(singular)s first (see above).")
                % {"singular": book.singular},
            )

    # A copy of this same form, sent at the same moment, may have claimed the key while this
    # one was being checked: the reseller sees that outcome, not a refusal of its twin.
    if key is not None and (first := ledger.find_claimed(request.user, key)):
        return _see(first)
    if "form_key" in form.errors:
        form = _rekeyed(form, balances, form.errors["form_key"])
    chosen = form.data.get("name", "")
    return _page(
        request,
        book,
        form,
        balances,
        chosen=chosen if balances.of(chosen) is not None else "",
        amount=form.cleaned_data.get("noofsms"),
        open_entry=open_entry,
        payment=payment,
    )


@login_required
@require_GET
def outcome(request, entry_id):
    """One top-up as the ledger has it, in the reseller's words: their own, or 404."""
    entry = get_object_or_404(
        LedgerEntry,
        pk=entry_id,
        reseller=request.user,
        kind__in=list(BOOK_FOR_KIND),
    )
    book = BOOK_FOR_KIND[entry.kind]
    context = {
        "entry": entry,
        "book": book,
        "headline": topups.headline(entry),
        "needs_checking": ledger.needs_checking(entry),
        "in_progress": entry.status == LedgerEntry.Status.PENDING
        and not ledger.needs_checking(entry),
        "top_up_url": book.top_up_url(),
        "list_url": book.list_url(),
    }
    if not context["in_progress"]:
        # Balances as they are now. Any ledger change made older copies stale, so a
        # settled top-up is never shown next to the balances from before it.
        try:
            balances = topups.read_balances(request, book, fresh=False)
        except MspaceError as error:
            context["balance_error"] = error
        else:
            context["balance_now"] = balances.reseller
            context["target_balance_now"] = balances.of(entry.target)
    return render(request, "messaging/topup_outcome.html", context)


def _see(entry):
    # 303: whatever the browser posted, it now GETs the outcome (POST/redirect/GET).
    response = redirect("messaging:topup_outcome", entry_id=entry.pk)
    response.status_code = 303
    return response


def _posted_key(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(request.POST.get("form_key", "")))
    except ValueError:
        return None


def _rekeyed(form, balances, problems):
    """`form` as posted, checked again under a new one-time key, saying why it was not sent."""
    data = form.data.copy()
    data["form_key"] = str(uuid.uuid4())
    rekeyed = TopUpForm(data, book=form.book, accounts=balances.accounts, balance=balances.reseller)
    rekeyed.is_valid()
    for problem in problems:
        rekeyed.add_error(None, problem)
    return rekeyed


def _previewable(typed: str, balance: int) -> int | None:
    """An amount given in the address, if it is one the form would take, for the preview."""
    try:
        amount = parse_amount(typed)
    except ValidationError:
        return None
    return amount if amount <= balance else None


def _listing(balances) -> AccountBook:
    return balances.listing if balances.listing is not None else AccountBook(balances.accounts)


def _page(
    request,
    book,
    form,
    balances,
    *,
    chosen="",
    amount=None,
    not_in_list="",
    open_entry=None,
    payment=None,
    search="",
):
    target_balance = balances.of(chosen) if chosen else None
    return render(
        request,
        "messaging/topup.html",
        {
            "book": book,
            "form": form,
            "balance": balances.reseller,
            "accounts": balances.accounts,
            "choices": picker.choices_for(_listing(balances), search=search, chosen=chosen),
            "chosen": chosen,
            "target_balance": target_balance,
            "amount": amount,
            "balance_after": after(balances.reseller, -amount) if amount else None,
            "target_balance_after": after(target_balance, amount)
            if amount and target_balance is not None
            else None,
            "not_in_list": not_in_list,
            "open_entry": open_entry,
            "open_entry_needs_checking": open_entry is not None
            and ledger.needs_checking(open_entry),
            "list_url": book.list_url(),
            **(payment.page_context() if payment else {}),
        },
    )


def _confirmation(request, book, form, balances, payment):
    """The second step of a large top-up: the amount in words, both balances after it."""
    name, amount = form.cleaned_data["name"], form.cleaned_data["noofsms"]
    target_balance = form.target_balance()
    # The payment taken (billing) goes on with the confirmation, and back to the form if the
    # reseller changes the amount, so confirming a large top-up never drops it.
    payment_kept = [
        (field, request.POST[field]) for field in payment.form.fields if request.POST.get(field)
    ]
    change_query = urlencode([("name", name), ("noofsms", amount), *payment_kept])
    return render(
        request,
        "messaging/topup_confirm.html",
        {
            "book": book,
            "form_key": form.cleaned_data["form_key"],
            "name": name,
            "amount": amount,
            "amount_in_words": in_words(amount),
            "balance": balances.reseller,
            "balance_after": after(balances.reseller, -amount),
            "target_balance": target_balance,
            "target_balance_after": after(target_balance, amount)
            if target_balance is not None
            else None,
            "confirmed_field": large_topup.CONFIRMED_FIELD,
            "payment_kept": payment_kept,
            "change_url": f"{book.top_up_url()}?{change_query}",
        },
    )


def _unreadable(request, book, error, *, posted=False):
    return render(
        request,
        "messaging/topup.html",
        {
            "book": book,
            "form": None,
            "gateway_error": error,
            "not_reseller": isinstance(error, NotAuthorizedError),
            "posted": posted,
            "retry_url": request.get_full_path(),
            "list_url": book.list_url(),
        },
    )
