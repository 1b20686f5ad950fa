"""The alert rules on their own: falling and recovering, quiet hours, the client template."""

import json
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest

from alerts import rules
from messaging.sms import measure
from tests.alerts_helpers import NAIROBI, at_nairobi
from watch.forecast import NO_RECENT_USE, NOT_ENOUGH_HISTORY, Forecast

CASES = json.loads(
    (Path(__file__).resolve().parent / "data" / "sms_segments.json").read_text(encoding="utf-8")
)["cases"]


def test_a_balance_below_the_threshold_has_fallen_and_must_rise_past_the_margin_to_recover():
    assert rules.low_balance(99, 100, 10) == rules.Verdict(fell=True, recovered=False)
    assert rules.low_balance(100, 100, 10) == rules.Verdict(fell=False, recovered=False)
    assert rules.low_balance(109, 100, 10).recovered is False
    assert rules.low_balance(110, 100, 10).recovered is True


def test_the_margin_is_never_zero_so_the_threshold_itself_cannot_flap():
    assert rules.rearm_margin(5, 0) == 1
    assert rules.rearm_margin(0, 10) == 1
    assert rules.rearm_margin(1000, 15) == 150


def test_running_out_follows_the_forecast_and_not_enough_history_decides_nothing():
    soon = Forecast(Decimal("2.5"), Decimal(40))
    later = Forecast(Decimal("4.1"), Decimal(40))
    assert rules.running_out(soon, 3, 10) == rules.Verdict(fell=True, recovered=False)
    assert rules.running_out(Forecast(Decimal("4.0"), Decimal(1)), 3, 10).recovered is False
    assert rules.running_out(later, 3, 10) == rules.Verdict(fell=False, recovered=True)
    unknown = Forecast(None, None, NOT_ENOUGH_HISTORY)
    assert rules.running_out(unknown, 3, 10) == rules.Verdict(fell=False, recovered=False)
    unused = Forecast(None, Decimal(0), NO_RECENT_USE)
    assert rules.running_out(unused, 3, 10) == rules.Verdict(fell=False, recovered=True)


@pytest.mark.parametrize(
    ("hour", "minute", "until"),
    [
        (20, 59, None),
        (21, 0, at_nairobi(7, day=11)),
        (23, 30, at_nairobi(7, day=11)),
        (3, 0, at_nairobi(7)),
        (6, 59, at_nairobi(7)),
        (7, 0, None),
        (12, 0, None),
    ],
)
def test_quiet_hours_run_over_midnight_in_the_resellers_zone(hour, minute, until):
    now = at_nairobi(hour, minute)
    assert rules.hold_until(now, time(21), time(7), "Africa/Nairobi") == until


def test_quiet_hours_are_read_in_the_resellers_own_zone():
    # Lagos is two hours behind Nairobi: 23:30 in Nairobi is 21:30 there (quiet, until 07:00
    # Lagos = 09:00 Nairobi); 22:30 in Nairobi is still 20:30 there.
    lagos_end = rules.hold_until(at_nairobi(23, 30), time(21), time(7), "Africa/Lagos")
    assert lagos_end.astimezone(NAIROBI) == at_nairobi(9, day=11)
    assert rules.hold_until(at_nairobi(22, 30), time(21), time(7), "Africa/Lagos") is None


def test_quiet_hours_within_a_day_and_none_at_all():
    assert rules.hold_until(at_nairobi(13), time(12), time(14), "Africa/Nairobi") == at_nairobi(14)
    assert rules.hold_until(at_nairobi(15), time(12), time(14), "Africa/Nairobi") is None
    assert rules.hold_until(at_nairobi(3), time(0), time(0), "Africa/Nairobi") is None


def test_a_template_fills_its_placeholders_and_nothing_else():
    text = rules.render(
        "Dear {name}: {balance} SMS, {days_left} days (under {threshold}). {name.__class__} {x}",
        name="Mama Mboga",
        balance=1500,
        days_left=Decimal("2.5"),
        threshold=2000,
    )
    assert text == "Dear Mama Mboga: 1,500 SMS, 2.5 days (under 2,000). {name.__class__} {x}"


def test_a_template_with_an_unknown_placeholder_or_nothing_is_refused_in_words():
    assert "{nmae}" in rules.template_problem("Dear {nmae}, top up")
    assert rules.template_problem("   ")
    assert rules.template_problem("Dear {name}, {balance} left") is None


@pytest.mark.parametrize("case", [c for c in CASES if c["text"]], ids=lambda c: c["name"])
def test_the_templates_cost_is_the_projects_sms_count_of_the_message_sent(case):
    # A template without placeholders is sent as written: its cost is the canonical count.
    example, count = rules.template_cost(case["text"].replace("{", "(").replace("}", ")"), "X", 1)
    assert count == measure(example)
    if "{" not in case["text"] and "}" not in case["text"]:
        assert (count.encoding, count.parts) == (case["encoding"], case["parts"])
