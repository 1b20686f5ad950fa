"""Turning a stored M-Pesa payment into SMS, exactly once.

Acting on a payment is a chain of conditional UPDATEs (healthchecks' "claim, then act"):

1. `take`: a worker (or a person's click) moves the payment from `received` (or, for a
   person, `to_assign`) to `crediting` under a new token; of several workers or nodes,
   exactly one wins, and only the holder of the token writes to the payment afterwards.
2. The reseller's book and balance are read fresh through the gateway of the one acting (the
   worker: the standing credential; a person: their session), the payment is matched to a
   client, priced, and turned into whole SMS (rounded down; what is left over stays on the
   client's account as credit, `billing.money.sms_for_amount`).
3. The top-up is an `Intent` carried out by the one submit step
   (`messaging.submit.carry_out`) under the payment's own one-time key: the sale and the
   payment are written first (`billing.sales.promise`, the intent's `promise`), the ledger
   row is claimed (the key is UNIQUE there), mSpace is asked once, the row is settled and a
   succeeded one receipted (the intent's `settled`). Nothing retries it: a failed top-up
   goes to the inbox; an unknown one is reconciled as any other (`messaging.reconcile`).

Anything that stops it before the ledger row (no client matches, no price, watch off, mSpace
unreadable) parks the payment in the inbox with the reason. A worker killed anywhere leaves
a payment `crediting`: `recover` later finds its ledger row by the key (then the ledger's
reconciliation decides) or, with no row, knows mSpace was never asked and queues it again.

The key is replaced only once a ledger row exists under it (a top-up that failed, assigned
again): until then everyone who ever took the payment would claim the same key, and the
ledger lets exactly one of them through.
"""

import dataclasses
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.tenancy import every_tenant, rows
from billing import money, sales
from billing.models import Sale
from billing.prices import price_for
from messaging import ledger, submit, topups
from messaging.books import CLIENTS
from messaging.models import LedgerEntry
from messaging.mspace import MspaceError
from paybill import keys, telling
from paybill.matching import match
from paybill.models import MpesaPayment

log = logging.getLogger(__name__)
State = MpesaPayment.State
Status = LedgerEntry.Status
# Who acted, in the ledger's words, when nobody did: the worker crediting a payment.
JOB = "M-Pesa auto top-up"
KES = money.Currency.KES
NOTHING_ASKED = gettext_noop("Something went wrong before mSpace was asked; nothing was topped up.")


class Unavailable(Exception):
    """No gateway to act with (watch is off, the stored password cannot be opened); the
    message says so in the reseller's words."""


class _Lost(Exception):
    """The payment is no longer held under this token (a person or another worker took it
    while this one was presumed dead): nothing may be claimed or sent."""


def take(payment: MpesaPayment, *, from_states=(State.RECEIVED,), by: str = JOB):
    """Claim `payment` for crediting; its new token, or None if someone else has it or it
    is done. Taken from the inbox after a top-up that failed, it gets a new one-time key
    (the old one is spent: the ledger has a row under it)."""
    token = uuid.uuid4()
    fields = {
        "state": State.CREDITING,
        "state_at": timezone.now(),
        "handled_by": by[:200],
        "taken_as": token,
    }
    if rows(LedgerEntry, payment.reseller_id).filter(form_key=payment.form_key).exists():
        fields["form_key"] = uuid.uuid4()
    taken = (
        rows(MpesaPayment, payment.reseller_id)
        .filter(pk=payment.pk, state__in=from_states, form_key=payment.form_key)
        .update(**fields)
    )
    return token if taken else None


def credit(
    payment: MpesaPayment,
    acting_of: Callable,
    *,
    by: str = JOB,
    client: str = "",
    from_states=(State.RECEIVED,),
) -> MpesaPayment | None:
    """Take `payment` and top its client up once; None if it could not be taken.

    `acting_of(reseller)` gives the `messaging.acting.Acting` to act with (the worker: the
    standing credential, `paybill.worker.standing_acting`; a person assigning by hand:
    their session), or raises `Unavailable` saying why not. `client`, when given, is the
    client a person chose; otherwise BillRefNumber decides. Never raises a gateway error.
    """
    token = take(payment, from_states=from_states, by=by)
    if token is None:
        return None
    mine = rows(MpesaPayment, payment.reseller_id).select_related("reseller")
    payment = mine.get(pk=payment.pk)
    try:
        _credit(payment, token, acting_of, chosen=client)
    except Exception:
        log.exception("M-Pesa payment %s: crediting stopped unexpectedly", payment.pk)
        _after_a_crash(payment, token)
        raise
    return mine.get(pk=payment.pk)


def _credit(payment, token, acting_of, *, chosen):
    reseller = payment.reseller
    try:
        acting = acting_of(reseller)
        balances = topups.read_balances(acting, CLIENTS, fresh=True)
    except Unavailable as why:
        return _park(payment, token, str(why))
    except MspaceError as error:
        return _park(
            payment,
            token,
            _("mSpace could not be read, so nothing was topped up: %(reason)s")
            % {"reason": error.message},
        )
    found = match(reseller, payment.bill_ref, balances.accounts)
    name = chosen or found.client
    if not name:
        return _park(payment, token, found.why_not)
    target_balance = balances.of(name)
    if target_balance is None:
        return _park(
            payment, token, _("%(client)s is not in your list on mSpace.") % {"client": name}
        )
    price = price_for(reseller, CLIENTS.ledger_kind, name)
    if price.amount is None:
        return _park(
            payment,
            token,
            _(
                "%(client)s has no price per SMS, so the payment cannot be turned into SMS. "
                "Set a price under Money → Prices."
            )
            % {"client": name},
            client=name,
        )
    if price.currency != KES:
        return _park(
            payment,
            token,
            _("%(client)s is priced in %(currency)s, but M-Pesa pays in KES.")
            % {"client": name, "currency": price.currency},
            client=name,
        )
    paid_for = money.sms_for_amount(payment.amount, price.amount, KES)
    fields = {
        "client": name,
        "price": price.amount,
        "sms": paid_for.sms,
        "left_over": paid_for.left_over,
        "tell_phone": telling.phone_to_tell(payment, name),
    }
    if paid_for.sms < 1:
        return _park(
            payment,
            token,
            _("%(amount)s does not buy one SMS at %(price)s each.")
            % {
                "amount": money.format_amount(payment.amount, KES),
                "price": money.format_price(price.amount, KES),
            },
            **fields,
        )
    if paid_for.sms > settings.TOPUP_MAX:
        return _park(
            payment,
            token,
            _("%(sms)s SMS is more than the largest top-up this site makes (TOPUP_MAX).")
            % {"sms": paid_for.sms},
            **fields,
        )
    if balances.reseller < paid_for.sms:  # an unreadable balance is below zero
        return _park(
            payment,
            token,
            _("Your own balance is too low for %(sms)s SMS; top up your account, then assign it.")
            % {"sms": paid_for.sms},
            **fields,
        )
    _held(payment, token).update(**fields)
    intent = topups.intent(
        CLIENTS,
        name=name,
        amount=paid_for.sms,
        balance_before=balances.reseller,
        target_balance_before=target_balance,
        payment=_PaymentSide(payment, token, price),
    )
    intent = dataclasses.replace(intent, describe=lambda answer: _described(payment, paid_for))
    try:
        outcome = submit.carry_out(acting, payment.form_key, intent)
    except _Lost:
        log.info("M-Pesa payment %s was taken by someone else; nothing sent", payment.pk)
        return None
    if outcome.entry is not None:
        follow(payment, outcome.entry, token=token)
        _tell(payment, acting)
    elif outcome.busy is not None:
        _wait_for(payment, token, outcome.busy, requeue=not chosen, **fields)
    elif outcome.over_limit:  # a team member's daily limit (issue 21): nothing was sent
        _park(payment, token, outcome.over_limit)
    else:  # the key is another reseller's: never, with a random key; nothing was sent
        _park(payment, token, _(NOTHING_ASKED))
    return None


def _tell(payment, acting):
    """The optional SMS to the client, now that its top-up is settled (if it succeeded)."""
    told = rows(MpesaPayment, payment.reseller_id).select_related("entry").get(pk=payment.pk)
    try:
        telling.tell(told, acting)
    except Exception:  # the payment is credited whatever happens to this SMS; the ledger knows
        log.exception("M-Pesa payment %s: the client could not be told", payment.pk)


class _PaymentSide:
    """The money side of a payment's top-up, as the submit step's intent calls it (the
    `payment` of `messaging.topups.intent`, like `billing.topup.TopUpPayment` for a form)."""

    def __init__(self, payment, token, price):
        self.payment, self.token, self.price = payment, token, price

    def promise(self, *, form_key, name, sms):
        """Before the claim: still ours? Then the sale and the M-Pesa payment are written
        under the key, so the money is on record whatever happens next. The payment's row
        stays locked meanwhile, so nobody takes it in between."""
        with transaction.atomic():
            if not _held(self.payment, self.token).select_for_update().exists():
                raise _Lost
            keys.remember(self.payment, form_key)
            sales.promise(
                self.payment.reseller,
                form_key=form_key,
                kind=CLIENTS.ledger_kind,
                name=name,
                sms=sms,
                price=self.price,
                paid=sales.Promise(self.payment.amount, Sale.Method.MPESA, self.payment.trans_id),
            )

    @staticmethod
    def settle(entry):
        """After the call: the sale follows its entry; a succeeded one gets its receipt."""
        sales.settle(entry)


def follow(payment, entry, *, token=None) -> None:
    """Bring the payment in line with its ledger entry (the one under its current key):
    topped up, or back to the inbox when the top-up failed (no SMS moved; the reseller
    assigns it again or refunds it). With `token`, only while the payment is held by it."""
    mine = rows(MpesaPayment, payment.reseller_id).filter(pk=payment.pk, form_key=entry.form_key)
    if token is not None:
        mine = mine.filter(taken_as=token)
    if entry.status == Status.FAILED:
        changed = mine.filter(state__in=(State.CREDITING, State.TOPPED_UP)).update(
            state=State.TO_ASSIGN,
            state_at=timezone.now(),
            reason=_("The top-up failed: %(why)s") % {"why": entry.detail},
            entry=entry,
        )
        if changed:
            log.info("M-Pesa payment %s: its top-up failed; it waits to be assigned", payment.pk)
        return
    mine.filter(state=State.CREDITING).update(
        entry=entry, state=State.TOPPED_UP, state_at=timezone.now(), reason=""
    )


def recover(now=None) -> int:
    """Put right what workers left behind, for every reseller; how many payments moved.

    - `crediting` for longer than any call can take: its worker died. With a ledger row under
      its key, that row decides (it is pending, then needs checking, and is reconciled as any
      other); with none, mSpace was never asked, so the payment is queued again (same key).
    - `topped_up` whose entry was later found failed: back to the inbox.
    - a succeeded entry without its receipt (settled later by a check): receipted now.
    """
    now = now or timezone.now()
    moved = 0
    stale = now - stale_after()
    # Every reseller's, on purpose: the worker sweeps up after every tenant's dead workers.
    for payment in every_tenant(MpesaPayment).filter(state=State.CREDITING, state_at__lt=stale):
        entry = rows(LedgerEntry, payment.reseller_id).filter(form_key=payment.form_key).first()
        if entry is None:
            moved += (
                rows(MpesaPayment, payment.reseller_id)
                .filter(
                    pk=payment.pk,
                    state=State.CREDITING,
                    state_at__lt=stale,
                    taken_as=payment.taken_as,
                )
                .update(state=State.RECEIVED, state_at=now, taken_as=None)
            )
        else:
            follow(payment, entry, token=payment.taken_as)
            moved += 1
    # Every reseller's, as above.
    failed = every_tenant(MpesaPayment).filter(state=State.TOPPED_UP, entry__status=Status.FAILED)
    for payment in failed.select_related("entry"):
        follow(payment, payment.entry)
        moved += 1
    # Every reseller's, as above: an entry settled by a check after its worker moved on.
    unreceipted = every_tenant(LedgerEntry).filter(
        Q(sale__isnull=True) | Q(sale__receipt_number__isnull=True),
        mpesa_payment__isnull=False,
        status=Status.SUCCEEDED,
    )
    for entry in unreceipted:
        sales.settle(entry)
    return moved


def stale_after() -> timedelta:
    # Two reads and a top-up, each bounded by MSPACE_TIMEOUT, and a margin.
    return timedelta(seconds=3 * settings.MSPACE_TIMEOUT) + timedelta(minutes=1)


def _held(payment, token):
    """The payment, as long as it is still being credited under `token`."""
    return rows(MpesaPayment, payment.reseller_id).filter(
        pk=payment.pk, state=State.CREDITING, taken_as=token
    )


def _wait_for(payment, token, open_entry, *, requeue, **fields):
    """Another top-up of the client is open: no call was made. In flight, the worker's
    payment goes back to be taken again shortly (a person is asked to try again in a
    moment); unknown, it waits for that one to be settled."""
    # Settled since it stopped this claim: as in flight, the payment is simply taken again.
    settled_since = open_entry.status not in ledger.OPEN_STATUSES
    in_flight = settled_since or (
        open_entry.status == Status.PENDING and not ledger.needs_checking(open_entry)
    )
    if in_flight and requeue:
        _held(payment, token).update(
            state=State.RECEIVED, state_at=timezone.now(), taken_as=None, **fields
        )
        return
    if in_flight:
        _park(
            payment,
            token,
            _("Another top-up of %(client)s is on its way to mSpace; try again in a minute.")
            % {"client": fields["client"]},
            **fields,
        )
        return
    _park(
        payment,
        token,
        _(
            "The last top-up of %(client)s has an unknown outcome; settle it on its Activity page "
            "first, then assign this payment."
        )
        % {"client": fields["client"]},
        **fields,
    )


def _park(payment, token, reason, **fields):
    _held(payment, token).update(
        state=State.TO_ASSIGN, state_at=timezone.now(), reason=reason, **fields
    )
    log.info("M-Pesa payment %s waits to be assigned", payment.pk)


def _after_a_crash(payment, token):
    entry = rows(LedgerEntry, payment.reseller_id).filter(form_key=payment.form_key).first()
    if entry is not None:
        follow(payment, entry, token=token)  # the ledger settled it (unknown) before the error
    else:
        _park(payment, token, _(NOTHING_ASKED))


def _described(payment, paid_for) -> str:
    text = _("Paid by M-Pesa, code %(code)s: %(amount)s.") % {
        "code": payment.trans_id,
        "amount": money.format_amount(payment.amount, KES),
    }
    if paid_for.left_over:
        text += " " + _("%(left)s left over, kept as credit on the client's account.") % {
            "left": money.format_amount(paid_for.left_over, KES)
        }
    return text
