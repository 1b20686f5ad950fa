"""/send/: a test SMS to check a sender ID and a handset, and /send/<id>/: how it went."""

import uuid

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from messaging import reads, sending
from messaging.forms.send import SendTestSmsForm
from messaging.gateway_words import said
from messaging.ledger import AlreadyClaimed, find_claimed, is_stale
from messaging.models import LedgerEntry
from messaging.mspace import MspaceError
from messaging.sms import MAX_PARTS, counter_words, describe

_KEY_USED = gettext_lazy(
    "This form was already used. It has been refreshed: please check it and send it again."
)


@login_required
@require_http_methods(["GET", "POST"])
def send_test_sms(request):
    """The form (GET); a valid POST is sent once and answered with a redirect to its outcome.

    A form posted again (replayed, double-clicked, or several copies at once) is answered
    with the outcome of its first sending: its one-time key reaches mSpace once. A form that
    is not sent leaves no ledger row.
    """
    if request.method == "POST":
        return _post(request)
    balance, balance_problem = _balance(request, fresh=False)
    recent = sending.recent_sender_ids(request.user)
    initial = {
        # "Send another" links carry the last send's sender ID and recipient.
        "senderid": request.GET.get("senderid") or (recent[0] if recent else ""),
        "recipient": request.GET.get("recipient", ""),
    }
    form = SendTestSmsForm(initial=initial, balance=balance)
    return _page(request, form, balance_problem, recent)


@login_required
@require_safe
def outcome(request, entry_id):
    """One test SMS as the ledger has it: the reseller's own, or 404."""
    entry = get_object_or_404(
        LedgerEntry, pk=entry_id, reseller=request.user, kind=LedgerEntry.Kind.TEST_SMS
    )
    # A row pending long past the gateway timeout lost its worker mid-call: nobody will
    # settle it, and the SMS may have gone out.
    return render(
        request, "messaging/send_outcome.html", {"entry": entry, "abandoned": is_stale(entry)}
    )


def _post(request):
    form = SendTestSmsForm(request.POST)
    key = form.posted_key()
    sent_before = find_claimed(request.user, key) if key else None
    if sent_before is not None:
        return _to_outcome(sent_before)

    # Read fresh: the form checks the cost against it, and the ledger keeps it so that an
    # unknown outcome can be settled by reading the balance again.
    form.balance, balance_problem = _balance(request, fresh=True)
    if getattr(request, "gateway_refused_credentials", False):
        # The middleware ends the session on the way out; nothing is sent.
        return _page(request, form, balance_problem)
    if form.balance is None:
        # mSpace cannot even say what the reseller has: fail closed, before any ledger row.
        form.is_valid()
        form.add_error(
            None,
            _("Nothing was sent: your balance could not be read. %(problem)s")
            % {"problem": balance_problem},
        )
        return _page(request, form, balance_problem)
    if not form.is_valid():
        if "form_key" in form.errors:
            form = _rekeyed(form, form.errors["form_key"])
        return _page(request, form, balance_problem)

    sms = sending.OutgoingSms(
        sender_id=form.cleaned_data["senderid"],
        recipient=form.cleaned_data["recipient"],
        message=form.cleaned_data["message"],
    )
    try:
        entry = sending.send_test_sms(
            request, sms, form_key=form.cleaned_data["form_key"], balance_before=form.balance
        )
    except AlreadyClaimed as claimed:
        if claimed.entry is None:  # another reseller's key: theirs to see, not ours
            return _page(request, _rekeyed(form, [_KEY_USED]), balance_problem)
        entry = claimed.entry  # a copy of this form sent at the same moment won the race
    return _to_outcome(entry)


def _to_outcome(entry):
    return redirect("messaging:send_outcome", entry_id=entry.pk)


def _balance(request, *, fresh: bool) -> tuple[int | None, str]:
    """The reseller's balance, or None and what went wrong in plain words."""
    try:
        return reads.balance(request, fresh=fresh), ""
    except MspaceError as error:
        return None, said(error.message)


def _rekeyed(form: SendTestSmsForm, problems) -> SendTestSmsForm:
    """`form` as posted, checked again under a new one-time key, saying why it was not sent."""
    data = form.data.copy()
    data[form.add_prefix("form_key")] = str(uuid.uuid4())
    rekeyed = SendTestSmsForm(data, balance=form.balance)
    rekeyed.is_valid()
    for problem in problems:
        rekeyed.add_error(None, problem)
    return rekeyed


def _page(request, form: SendTestSmsForm, balance_problem: str, recent_sender_ids=None):
    if recent_sender_ids is None:
        recent_sender_ids = sending.recent_sender_ids(request.user)
    return render(
        request,
        "messaging/send.html",
        {
            "form": form,
            "balance": form.balance,
            "balance_problem": balance_problem,
            "counter": describe(form.message_count()),
            "max_parts": MAX_PARTS,
            "counter_words": counter_words(),
            "recent_sender_ids": recent_sender_ids,
        },
    )
