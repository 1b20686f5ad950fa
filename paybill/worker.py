"""What the worker does with payments: credit each new one with the standing credential,
pick up what was left behind, and run the daily check.

The worker acts on the reseller's consented standing credential (`/watch/`, issue 16) through
`watch.source.StandingCredentialSource`: a payment may arrive at night, when nobody's session
holds a password. mSpace refusing it stops watch, as a watch round would (the gateway tells
the source itself).
"""

import logging

from django.utils.translation import gettext as _

from accounts.tenancy import every_tenant, rows
from paybill import crediting, telling
from paybill.models import MpesaPayment
from watch.source import StandingCredentialSource

log = logging.getLogger(__name__)
JOB = crediting.JOB
# Passes over the waiting payments in one run, at most (each must make progress).
_PASSES = 5


def standing_acting(reseller):
    """The worker acting for `reseller` on their standing credential, its password opened;
    raises `crediting.Unavailable` saying why it cannot."""
    source = StandingCredentialSource.for_reseller(reseller)
    if source is None:
        raise crediting.Unavailable(
            _(
                "Keep watch is off, so payments cannot be topped up while you are away. "
                "Assign this one, and turn on Keep watch for the next."
            )
        )
    acting = source.acting(JOB)
    try:
        acting.gateway.open()
    except source.Unreadable:
        raise crediting.Unavailable(
            _(
                "Your stored password could not be opened with this server's keys "
                "(WATCH_KEYS changed). Turn Keep watch off and on again."
            )
        ) from None
    return acting


def credit_one(reseller_id: int, payment_id: int) -> MpesaPayment | None:
    """Credit one received payment (None when another worker has it or it is done)."""
    payment = rows(MpesaPayment, reseller_id).filter(pk=payment_id).first()
    if payment is None:
        return None
    return crediting.credit(payment, standing_acting)


def credit_waiting(limit: int | None = None) -> int:
    """Credit every payment waiting for a worker, oldest first; how many left the queue.

    A payment whose client has a top-up in flight elsewhere goes back to wait (no call was
    made); it is taken again on the next pass, as long as passes make progress.
    """
    actings = {}  # one per reseller for the whole run: the password is opened once

    def acting_of(reseller):
        known = actings.get(reseller.pk)
        if known is None or known.gateway.refused:  # refused: watch has just stopped
            actings[reseller.pk] = standing_acting(reseller)
        return actings[reseller.pk]

    done = 0
    for _pass in range(_PASSES):
        # Every reseller's, on purpose: one worker credits every tenant's payments.
        waiting = every_tenant(MpesaPayment).filter(state=MpesaPayment.State.RECEIVED)
        progress = 0
        for payment in list(waiting.order_by("received_at", "id")[:limit]):
            try:
                taken = crediting.credit(payment, acting_of)
            except Exception:
                # One payment's bug must not hold up the others (it is in the inbox, logged).
                log.exception("M-Pesa payment %s could not be credited", payment.pk)
                continue
            if taken is not None and taken.state != MpesaPayment.State.RECEIVED:
                progress += 1
        done += progress
        if not progress:
            break
    return done


def sweep() -> int:
    """Recover what was left behind, then credit what waits; how many payments moved. Then
    tell the clients still to be told (top-ups settled later by a check)."""
    moved = crediting.recover() + credit_waiting()
    telling.tell_due(standing_acting)
    return moved
