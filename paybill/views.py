"""/payments/: the reseller's confirmation URL, the "Payments to assign" inbox, the payments
received and what became of each, account numbers, and in demo mode a client paying."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.tenancy import rows
from messaging import acting, gateway, ledger, reads
from messaging.books import CLIENTS
from messaging.mspace import MspaceError
from paybill import checking, crediting
from paybill.forms import AccountNumberForm, AssignForm, PaybillSettingsForm
from paybill.models import AccountNumber, MpesaPayment, PaybillLink
from paybill.notices import normalised
from watch.service import is_watching

State = MpesaPayment.State
RECENT = 50


def link_of(reseller) -> PaybillLink:
    """The reseller's Paybill link, made (with its secret) the first time it is needed."""
    return rows(PaybillLink, reseller).first() or _new_link(reseller)


def _new_link(reseller) -> PaybillLink:
    try:
        with transaction.atomic():
            return PaybillLink.objects.create(reseller=reseller)
    except IntegrityError:  # made at the same moment by another page of theirs
        return rows(PaybillLink, reseller).get()


@login_required
@require_GET
def payments(request):
    reseller = request.reseller
    link = link_of(reseller)
    mine = rows(MpesaPayment, reseller).select_related("entry")
    clients, gateway_error = _client_names(request)
    context = {
        "link": link,
        "confirmation_url": request.build_absolute_uri(
            reverse("paybill:confirmation", args=[link.secret])
        ),
        "validation_url": request.build_absolute_uri(
            reverse("paybill:validation", args=[link.secret])
        ),
        "to_assign": mine.filter(state=State.TO_ASSIGN).order_by("received_at", "id"),
        "recent": [_row(p) for p in mine.exclude(state=State.TO_ASSIGN)[:RECENT]],
        "numbers": rows(AccountNumber, reseller),
        "clients": clients,
        "gateway_error": gateway_error,
        "settings_form": PaybillSettingsForm(
            initial={
                "short_code": link.short_code,
                "tell_client": link.tell_client,
                "sender_id": link.sender_id,
            }
        ),
        "account_form": AccountNumberForm(),
        "demo": gateway.uses_simulator(),
        "check_unavailable": checking.unavailable_reason(),
        "watching": is_watching(reseller),
    }
    return render(request, "paybill/payments.html", context)


@login_required
@require_POST
def paybill_settings(request):
    """The Paybill number, and whether (and from which sender ID) clients are told by SMS."""
    form = PaybillSettingsForm(request.POST)
    if form.is_valid():
        link_of(request.reseller)
        rows(PaybillLink, request.reseller).update(**form.cleaned_data)
        messages.success(request, _("Paybill settings saved."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _back()


@login_required
@require_POST
def renew(request):
    """A new secret: the old confirmation URL stops working at once (give Safaricom the new one)."""
    link_of(request.reseller)
    rows(PaybillLink, request.reseller).update(
        secret=PaybillLink._meta.get_field("secret").default(), renewed_at=timezone.now()
    )
    messages.warning(
        request,
        _(
            "Your confirmation URL changed. Register the new one with Safaricom: notices sent "
            "to the old one are refused."
        ),
    )
    return _back()


@login_required
@require_POST
def add_number(request):
    clients, _error = _client_names(request)
    form = AccountNumberForm(request.POST, clients=clients)
    if form.is_valid():
        number = form.cleaned_data["number"]
        try:
            with transaction.atomic():
                AccountNumber.objects.create(
                    reseller=request.reseller,
                    number=number,
                    key=normalised(number),
                    client=form.cleaned_data["client"],
                )
        except IntegrityError:
            messages.error(
                request, _("Account number %(number)s is already given.") % {"number": number}
            )
        else:
            messages.success(
                request,
                _("Account number %(number)s now pays %(client)s.")
                % {"number": number, "client": form.cleaned_data["client"]},
            )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _back()


@login_required
@require_POST
def remove_number(request, number_id):
    rows(AccountNumber, request.reseller).filter(pk=number_id).delete()
    return _back()


@login_required
@require_POST
def assign(request, payment_id):
    """Top up the chosen client with a payment from the inbox, with the person's own session."""
    payment = get_object_or_404(rows(MpesaPayment, request.reseller), pk=payment_id)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the client this payment is for."))
        return _back()
    # Opened before the payment is taken: a session whose password is gone changes nothing.
    acting_now = acting.for_request(request)
    try:
        acting_now.gateway.open()
    except MspaceError as error:
        # A team member while keep watch is off: no credential to top up with (team.standing).
        messages.error(request, error.message)
        return _back()
    done = crediting.credit(
        payment,
        lambda reseller: acting_now,
        by=request.user.get_username(),
        client=form.cleaned_data["client"],
        from_states=(State.TO_ASSIGN,),
    )
    if done is None:
        messages.info(request, _("This payment was already dealt with."))
    elif done.state == State.TOPPED_UP and done.entry_id:
        return redirect("messaging:topup_outcome", entry_id=done.entry_id)
    else:
        messages.error(request, done.reason)
    return _back()


@login_required
@require_POST
def refunded(request, payment_id):
    """The reseller gave the money back through M-Pesa: the payment leaves the inbox."""
    changed = (
        rows(MpesaPayment, request.reseller)
        .filter(pk=payment_id, state=State.TO_ASSIGN)
        .update(
            state=State.REFUNDED,
            state_at=timezone.now(),
            handled_by=request.user.get_username(),
        )
    )
    if changed:
        messages.success(request, _("Marked as refunded."))
    return _back()


@login_required
@require_POST
def check_now(request):
    report = checking.check(link_of(request.reseller))
    if report.problem:
        messages.error(request, report.problem)
    else:
        messages.success(
            request,
            _(
                "Daraja listed %(seen)s payments of the last 48 hours; %(found)s had no notice "
                "and were added."
            )
            % {"seen": report.seen, "found": report.found},
        )
    return _back()


@login_required
@require_POST
def demo_payment(request):
    """Demo mode: a client pays the Paybill, and Daraja's notice arrives (in process)."""
    if not gateway.uses_simulator():
        return redirect("paybill:payments")
    from simulator import daraja

    link = link_of(request.reseller)
    if not link.short_code:
        rows(PaybillLink, request.reseller).update(short_code=daraja.DEMO_SHORT_CODE)
        link.short_code = daraja.DEMO_SHORT_CODE
    account = request.POST.get("account", "")[:100].strip()
    amount = request.POST.get("amount", "")[:20].strip() or "500"
    try:
        body = daraja.pay(link.short_code, account, amount)
    except (ArithmeticError, ValueError):
        messages.error(request, _("Enter an amount such as 500."))
        return _back()
    status, answer = daraja.deliver(reverse("paybill:confirmation", args=[link.secret]), body)
    if status == 200:
        messages.success(
            request,
            _("A client paid KES %(amount)s for account “%(account)s” (M-Pesa code %(code)s).")
            % {"amount": body["TransAmount"], "account": account, "code": body["TransID"]},
        )
    else:
        messages.error(
            request,
            _("The payment notice was refused: %(why)s") % {"why": answer["ResultDesc"]},
        )
    return _back()


def _row(payment):
    entry = payment.entry
    return {
        "payment": payment,
        "needs_checking": entry is not None and ledger.needs_checking(entry),
    }


def _client_names(request):
    try:
        return [a.name for a in reads.accounts(acting.for_request(request), CLIENTS)], None
    except MspaceError as error:
        return None, error


def _back():
    response = redirect("paybill:payments")
    response.status_code = 303
    return response
