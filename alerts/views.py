"""/alerts/ (rules, your phone and e-mail, every alert), the e-mail confirmation link, and an
account's contact details (edited from its account page)."""

import logging
import smtplib
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.tenancy import rows
from alerts import confirmation, rules
from alerts.forms import AccountContactForm, AlertSettingsForm
from alerts.models import DEFAULT_CLIENT_TEMPLATE, AccountContact, Alert, AlertSettings, Book
from messaging.books import BOOKS
from messaging.models import ResellerPreferences
from watch.models import WatchedAccount
from watch.service import is_watching

log = logging.getLogger(__name__)
ROWS_PER_PAGE = 50
NAME_LIMIT = 200
EXAMPLE_NAME = "Mama Mboga Traders"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def alerts(request):
    stored = rows(AlertSettings, request.reseller).first()
    if request.method == "POST" and request.POST.get("action") == "resend":
        _resend(request, stored)
        return _back_here()
    if request.method == "POST":
        form = AlertSettingsForm(
            request.POST, instance=stored or AlertSettings(reseller=request.reseller)
        )
        if form.is_valid():
            new_address = stored is None or "email" in form.changed_data
            saved = form.save()
            messages.success(request, _("Your alert rules are saved."))
            if new_address:
                rows(AlertSettings, request.reseller).filter(pk=saved.pk).update(
                    email_confirmed_at=None, confirmation_nonce=""
                )
                if saved.email:
                    _send_link(request, saved)
            return _back_here()
    else:
        form = AlertSettingsForm(
            instance=stored
            or AlertSettings(reseller=request.reseller, client_template=_(DEFAULT_CLIENT_TEMPLATE))
        )
    page = Paginator(
        rows(Alert, request.reseller).prefetch_related("crossings__state"),
        ROWS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    template = form["client_template"].value() or ""
    threshold = ResellerPreferences.low_balance_for(request.reseller)
    example, cost = (None, None)
    if not rules.template_problem(template):
        example, cost = rules.template_cost(template, _longest_name(request.reseller), threshold)
    return render(
        request,
        "alerts/alerts.html",
        {
            "form": form,
            "stored": stored,
            "page": page,
            "example": example,
            "cost": cost,
            "watching": is_watching(request.reseller),
            "dashboard_threshold": threshold,
        },
    )


def _longest_name(reseller) -> str:
    """The longest client name known: the example costs what the dearest message would."""
    longest = (
        rows(WatchedAccount, reseller)
        .exclude(book=Book.OWN)
        .aggregate(longest=Max(Length("name")))["longest"]
    )
    if not longest:
        return EXAMPLE_NAME
    return (
        rows(WatchedAccount, reseller)
        .exclude(book=Book.OWN)
        .annotate(length=Length("name"))
        .filter(length=longest)
        .values_list("name", flat=True)
        .first()
    )


def _resend(request, stored):
    if stored is None or not stored.email:
        messages.error(request, _("Enter your e-mail first."))
    elif stored.email_confirmed:
        messages.info(request, _("Your e-mail is confirmed already."))
    else:
        _send_link(request, stored)


def _send_link(request, stored):
    try:
        confirmation.send_link(request, stored)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("confirmation e-mail not sent: %s", type(error).__name__)
        messages.error(
            request,
            _(
                "The confirmation e-mail could not be sent (the mail server did not take it). "
                "Try “Send the link again” later."
            ),
        )
    else:
        messages.info(
            request,
            _("We e-mailed a link to %(email)s: follow it to receive alerts there.")
            % {"email": stored.email},
        )


def _back_here():
    response = redirect("alerts:alerts")
    response.status_code = 303
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET shows what the link would confirm; only the POST uses it (mail scanners that
    open links must not spend a single-use link)."""
    try:
        said = confirmation.read(token, request.reseller)
    except confirmation.LinkUnusable as problem:
        return render(request, "alerts/confirm.html", {"problem": problem.message}, status=400)
    if request.method == "POST":
        try:
            address = confirmation.confirm(token, request.reseller)
        except confirmation.LinkUnusable as problem:
            return render(request, "alerts/confirm.html", {"problem": problem.message}, status=400)
        messages.success(
            request,
            _("%(email)s is confirmed: alerts will be e-mailed there.") % {"email": address},
        )
        return _back_here()
    return render(request, "alerts/confirm.html", {"email": said.get("e", "")})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact(request, book):
    listing = BOOKS.get(book)
    name = request.GET.get("name", "")[:NAME_LIMIT]
    if listing is None or not name.strip():
        raise Http404(_("Which account? Open it from the list."))
    stored = rows(AccountContact, request.reseller).filter(book=book, name=name).first()
    instance = stored or AccountContact(reseller=request.reseller, book=book, name=name)
    form = AccountContactForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Contact details for “%(name)s” saved.") % {"name": name})
        response = redirect(account_page(book, name))
        response.status_code = 303
        return response
    return render(
        request,
        "alerts/contact.html",
        {"form": form, "name": name, "book": book, "back_url": account_page(book, name)},
    )


def account_page(book: str, name: str) -> str:
    return f"{reverse(f'watch:{BOOKS[book].history_view}')}?{urlencode({'name': name})}"


def contact_url(book: str, name: str) -> str:
    return f"{reverse('alerts:contact', args=[book])}?{urlencode({'name': name})}"
