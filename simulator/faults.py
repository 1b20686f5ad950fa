"""Injecting misbehaviour into the simulator: the API tests and `simulator_fault` use.

Faults live in the database so that every gunicorn worker, every thread and a separate
`manage.py simulator_fault` process all see the same ones.
"""

import random

from django.db.models import F

from messaging import methods
from simulator.models import SimFault

KINDS = tuple(kind for kind, _ in SimFault.KINDS)
METHODS = tuple(methods.METHODS)


def inject(
    method: str,
    kind: str,
    *,
    delay: float = 0.0,
    times: int | None = None,
    probability: float = 1.0,
    reply: str = "",
    size: int | None = None,
) -> SimFault:
    """Make calls of `method` ("*" for every method) misbehave as `kind`.

    `times` limits it to that many calls (None: until `clear()`); `probability` makes it
    strike only some calls; `reply` is what a "sentence" fault answers; `delay` is the pause
    before a "slow" answer or "hang", or between the bytes of a "drip"; `size` is how many
    bytes a "huge" reply has. Raises ValueError for an unknown method or kind, or nonsense
    numbers.
    """
    if method != "*" and method not in METHODS:
        raise ValueError(f"Unknown gateway method {method!r}; use one of {', '.join(METHODS)}.")
    if kind not in KINDS:
        raise ValueError(f"Unknown fault {kind!r}; use one of {', '.join(KINDS)}.")
    if delay < 0 or not 0.0 <= probability <= 1.0 or (times is not None and times < 1):
        raise ValueError("delay must be >= 0, probability from 0 to 1, times at least 1.")
    if kind == "drip" and delay <= 0:
        raise ValueError('A "drip" fault needs the pause between bytes, e.g. delay=5.')
    if size is not None and size < 1:
        raise ValueError("size must be at least 1 byte.")
    if kind == "sentence" and not reply:
        raise ValueError('A "sentence" fault needs the reply to give, e.g. "failed to deduct".')
    return SimFault.objects.create(
        method=method,
        kind=kind,
        delay=delay,
        remaining=times,
        probability=probability,
        reply=reply,
        size=size,
    )


def clear() -> int:
    """Remove every fault; returns how many there were."""
    deleted, _ = SimFault.objects.all().delete()
    return deleted


def active() -> list[SimFault]:
    return list(SimFault.objects.exclude(remaining=0))


def pick(method: str) -> SimFault | None:
    """The fault that strikes this call of `method`, if any.

    Faults for the method itself win over "*" ones, older over newer. A counted fault is
    claimed with a conditional UPDATE, so two threads can never both use its last turn.
    """
    # Chance, not security, decides whether a fault strikes (hence the nosec below).
    candidates = SimFault.objects.filter(method__in=(method, "*")).exclude(remaining=0)
    for fault in sorted(candidates, key=lambda f: (f.method == "*", f.id)):
        if fault.probability < 1.0 and random.random() >= fault.probability:  # nosec B311
            continue
        if fault.remaining is None:
            return fault
        claimed = SimFault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
        if claimed:
            return fault
    return None
