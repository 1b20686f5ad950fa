"""/clients/topup/ and /subaccounts/topup/: move SMS credit; /topups/<id>/: how it went.

A POST goes through the one submit step (`messaging.submit`): a used one-time key shows its
first outcome, the form is checked against balances read fresh from mSpace, an open top-up
of the same account stops it, and mSpace is asked exactly once; a carried-out top-up is
answered with a 303 to its outcome page (POST/redirect/GET).
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.tenancy import rows
from billing.topup import TopUpPayment
from messaging import acting, large_topup, ledger, picker, submit, topups
from messaging.balances import after
from messaging.books import BOOK_FOR_KIND
from messaging.forms.onetime import posted_key
from messaging.forms.topup import TopUpForm, parse_amount
from messaging.models import LedgerEntry
from messaging.mspace import MspaceError, NotAuthorizedError
from messaging.number_words import in_words
from messaging.reads import AccountBook
from messaging.views.outcomes import see_outcome

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
        balances = topups.read_balances(acting.for_request(request), book, fresh=False)
    except MspaceError as error:
        return _unreadable(request, book, error)
    search = request.GET.get("q", "")
    wanted = request.GET.get("name", "") or _only_match(balances, search)
    known = balances.of(wanted) is not None
    # `?amount_paid=` previews a top-up by amount paid (billing), as `?noofsms=` does.
    query = request.GET if "amount_paid" in request.GET else None
    payment = TopUpPayment(request.reseller, book, query)
    typed = payment.data_with_sms(request.GET).get("noofsms", "")[:40]
    initial = {"name": wanted if known else "", "noofsms": typed}
    form = TopUpForm(
        book=book, accounts=balances.accounts, balance=balances.reseller, initial=initial
    )
    amount, not_in_list = _previewable(typed, balances.reseller), "" if known else wanted
    return _page(
        request,
        book,
        form,
        balances,
        wanted,
        amount=amount,
        not_in_list=not_in_list,
        payment=payment,
        search=search,
    )


def _post(request, book):
    acting_now, checked = acting.for_request(request), {}

    def check():
        balances = checked["balances"] = topups.read_balances(acting_now, book, fresh=True)
        payment = checked["payment"] = TopUpPayment(request.reseller, book, request.POST)
        form = checked["form"] = TopUpForm(
            payment.data_with_sms(request.POST),
            book=book,
            accounts=balances.accounts,
            balance=balances.reseller,
        )
        if not (form.is_valid() & payment.is_valid()):  # `&`: both forms show their errors
            return None
        name, amount = form.cleaned_data["name"], form.cleaned_data["noofsms"]
        return topups.intent(
            book,
            name=name,
            amount=amount,
            balance_before=balances.reseller,
            target_balance_before=form.target_balance(),
            confirm_first=large_topup.is_large(amount, balances.reseller)
            and not large_topup.is_confirmed(request.POST, amount),
            payment=payment,
        )

    outcome = submit.submit(acting_now, posted_key(request.POST), check)
    if outcome.carried_out:
        return see_outcome("messaging:topup_outcome", outcome.entry)
    if outcome.unreadable:  # nothing could be checked, so nothing was sent
        return _unreadable(request, book, outcome.unreadable, posted=True)
    form, balances, payment = checked["form"], checked["balances"], checked["payment"]
    if outcome.to_confirm:  # nothing claimed, nothing sent: the same key goes on
        return _confirmation(request, book, form, balances, payment)
    if outcome.busy:
        form.add_error(
            "name",
            _("Settle the last top-up of this %(singular)s first (see above).")
            % {"singular": book.singular},
        )
    if outcome.over_limit:  # a team member's daily limit: nothing claimed, nothing sent
        form.add_error("noofsms", outcome.over_limit)
    if outcome.key_used_elsewhere or "form_key" in form.errors:
        form = form.rekeyed(form.errors.get("form_key") or [_EXPIRED])
    chosen, amount = form.data.get("name", ""), form.cleaned_data.get("noofsms")
    return _page(
        request,
        book,
        form,
        balances,
        chosen,
        amount=amount,
        open_entry=outcome.busy,
        payment=payment,
    )


@login_required
@require_GET
def outcome(request, entry_id):
    """One top-up as the ledger has it, in the reseller's words: their own, or 404."""
    entry = get_object_or_404(
        rows(LedgerEntry, request.reseller), pk=entry_id, kind__in=list(BOOK_FOR_KIND)
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
            balances = topups.read_balances(acting.for_request(request), book, fresh=False)
        except MspaceError as error:
            context["balance_error"] = error
        else:
            context["balance_now"] = balances.reseller
            context["target_balance_now"] = balances.of(entry.target)
    return render(request, "messaging/topup_outcome.html", context)


def _previewable(typed: str, balance: int) -> int | None:
    """An amount given in the address, if it is one the form would take, for the preview."""
    try:
        amount = parse_amount(typed)
    except ValidationError:
        return None
    return amount if amount <= balance else None


def _only_match(balances, search: str) -> str:
    """The one account a search finds (a search that finds exactly one has chosen it)."""
    if not search:
        return ""
    matches = picker.choices_for(_listing(balances), search=search)
    return matches.options[0].name if matches.found == 1 else ""


def _listing(balances) -> AccountBook:
    return balances.listing if balances.listing is not None else AccountBook(balances.accounts)


def _page(
    request,
    book,
    form,
    balances,
    chosen,
    *,
    amount=None,
    not_in_list="",
    open_entry=None,
    payment=None,
    search="",
):
    """The form page; `chosen` is the account picked, if it is in the list."""
    target_balance = balances.of(chosen) if chosen else None
    chosen = chosen if target_balance is not None else ""
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
