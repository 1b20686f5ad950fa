"""messaging.mspace: reading a list reply turns each JSON object into an Account as it goes.

The answers must be exactly those of reading the whole reply into dicts first, then one row
at a time (a row that cannot be read stays in its place, unreadable), and a large book must
not exist as dicts and accounts at once.
"""

import json
import tracemalloc
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.mspace import (
    UNREADABLE,
    Account,
    GatewayError,
    MspaceError,
    _balance_of,
    _failure,
    _parse_accounts,
)


def parsed_as_before(text, name_key):
    """The list reader written plainly: the whole reply into dicts, then one row at a time."""
    try:
        rows = json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError):
        rows = None
    if not isinstance(rows, list):
        raise _failure(text)
    accounts = []
    for row in rows:
        name = row.get(name_key) if isinstance(row, dict) else None
        balance = _balance_of(row.get("smsBalance")) if isinstance(row, dict) else None
        if not isinstance(name, str) or not name or balance is None:
            name = name if isinstance(name, str) else ""
            accounts.append((name, "unreadable"))
        else:
            accounts.append(Account(name, balance))
    if accounts and all(isinstance(row, tuple) for row in accounts):
        raise GatewayError("mSpace sent a list of accounts this site could not read.")
    return accounts


def outcome(read, text):
    try:
        accounts = read(text, "clientname")
    except MspaceError as error:
        return (type(error), error.message)
    return [
        row
        if isinstance(row, tuple)
        else (row.name, "unreadable")
        if row.balance == UNREADABLE
        else (row.name, repr(row.balance))
        for row in accounts
    ]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 10**16)
    | st.floats(allow_nan=False)
    | st.sampled_from(["", "20", "20.0", " 7 ", "-1", "-1.0", "49.5", "-2", "1e3", "x"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["clientname", "smsBalance", "other"]), inner, max_size=3)
    ),
    max_leaves=8,
)
rows = st.one_of(
    st.fixed_dictionaries(
        {"clientname": st.text(max_size=5), "smsBalance": st.integers(0, 999).map(str)}
    ),
    st.dictionaries(st.sampled_from(["clientname", "smsBalance", "other"]), json_values),
    json_values,
)


@given(st.lists(rows, max_size=5) | json_values)
def test_a_list_reply_reads_exactly_as_before(reply):
    text = json.dumps(reply)

    assert outcome(_parse_accounts, text) == outcome(parsed_as_before, text)


@pytest.mark.parametrize(
    "text",
    [
        '[{"clientname": "a", "clientname": "b", "smsBalance": 1}]',  # the last one counts
        '[{"clientname": "a", "smsBalance": 1, "more": {"clientname": "b", "smsBalance": 2}}]',
        '[{"clientname": {"clientname": "b", "smsBalance": 2}, "smsBalance": 1}]',
        '{"clientname": "a", "smsBalance": 1}',
        '{"error": "Authentication Failed"}',
        "[[]]",
        "not json",
    ],
)
def test_odd_replies_read_exactly_as_before(text):
    assert outcome(_parse_accounts, text) == outcome(parsed_as_before, text)


def test_a_large_book_is_never_held_as_dicts_and_accounts_at_once():
    text = json.dumps(
        [{"smsBalance": str(n % 5000), "clientname": f"Client {n:05d}"} for n in range(10_000)]
    )

    tracemalloc.start()
    try:
        accounts = _parse_accounts(text, "clientname")
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(accounts) == 10_000
    # The accounts themselves are ~1.4 MB; reading the dicts first peaked at ~3.9 MB.
    assert peak < 1.5 * kept
