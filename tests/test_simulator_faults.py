"""Choosing which injected fault strikes a call, and the simulator_fault command."""

import io

import pytest
from django.core.management import CommandError, call_command

from simulator import faults
from simulator.models import SimFault


@pytest.fixture(autouse=True)
def _db(db):
    pass


def test_no_fault_strikes_when_none_was_injected():
    assert faults.pick("balance") is None


def test_a_fault_strikes_only_its_own_method():
    fault = faults.inject("balance", "empty")

    assert faults.pick("balance") == fault
    assert faults.pick("sendtext") is None


def test_a_star_fault_strikes_every_method_but_a_method_fault_wins():
    everywhere = faults.inject("*", "slow", delay=0.1)
    on_balance = faults.inject("balance", "html")

    assert faults.pick("balance") == on_balance
    assert faults.pick("login") == everywhere


def test_a_counted_fault_runs_out():
    faults.inject("login", "garbage", times=2)

    assert [faults.pick("login") is not None for _ in range(3)] == [True, True, False]
    assert SimFault.objects.get().remaining == 0


def test_an_exhausted_fault_gives_way_to_the_next():
    faults.inject("login", "garbage", times=1)
    later = faults.inject("*", "empty")

    faults.pick("login")

    assert faults.pick("login") == later


def test_probability_zero_never_strikes_and_one_always_does():
    faults.inject("balance", "empty", probability=0.0)
    assert all(faults.pick("balance") is None for _ in range(20))

    faults.inject("balance", "html", probability=1.0)
    assert all(faults.pick("balance").kind == "html" for _ in range(5))


def test_a_fault_that_does_not_strike_keeps_its_count():
    faults.inject("balance", "empty", probability=0.0, times=3)

    faults.pick("balance")

    assert SimFault.objects.get().remaining == 3


def test_clear_removes_every_fault():
    faults.inject("*", "empty")
    faults.inject("balance", "html", times=1)

    assert faults.clear() == 2
    assert faults.pick("balance") is None


@pytest.mark.parametrize(
    "method,kind,options",
    [
        ("nosuchmethod", "empty", {}),
        ("balance", "explode", {}),
        ("balance", "slow", {"delay": -1}),
        ("balance", "empty", {"probability": 1.5}),
        ("balance", "empty", {"times": 0}),
        ("balance", "sentence", {}),  # a sentence needs its words
    ],
)
def test_it_rejects_a_fault_that_makes_no_sense(method, kind, options):
    with pytest.raises(ValueError):
        faults.inject(method, kind, **options)
    assert not SimFault.objects.exists()


# --- manage.py simulator_fault ---------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("simulator_fault", *args, stdout=out)
    return out.getvalue()


def test_the_command_injects_a_fault_with_its_options():
    output = run(
        "resellerclienttopup",
        "sentence",
        "--times",
        "2",
        "--reply",
        "failed to deduct your account",
    )

    fault = SimFault.objects.get()
    assert (fault.method, fault.kind, fault.remaining, fault.reply) == (
        "resellerclienttopup",
        "sentence",
        2,
        "failed to deduct your account",
    )
    assert "sentence on resellerclienttopup" in output


def test_the_command_takes_delay_and_probability():
    run("*", "slow", "--delay", "2.5", "--probability", "0.25")

    fault = SimFault.objects.get()
    assert (fault.method, fault.delay, fault.probability, fault.remaining) == ("*", 2.5, 0.25, None)


def test_the_command_lists_and_clears_faults():
    run("balance", "hang", "--delay", "3")

    assert "hang on balance" in run("--list")
    assert "Cleared 1" in run("--clear")
    assert "No faults" in run("--list")


@pytest.mark.parametrize(
    "args", [(), ("balance",), ("nosuchmethod", "empty"), ("balance", "sentence")]
)
def test_the_command_explains_a_wrong_call(args):
    with pytest.raises(CommandError):
        run(*args)
    assert not SimFault.objects.exists()
