"""/clients/statement/ and /subaccounts/statement/: one account's month as a page, a PDF
(`&format=pdf`) or a CSV (`&format=csv`); `.../statements.zip?month=` every account's at once.

Without `name` the page lists the accounts there is a statement for. A name the reseller never
sold to is a 404: the same answer whether or not another reseller has an account of that name.
"""

import io
import zipfile

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from billing import sales, statements
from billing.csv_rows import STATEMENT_HEADER, statement_rows
from billing.prices import profile_to_read
from billing.views import tenant
from messaging.csv_export import csv_lines, csv_response


@login_required
@require_GET
def statement(request, book):
    reseller = tenant(request)
    sales.catch_up(reseller)
    month = statements.parse_month(request.GET.get("month", "")) or statements.this_month()
    name = request.GET.get("name", "")
    if not name:
        return render(
            request,
            "billing/statement_index.html",
            {
                "book": book,
                "month": month,
                "names": statements.names_with_activity(reseller, book.ledger_kind, month),
            },
        )
    if not sales.receipted(reseller).filter(kind=book.ledger_kind, name=name).exists():
        raise Http404("no statement for this account")
    found = statements.for_account(reseller, book.ledger_kind, name, month)
    wanted = request.GET.get("format", "")
    if wanted == "pdf":
        response = HttpResponse(_pdf(reseller, found), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            False, _filename(name, month, "pdf")
        )
        return response
    if wanted == "csv":
        return csv_response(_filename(name, month, "csv"), STATEMENT_HEADER, statement_rows(found))
    return render(
        request,
        "billing/statement.html",
        {"book": book, "month": month, "name": name, "statements": found},
    )


@login_required
@require_GET
def statements_zip(request, book):
    """Every account's statement for the month, PDF and CSV, in one zip file."""
    reseller = tenant(request)
    sales.catch_up(reseller)
    month = statements.parse_month(request.GET.get("month", "")) or statements.this_month()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        used = set()
        for name in statements.names_with_activity(reseller, book.ledger_kind, month):
            found = statements.for_account(reseller, book.ledger_kind, name, month)
            stem = _unique(_filename(name, month, ""), used)
            archive.writestr(f"{stem}pdf", _pdf(reseller, found))
            archive.writestr(
                f"{stem}csv", "".join(csv_lines(STATEMENT_HEADER, statement_rows(found)))
            )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        True, f"statements-{book.slug}-{month:%Y-%m}.zip"
    )
    return response


def _pdf(reseller, found):
    # fpdf2 and its fonts cost a worker ~20 MB: loaded once a PDF is asked for, not at start.
    from billing import pdf

    profile = profile_to_read(reseller)
    return pdf.statement_pdf(
        found,
        business_name=profile.business_name,
        address=profile.address,
        logo_png=bytes(profile.logo_png or b""),
        username=reseller.username,
    )


def _filename(name, month, extension) -> str:
    stem = slugify(name) or "account"
    return f"statement-{stem}-{month:%Y-%m}.{extension}"


def _unique(stem: str, used: set) -> str:
    # Two names can fold to the same file name ("Jinja Fish" and "jinja-fish").
    candidate, n = stem, 2
    while candidate in used:
        candidate = f"{stem[:-1]}-{n}."
        n += 1
    used.add(candidate)
    return candidate
