"""The rules in plain Python: when a balance has fallen, when it has recovered, quiet hours,
and the client's message template.

Kept apart from the database so each rule can be read (and tested) on its own.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from messaging.sms import SmsCount, measure
from watch.forecast import NO_RECENT_USE, Forecast

PLACEHOLDERS = ("name", "balance", "days_left", "threshold")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Verdict:
    fell: bool  # below the rule's line now
    recovered: bool  # far enough above it to be re-armed


def rearm_margin(line: int, percent: int) -> int:
    """How far above its line an account must rise before the rule may fire again: at least
    one (SMS or day), so equality never flaps."""
    return max(1, math.ceil(line * percent / 100))


def low_balance(balance: int, threshold: int, percent: int) -> Verdict:
    return Verdict(
        fell=balance < threshold,
        recovered=balance >= threshold + rearm_margin(threshold, percent),
    )


def running_out(days: Forecast | None, within: int, percent: int) -> Verdict:
    """Fell when the forecast says `within` days or fewer; recovered when it says clearly
    more, or that the account no longer uses SMS. Not enough history decides nothing."""
    if days is None or days.days_left is None:
        return Verdict(fell=False, recovered=days is not None and days.note == NO_RECENT_USE)
    return Verdict(
        fell=days.days_left <= within,
        recovered=days.days_left > within + rearm_margin(within, percent),
    )


def hold_until(now: datetime, quiet_from: time, quiet_until: time, zone: str) -> datetime | None:
    """When quiet hours (in the reseller's `zone`) end, if `now` is inside them; else None.

    Quiet hours may run over midnight (21:00–07:00) or within a day; equal ends mean none.
    """
    if quiet_from == quiet_until:
        return None
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    moment = local.time()
    if quiet_from < quiet_until:
        inside, day = quiet_from <= moment < quiet_until, local.date()
    else:
        inside = moment >= quiet_from or moment < quiet_until
        day = local.date() + timedelta(days=1) if moment >= quiet_from else local.date()
    if not inside:
        return None
    return datetime.combine(day, quiet_until, tzinfo=tz)


def template_problem(template: str) -> str | None:
    """Why the client's message template cannot be used, in plain words; None if it can."""
    if not template.strip():
        return _("Write the message your clients will get.")
    unknown = [key for key in _PLACEHOLDER.findall(template) if key not in PLACEHOLDERS]
    if unknown:
        return _("“{%(unknown)s}” is not a placeholder; use %(known)s.") % {
            "unknown": unknown[0],
            "known": ", ".join(f"{{{key}}}" for key in PLACEHOLDERS),
        }
    return None


def render(template: str, *, name: str, balance: int, days_left, threshold: int) -> str:
    """The template with its placeholders filled; anything else is left exactly as typed
    (never `str.format`, which would let a template reach into Python objects)."""
    values = {
        "name": name,
        "balance": f"{balance:,}",
        "days_left": _("unknown") if days_left is None else str(days_left),
        "threshold": f"{threshold:,}",
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


EXAMPLE_DAYS = Decimal("2.5")


def template_cost(template: str, name: str, threshold: int) -> tuple[str, SmsCount]:
    """An example of the client message (for `name`, one SMS under `threshold`) and what it
    costs, counted exactly as the network will (`messaging.sms`)."""
    example = render(
        template,
        name=name,
        balance=max(threshold - 1, 0),
        days_left=EXAMPLE_DAYS,
        threshold=threshold,
    )
    return example, measure(example)
