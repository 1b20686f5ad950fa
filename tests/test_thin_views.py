"""The top-up and send views are thin and alike: each under 60 lines, both through the one
submit step (`messaging.submit`) and answered with the one redirect (`see_outcome`)."""

import inspect

import pytest

from messaging.views import send, topups


def lines_of(*functions) -> int:
    return sum(len(inspect.getsource(function).splitlines()) for function in functions)


@pytest.mark.parametrize(
    "view, handlers",
    [
        pytest.param(topups.top_up, (topups._post,), id="top-up"),
        pytest.param(send.send_test_sms, (send._post,), id="send"),
    ],
)
def test_each_view_is_under_sixty_lines_and_submits_through_the_one_step(view, handlers):
    for function in (view, *handlers):
        assert lines_of(function) < 60, function.__qualname__
    posted = inspect.getsource(handlers[0])
    assert "submit.submit(" in posted
    assert "see_outcome(" in posted
    # No view re-implements the steps the submit step owns.
    for step in ("find_claimed", "ledger.claim", "record_call", "open_top_up"):
        assert step not in inspect.getsource(inspect.getmodule(view)), step
