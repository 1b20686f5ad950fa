"""/activity/: the reseller's own ledger, newest first; one entry; settling an unknown one.

Every query starts from the reseller's own rows (`accounts.tenancy.rows`), so another
reseller's entry is a 404 whatever its number, and never part of a page or a CSV.
"""

import heapq
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.tenancy import rows
from messaging import acting, ledger, sources
from messaging import reconcile as reconciliation
from messaging.csv_export import csv_response
from messaging.forms.words import in_own_words
from messaging.gateway_words import said
from messaging.models import LedgerEntry
from messaging.mspace import MspaceError
from messaging.signals import activity_rows

ROWS_PER_PAGE = 50
# SPEC §4's columns first, in their order; what was added later comes after them.
CSV_COLUMNS = (
    "time",
    "kind",
    "target",
    "amount",
    "status",
    "detail",
    "message_id",
    "sender_id",
    "message",
    "balance_after",
    "source",
    # Who acted: the owner's or a team member's username, or the job's name (last, always).
    "by",
)
FILTERS = ("date_from", "date_to", "kind", "status", "target")
_ANY = [("", _("Any"))]
_DATE_WORDS = _("Enter a date as year-month-day, such as 2026-11-30.")


class ActivityFilter(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _DATE_WORDS},
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _DATE_WORDS},
    )
    kind = forms.ChoiceField(
        choices=_ANY + LedgerEntry.Kind.choices,
        required=False,
        error_messages={"invalid_choice": _("Choose a kind from the list.")},
    )
    status = forms.ChoiceField(
        choices=_ANY + LedgerEntry.Status.choices,
        required=False,
        error_messages={"invalid_choice": _("Choose a status from the list.")},
    )
    target = forms.CharField(
        label=_("Account or number"),
        max_length=200,
        required=False,
        error_messages={"max_length": _("Search with at most 200 characters.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_own_words(self)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("“To” is before “From”: choose a later date."))
        return cleaned

    def filter(self, entries):
        """`entries` narrowed by every filter chosen validly; a nonsense one is left out (and
        `errors` says why). Dates are whole days in the reseller's time zone."""
        self.is_valid()
        chosen = self.cleaned_data
        lookups = {
            "date_from": "created_at__date__gte",
            "date_to": "created_at__date__lte",
            "kind": "kind",
            "status": "status",
            "target": "target",
        }
        for field, lookup in lookups.items():
            value = chosen.get(field)
            if value:
                entries = entries.filter(**{lookup: value})
        return entries

    def query(self, **extra) -> str:
        """The query string for these filters (only the ones set), plus `extra`."""
        params = {k: self.data.get(k) for k in FILTERS if self.data.get(k)}
        params.update(extra)
        return f"?{urlencode(params)}" if params else ""


@login_required
@require_GET
def activity(request):
    """The reseller's entries, filtered by `?date_from=&date_to=&kind=&status=&target=`;
    `?format=csv` exports them."""
    own = rows(LedgerEntry, request.reseller)
    filters = ActivityFilter(request.GET)
    entries = filters.filter(own).order_by("-created_at", "-id")
    if request.GET.get("format") == "csv":
        day = timezone.localdate().isoformat()
        lines = _csv_rows_with_others(request.reseller, filters, entries)
        return csv_response(f"activity-{day}.csv", CSV_COLUMNS, lines)

    paginator = Paginator(entries, ROWS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    found = sources.of(request.reseller, page.object_list)
    for entry in page.object_list:
        entry.source = found[entry.pk]
    return render(
        request,
        "messaging/activity.html",
        {
            "filters": filters,
            "page": page,
            "entries": page.object_list,
            "filtered": any(request.GET.get(k) for k in FILTERS),
            "filter_problems": [
                f"{filters.fields[name].label or name.capitalize()}: {problem}"
                if name in filters.fields
                else problem
                for name, problems in filters.errors.items()
                for problem in problems
            ],
            "targets": own.order_by().values_list("target", flat=True).distinct()[:500],
            "csv_url": reverse("messaging:activity") + filters.query(format="csv"),
            "previous_url": filters.query(page=page.previous_page_number())
            if page.has_previous()
            else None,
            "next_url": filters.query(page=page.next_page_number()) if page.has_next() else None,
        },
    )


@login_required
@require_GET
def entry_detail(request, entry_id):
    """One of the reseller's own entries, with the way to settle it if its outcome is unknown."""
    entry = get_object_or_404(rows(LedgerEntry, request.reseller), pk=entry_id)
    return render(
        request,
        "messaging/activity_entry.html",
        {
            "entry": entry,
            "needs_checking": ledger.needs_checking(entry),
            "still_sending": entry.status == LedgerEntry.Status.PENDING
            and not ledger.needs_checking(entry),
        },
    )


@login_required
@require_POST
def reconcile(request, entry_id):
    """Settle an unknown outcome: `action=check` re-reads balances, `went_through` or
    `did_not_go_through` records what the reseller found out themselves."""
    entry = get_object_or_404(rows(LedgerEntry, request.reseller), pk=entry_id)
    action = request.POST.get("action", "")
    if not ledger.needs_checking(entry):
        messages.info(request, _("This entry is already settled: nothing was changed."))
    elif action == "check":
        _check(request, entry)
    elif action in ("went_through", "did_not_go_through"):
        went_through = action == "went_through"
        if reconciliation.mark(entry, went_through=went_through, by=request.user.get_username()):
            if went_through:
                recorded = _("Recorded: the %(kind)s went through.")
            else:
                recorded = _("Recorded: the %(kind)s did not go through.")
            messages.success(request, recorded % {"kind": entry.get_kind_display()})
        else:
            messages.info(
                request, _("This entry was settled in the meantime: nothing was changed.")
            )
    else:
        messages.error(
            request, _("Choose “Check now”, “It went through” or “It did not go through”.")
        )
    if entry.is_top_up and request.POST.get("back") == "outcome":
        target = reverse("messaging:topup_outcome", args=[entry.pk])
    else:
        target = reverse("messaging:activity_entry", args=[entry.pk])
    response = redirect(target)
    response.status_code = 303
    return response


def _check(request, entry):
    try:
        finding = reconciliation.check(acting.for_request(request), entry)
    except MspaceError as error:
        messages.error(
            request,
            _("Could not check with mSpace: %(reason)s Nothing was changed.")
            % {"reason": said(error.message)},
        )
        return
    if finding.status == LedgerEntry.Status.SUCCEEDED:
        messages.success(request, _("It went through: %(note)s") % {"note": finding.note})
    elif finding.status == LedgerEntry.Status.FAILED:
        messages.success(request, _("It did not go through: %(note)s") % {"note": finding.note})
    else:
        messages.warning(request, _("Still not settled: %(note)s") % {"note": finding.note})


def _csv_rows_with_others(reseller, filters, entries):
    """The ledger's rows and other apps' (`activity_rows`), merged newest first."""
    filters.is_valid()  # a nonsense filter is left out, as on the page
    chosen = filters.cleaned_data
    others = [
        theirs
        for _receiver, theirs in activity_rows.send(LedgerEntry, reseller=reseller, chosen=chosen)
    ]
    ledger_rows = ((entry.created_at, row) for entry, row in _csv_rows(reseller, entries))
    merged = heapq.merge(ledger_rows, *others, key=lambda pair: pair[0], reverse=True)
    return (row for _at, row in merged)


def _csv_rows(reseller, entries):
    # The CSV is read by spreadsheets and scripts: its `kind` keeps SPEC's English words
    # ("client top-up") whatever language the page is in.
    with translation.override("en"):
        for chunk in _chunks(entries.iterator(chunk_size=2000), 2000):
            found = sources.of(reseller, chunk)
            for entry in chunk:
                yield entry, _csv_row(entry, found[entry.pk].label)


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_row(entry, source):
    return (
        timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
        entry.get_kind_display(),
        entry.target,
        entry.amount,
        entry.status,
        " ".join(part for part in (entry.detail, entry.reconcile_note) if part),
        entry.message_id,
        entry.sender_id,
        entry.message,
        entry.balance_after,
        source,
        entry.actor_name,
    )
