"""/send/: a test SMS to check a sender ID and a handset, and /send/<id>/: how it went."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from accounts.tenancy import rows
from messaging import acting, reads, sending, submit
from messaging.forms.send import SendTestSmsForm
from messaging.gateway_words import said
from messaging.ledger import is_stale
from messaging.models import LedgerEntry
from messaging.mspace import MspaceError
from messaging.sms import MAX_PARTS, counter_words, describe
from messaging.views.outcomes import see_outcome

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
    recent = sending.recent_sender_ids(request.reseller)
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
        rows(LedgerEntry, request.reseller), pk=entry_id, kind=LedgerEntry.Kind.TEST_SMS
    )
    # A row pending long past the gateway timeout lost its worker mid-call: nobody will
    # settle it, and the SMS may have gone out.
    return render(
        request, "messaging/send_outcome.html", {"entry": entry, "abandoned": is_stale(entry)}
    )


def _post(request):
    acting_now, form = acting.for_request(request), SendTestSmsForm(request.POST)

    def check():
        # Read fresh: the form checks the cost against it, and the ledger keeps it so that
        # an unknown outcome can be settled by reading the balance again.
        form.balance = reads.balance(acting_now, fresh=True)
        if not form.is_valid():
            return None
        sms = sending.OutgoingSms(
            *(form.cleaned_data[f] for f in ("senderid", "recipient", "message"))
        )
        return sending.intent(sms, balance_before=form.balance)

    outcome = submit.submit(acting_now, form.posted_key(), check)
    if outcome.carried_out:
        return see_outcome("messaging:send_outcome", outcome.entry)
    if outcome.unreadable:
        # mSpace cannot even say what the reseller has: fail closed, before any ledger row.
        form.is_valid()
        problem = said(outcome.unreadable.message)
        form.add_error(
            None,
            _("Nothing was sent: your balance could not be read. %(problem)s")
            % {"problem": problem},
        )
        return _page(request, form, problem)
    if outcome.key_used_elsewhere or "form_key" in form.errors:
        form = form.rekeyed(form.errors.get("form_key") or [_KEY_USED])
    return _page(request, form, "")


def _balance(request, *, fresh: bool) -> tuple[int | None, str]:
    """The reseller's balance, or None and what went wrong in plain words."""
    try:
        return reads.balance(acting.for_request(request), fresh=fresh), ""
    except MspaceError as error:
        return None, said(error.message)


def _page(request, form: SendTestSmsForm, balance_problem: str, recent_sender_ids=None):
    if recent_sender_ids is None:
        recent_sender_ids = sending.recent_sender_ids(request.reseller)
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
