"""/clients/bulk-topup/, /subaccounts/bulk-topup/ (rule, preview, confirm), /batches/<id>/
(progress, cancel) and /refills/ (refill rules).

The preview is read fresh from mSpace with the logged-in person's session
(`messaging.acting.for_request`); the batch itself runs in the worker with the reseller's
consented standing credential (keep watch), never the session.
A confirm shows the amounts the reseller saw (`plan`); if the fresh balances give other
amounts, nothing starts and the new preview says so.
"""

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.tenancy import rows
from batches import plan, refills, service
from batches.forms import BulkRuleForm, RefillRuleForm
from batches.models import Batch, RefillRule
from messaging import acting, ledger, topups
from messaging.balances import after
from messaging.books import BOOKS
from messaging.models import LedgerEntry
from messaging.mspace import UNLIMITED, MspaceError
from watch import service as watch_service

RECENT_BATCHES = 5


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def bulk_topup(request, book):
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    key = _key(data.get("form_key")) if posted else None
    if key is not None and (first := service.find(request.reseller, key)):
        return _see(first)  # a replayed or doubled confirm: the batch the first one started
    context = {
        "book": book,
        "watching": watch_service.is_watching(request.reseller),
        "running": service.running(request.reseller),
        "recent": rows(Batch, request.reseller).filter(book=book.slug)[:RECENT_BATCHES],
    }
    rule_form = BulkRuleForm(data if any(f in data for f in ("below", "up_to", "add")) else None)
    context["rule_form"] = rule_form
    if not rule_form.is_bound or not rule_form.is_valid():
        return render(request, "batches/bulk_topup.html", context)
    try:
        balances = topups.read_balances(acting.for_request(request), book, fresh=True)
    except MspaceError as error:
        return render(request, "batches/bulk_topup.html", {**context, "gateway_error": error})
    lines = plan.lines(
        balances.accounts, blocked=_open_top_ups(request.reseller, book), **rule_form.rule()
    )
    offered = {line.name: line for line in lines if not line.blocked}
    if posted:
        ticked = [name for name in data.getlist("name") if name in offered]
    else:
        ticked = list(offered) if rule_form.cleaned_data["rule"] == "up_to" else []
    chosen = [offered[name] for name in ticked]
    total = plan.total(chosen)
    problems = []
    if total and balances.reseller < UNLIMITED and total > balances.reseller:
        problems.append(
            _("That is %(total)s SMS, more than your balance of %(balance)s SMS.")
            % {"total": f"{total:,}", "balance": f"{balances.reseller:,}"}
        )
    if posted and data.get("action") == "start" and not problems:
        started = _start(request, book, key, rule_form, data, chosen, offered, balances, problems)
        if started is not None:
            return started
    return render(
        request,
        "batches/bulk_topup.html",
        {
            **context,
            "balance": balances.reseller,
            "lines": lines,
            "ticked": set(ticked),
            "total": total,
            "balance_after": after(balances.reseller, -total),
            "problems": problems,
            "form_key": key or uuid.uuid4(),
            "plan": json.dumps({line.name: line.amount for line in offered.values()}),
            "rule": rule_form.rule(),
        },
    )


def _start(request, book, key, rule_form, data, chosen, offered, balances, problems):
    """Start the batch and redirect to it, or add why not to `problems` and return None."""
    try:
        shown = json.loads(data.get("plan", "{}"))
    except ValueError:
        shown = {}
    gone = [name for name in data.getlist("name") if name not in offered]
    if gone or any(shown.get(line.name) != line.amount for line in chosen):
        problems.append(
            _(
                "Balances changed since the preview, so nothing was started. Check the new "
                "amounts below and start again."
            )
        )
    elif not chosen:
        problems.append(_("Tick at least one account to top up."))
    elif key is None:
        problems.append(_("This form has expired. Check it and start again."))
    elif not watch_service.is_watching(request.reseller):
        problems.append(
            _("Bulk top-ups run in the background with keep watch: turn keep watch on first.")
        )
    else:
        try:
            with transaction.atomic():
                # A team member's daily limit counts the whole batch, under the same lock as
                # their single top-ups (team.allowance): checked and written together.
                allowance = acting.for_request(request).allowance
                why = allowance and allowance.refusal(
                    book.ledger_kind, plan.total(chosen), lock=True
                )
                if why:
                    problems.append(why)
                    return None
                batch, _created = service.start(
                    request.reseller,
                    book,
                    form_key=key,
                    lines=chosen,
                    balance_before=balances.reseller,
                    by=request.user.get_username(),
                    **rule_form.rule(),
                )
        except service.KeyUsedElsewhere:
            problems.append(_("This form has expired. Check it and start again."))
        except service.AnotherIsRunning:
            problems.append(
                _("Another bulk top-up of yours is still running: wait for it, or cancel it.")
            )
        else:
            return _see(batch)
    return None


def _open_top_ups(reseller, book) -> dict:
    targets = (
        rows(LedgerEntry, reseller)
        .filter(kind=book.ledger_kind, status__in=ledger.OPEN_STATUSES)
        .values_list("target", flat=True)
    )
    why = _("Its last top-up is still open: settle it in Activity first.")
    return {target: why for target in targets}


@login_required
@require_GET
def batch(request, batch_id):
    """The batch's progress; `?format=json` gives its figures to the page's script."""
    batch = get_object_or_404(Batch, pk=batch_id, reseller=request.reseller)
    progress = service.progress(batch)
    if request.GET.get("format") == "json":
        return JsonResponse({**progress.as_dict(), "finished": batch.finished_at is not None})
    batch_rows = service.rows_with_entries(batch)
    for row in batch_rows:
        row.outcome = service.outcome_of(row)
    return render(
        request,
        "batches/batch.html",
        {
            "batch": batch,
            "book": BOOKS[batch.book],
            "progress": progress,
            "rows": batch_rows,
            "can_cancel": batch.finished_at is None
            and any(r.state == "waiting" for r in batch_rows),
            "json_url": f"{reverse('batches:batch', args=[batch.pk])}?format=json",
        },
    )


@login_required
@require_POST
def cancel(request, batch_id):
    batch = get_object_or_404(Batch, pk=batch_id, reseller=request.reseller)
    stopped = service.cancel(batch)
    messages.info(
        request,
        _("Cancelled: %(count)s top-ups not yet started will not be sent.") % {"count": stopped},
    )
    return _see(batch)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def refill_rules(request):
    book = BOOKS.get(request.POST.get("book") or request.GET.get("book"), BOOKS["clients"])
    context = {
        "book": book,
        "books": BOOKS.values(),
        "watching": watch_service.is_watching(request.reseller),
    }
    try:
        balances = topups.read_balances(
            acting.for_request(request), book, fresh=request.method == "POST"
        )
    except MspaceError as error:
        context["gateway_error"] = error
        names = []
    else:
        names = [account.name for account in balances.accounts]
    form = RefillRuleForm(request.POST if request.method == "POST" else None, accounts=names)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _rule, created = rows(RefillRule, request.reseller).get_or_create(
            reseller=request.reseller,
            book=book.slug,
            target=data["name"],
            defaults={
                "below": data["below"],
                "amount": data["amount"],
                "times_a_day": data["times_a_day"],
                "sms_a_month": data["sms_a_month"],
                "reserve": data["reserve"],
                "key": uuid.uuid4(),
                "by": request.user.get_username(),
            },
        )
        if created:
            messages.success(request, _("Refill rule for %(name)s saved.") % {"name": data["name"]})
            return _after_post(reverse("batches:refills"))
        form.add_error("name", _("This account has a refill rule already: delete it first."))
    rules = rows(RefillRule, request.reseller).prefetch_related("refills__entry")
    for rule in rules:
        rule.recent = list(rule.refills.all()[:3])
    return render(request, "batches/refills.html", {**context, "form": form, "rules": rules})


@login_required
@require_POST
def refill_rule_action(request, rule_id, action):
    rule = get_object_or_404(RefillRule, pk=rule_id, reseller=request.reseller)
    if action == "resume":
        refills.resume(rule)
        messages.success(request, _("The rule for %(name)s runs again.") % {"name": rule.target})
    else:
        rule.delete()
        messages.success(request, _("The rule for %(name)s was deleted.") % {"name": rule.target})
    return _after_post(reverse("batches:refills"))


def _key(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        return None


def _see(batch):
    return _after_post(reverse("batches:batch", args=[batch.pk]))


def _after_post(url):
    response = redirect(url)
    response.status_code = 303  # POST/redirect/GET
    return response
