"""/topups/<id>/payment/: record a payment made after the top-up (the late payer)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.tenancy import rows
from billing import money, sales
from billing.forms import LatePaymentForm
from billing.models import Sale
from billing.views import tenant
from billing.views.receipts import receipt_of


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_payment(request, entry_id):
    receipt = receipt_of(request, entry_id)  # their own succeeded top-up, or 404
    sale = rows(Sale, tenant(request)).get(entry_id=entry_id)
    form = LatePaymentForm(request.POST or None, currency=sale.currency)
    if request.method == "POST" and form.is_valid():
        payment = sales.record_payment(sale, form.promise(), actor=request.user)
        messages.success(
            request,
            _("Recorded a payment of %(amount)s for receipt No. %(number)s.")
            % {
                "amount": money.format_amount(payment.amount, payment.currency),
                "number": sale.receipt_number,
            },
        )
        response = redirect("messaging:topup_outcome", entry_id=entry_id)
        response.status_code = 303
        return response
    return render(
        request,
        "billing/payment.html",
        {"receipt": receipt, "form": form, "entry_id": entry_id, "sale": sale},
    )
