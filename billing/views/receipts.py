"""/topups/<id>/receipt/ (printable page) and /topups/<id>/receipt.pdf: a reseller's own
succeeded top-ups only; anything else is a 404, so nobody learns another's receipt exists."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from accounts.tenancy import rows
from billing import receipts, sales
from billing.views import tenant
from messaging.models import LedgerEntry


def receipt_of(request, entry_id) -> receipts.Receipt:
    entry = get_object_or_404(
        rows(LedgerEntry, tenant(request)),
        pk=entry_id,
        kind__in=sales.TOP_UP_KINDS,
        status=LedgerEntry.Status.SUCCEEDED,
    )
    return receipts.of_sale(sales.settle(entry))


@login_required
@require_GET
def receipt_page(request, entry_id):
    receipt = receipt_of(request, entry_id)
    return render(
        request,
        "billing/receipt.html",
        {"receipt": receipt, "entry_id": entry_id, "not_a_tax_invoice": receipts.NOT_A_TAX_INVOICE},
    )


@login_required
@require_GET
def receipt_pdf(request, entry_id):
    receipt = receipt_of(request, entry_id)
    # fpdf2 and its fonts cost a worker ~20 MB: loaded once a PDF is asked for, not at start.
    from billing import pdf

    response = HttpResponse(pdf.receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, receipt.filename)
    return response


@login_required
@require_GET
def receipt_logo(request):
    """The reseller's own logo, for their receipt and statement pages."""
    from billing.prices import profile_to_read

    logo = bytes(profile_to_read(tenant(request)).logo_png or b"")
    if not logo:
        return HttpResponse(status=404)
    return HttpResponse(logo, content_type="image/png")
