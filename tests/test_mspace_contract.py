"""The client's contract with the rest of the app: its names, its error classes, its
independence from Django, the demo transport hook, and "only MspaceError, ever"."""

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.exceptions import ProtocolError

import messaging.mspace as mspace
from messaging.mspace import (
    Account,
    AuthenticationError,
    Balance,
    GatewayError,
    GatewayUnavailableError,
    InsufficientBalanceError,
    InvalidSenderIdError,
    MspaceClient,
    MspaceError,
    NotAuthorizedError,
    OutcomeUnknownError,
    SendResult,
    TopUpFailedError,
)
from tests.mspace_helpers import PASSWORD, ScriptedAdapter, everything_said_about, password_forms

BASE = "http://mspace.test/mspaceservice/wr/sms/"
REPO = Path(__file__).resolve().parents[1]

ERRORS = {
    MspaceError: "error",
    AuthenticationError: "auth",
    InsufficientBalanceError: "insufficient",
    InvalidSenderIdError: "sender",
    NotAuthorizedError: "not_authorized",
    TopUpFailedError: "topup_failed",
    GatewayError: "gateway",
    GatewayUnavailableError: "unavailable",
    OutcomeUnknownError: "unknown",
}
CALLS = {
    "login": lambda client: client.login(),
    "balance": lambda client: client.balance(),
    "sub-accounts": lambda client: client.sub_accounts(),
    "clients": lambda client: client.reseller_clients(),
    "client top-up": lambda client: client.top_up_client("client1", 5),
    "sub-account top-up": lambda client: client.top_up_sub_account("client1", 5),
    "test SMS": lambda client: client.send_text("MSPACE", "254712345678", "Hi"),
}
READS = {name: CALLS[name] for name in ("login", "balance", "sub-accounts", "clients")}
WRITES = {name: CALLS[name] for name in ("client top-up", "sub-account top-up", "test SMS")}


def refused():
    return requests.ConnectionError(ConnectionRefusedError(111, "Connection refused"))


def reset():
    reason = ProtocolError("Connection aborted.", ConnectionResetError(104, "reset by peer"))
    return requests.ConnectionError(reason)


# --- Names and classes ----------------------------------------------------------------------


def test_it_imports_without_django():
    code = (
        "import sys, messaging.mspace; assert not any(m.startswith('django') for m in sys.modules)"
    )

    finished = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True)

    assert finished.returncode == 0, finished.stderr.decode()


@pytest.mark.parametrize(("error_class", "kind"), ERRORS.items(), ids=lambda v: str(v))
def test_every_error_has_a_kind_and_a_plain_default_message(error_class, kind):
    error = error_class()

    assert error.kind == kind
    assert error.message.startswith("mSpace") or error.message.startswith("Your mSpace")
    assert error.message.endswith(".")
    assert str(error) == error.message
    assert error.reply == ""
    assert isinstance(error, MspaceError)


def test_the_family_tree_is_as_the_spec_draws_it():
    for error_class in ERRORS:
        assert issubclass(error_class, MspaceError)
    assert issubclass(OutcomeUnknownError, GatewayUnavailableError)
    assert not issubclass(GatewayError, GatewayUnavailableError)
    assert not issubclass(GatewayUnavailableError, GatewayError)
    assert {cls.__base__ for cls in ERRORS if cls is not MspaceError} == {
        MspaceError,
        GatewayUnavailableError,
    }


def test_an_error_keeps_its_message_and_reply_through_pickling():
    error = TopUpFailedError("mSpace failed to top up that account.", reply="Failed to top up x")

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - bytes we just made

    assert (type(copy), copy.message, copy.reply) == (TopUpFailedError, error.message, error.reply)
    assert repr(copy) == "TopUpFailedError('mSpace failed to top up that account.')"


def test_results_are_frozen_values():
    account = Account("client1", 20)

    with pytest.raises(AttributeError):
        account.balance = 21  # type: ignore[misc]
    assert account == Account(name="client1", balance=20)
    assert SendResult("1", "successful", "t") == SendResult(
        message_id="1", status="successful", response_time="t"
    )


def test_the_client_shows_neither_password_nor_address():
    client = MspaceClient(BASE, "alice", PASSWORD)

    assert repr(client) == "MspaceClient(username='alice')"


@pytest.mark.parametrize(
    "base_url",
    [
        "",
        "mspace.test/sms/",
        "ftp://mspace.test/",
        "http:///sms/",
        "http://h/sms/?x=1",
        "http://h/#x",
    ],
)
def test_an_unusable_gateway_address_is_refused_at_once(base_url):
    with pytest.raises(ValueError, match="mSpace address"):
        MspaceClient(base_url, "alice", PASSWORD)


@pytest.mark.parametrize("timeout", [0, -1])
def test_a_timeout_must_be_positive(timeout):
    with pytest.raises(ValueError, match="timeout"):
        MspaceClient(BASE, "alice", PASSWORD, timeout=timeout)


@pytest.mark.parametrize("amount", ["5", 5.0, True, None])
def test_a_top_up_amount_must_be_a_whole_number(amount):
    adapter = ScriptedAdapter((200, "Successful Top up of 5 SMS to client1"))
    client = MspaceClient(BASE, "alice", PASSWORD, adapter=adapter)

    with pytest.raises(TypeError):
        client.top_up_client("client1", amount)
    assert adapter.requests == []


# --- The transport hook (the simulator's, in demo mode) -------------------------------------


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_an_adapter_receives_exactly_the_url_the_network_would(call):
    adapter = ScriptedAdapter((200, "nonsense"))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as network:
        network.add(responses.GET, re.compile(".*"), body="nonsense")
        with pytest.raises(GatewayError):
            call(MspaceClient(BASE, "mama mboga/é", PASSWORD))
        with pytest.raises(GatewayError):
            call(MspaceClient(BASE, "mama mboga/é", PASSWORD, adapter=adapter))

        assert [r.url for r in adapter.requests] == [network.calls[0].request.url]
        assert adapter.requests[0].headers == network.calls[0].request.headers


def test_an_adapter_gets_the_capped_connect_timeout_and_what_is_left_of_the_deadline():
    adapter = ScriptedAdapter((200, "50"))

    MspaceClient(BASE, "alice", PASSWORD, timeout=8, adapter=adapter).balance()
    MspaceClient(BASE, "alice", PASSWORD, timeout=2, adapter=adapter).balance()

    (connect_1, read_1), (connect_2, read_2) = adapter.timeouts
    assert (connect_1, connect_2) == (3.05, pytest.approx(2, abs=0.5))
    assert 7 < read_1 <= 8 and 1 < read_2 <= 2


def test_writes_through_an_adapter_ask_for_the_connection_to_be_closed():
    adapter = ScriptedAdapter((200, "Successful Top up of 5 SMS to client1"))

    MspaceClient(BASE, "alice", PASSWORD, adapter=adapter).top_up_client("client1", 5)

    assert adapter.requests[0].headers["Connection"] == "close"


@pytest.mark.parametrize("failure", [refused, reset], ids=["refused", "reset"])
@pytest.mark.parametrize("call", READS.values(), ids=READS.keys())
def test_an_adapter_read_is_tried_once_more_after_a_refusal_or_reset(monkeypatch, call, failure):
    monkeypatch.setattr(mspace, "READ_RETRY_PAUSE", 0)
    adapter = ScriptedAdapter(failure(), failure(), (200, "user exists"))

    with pytest.raises(GatewayUnavailableError) as raised:
        call(MspaceClient(BASE, "alice", PASSWORD, adapter=adapter))

    assert type(raised.value) is GatewayUnavailableError
    assert len(adapter.requests) == 2


def test_an_adapter_read_that_times_out_is_not_tried_again():
    adapter = ScriptedAdapter(requests.ReadTimeout("Read timed out."), (200, "50"))

    with pytest.raises(GatewayUnavailableError, match="did not answer in time"):
        MspaceClient(BASE, "alice", PASSWORD, adapter=adapter).balance()

    assert len(adapter.requests) == 1


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        (refused, GatewayUnavailableError),
        (lambda: requests.ConnectTimeout("connect timed out"), GatewayUnavailableError),
        (reset, OutcomeUnknownError),
        (lambda: requests.ReadTimeout("Read timed out."), OutcomeUnknownError),
        (lambda: requests.ConnectionError("something broke"), OutcomeUnknownError),
        (lambda: requests.exceptions.ChunkedEncodingError("cut short"), OutcomeUnknownError),
    ],
    ids=["refused", "connect timeout", "reset", "read timeout", "unexplained", "cut short"],
)
@pytest.mark.parametrize("call", WRITES.values(), ids=WRITES.keys())
def test_an_adapter_write_goes_out_once_whatever_happens(call, failure, error_class):
    adapter = ScriptedAdapter(failure(), (200, "Successful Top up of 5 SMS to client1"))

    with pytest.raises(GatewayUnavailableError) as raised:
        call(MspaceClient(BASE, "alice", PASSWORD, adapter=adapter))

    assert type(raised.value) is error_class
    assert len(adapter.requests) == 1


def test_an_error_keeps_nothing_of_what_the_adapter_raised():
    url_in_error = f"Max retries exceeded with url: /balance/username=alice/password={PASSWORD}"
    adapter = ScriptedAdapter(requests.ConnectionError(url_in_error))

    with pytest.raises(OutcomeUnknownError) as raised:
        MspaceClient(BASE, "alice", PASSWORD, adapter=adapter).send_text("A", "254700000000", "x")

    said = everything_said_about(raised.value)
    assert raised.value.__context__ is None
    assert raised.value.__cause__ is None
    assert "mspace.test" not in said
    for form in password_forms():
        assert form not in said


# --- Only MspaceError, ever -----------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
_NEAR_MISSES = st.sampled_from(
    [
        "50",
        "user exists",
        "Successful Top up of 5 SMS to client1",
        '[{"smsBalance": "20", "clientname": "client1", "subUserName": "s"}]',
        '[{"messageId": "1", "responseTime": "t", "status": "successful"}]',
        "Authentication failure",
        "Top up not Successful",
    ]
)
ANY_REPLY = st.one_of(
    st.text(),
    st.binary(),
    _JSON.map(json.dumps),
    st.tuples(_NEAR_MISSES, st.text(max_size=4), st.booleans()).map(
        lambda parts: parts[0] + parts[1] if parts[2] else parts[1] + parts[0]
    ),
)
VALID = {
    "login": lambda value: value is None,
    # A plain int, or a `Balance` (issue 23: a decimal or unlimited balance as mSpace sent it).
    "balance": lambda value: type(value) in (int, Balance) and value >= 0,
    "sub-accounts": lambda value: all(type(a) is Account and a.balance >= 0 for a in value),
    "clients": lambda value: all(type(a) is Account and a.name for a in value),
    "client top-up": lambda value: type(value) is str and value.lower().startswith("successful"),
    "sub-account top-up": lambda value: type(value) is str and "5" in value,
    "test SMS": lambda value: type(value) is SendResult and value.message_id,
}


@settings(max_examples=200, deadline=None)
@given(
    call=st.sampled_from(sorted(CALLS)),
    status=st.sampled_from([200, 200, 200, 500, 302]),
    body=ANY_REPLY,
)
def test_any_reply_gives_a_valid_result_or_an_mspace_error(call, status, body):
    adapter = ScriptedAdapter((status, body))
    client = MspaceClient(BASE, "alice", PASSWORD, adapter=adapter)

    try:
        value = CALLS[call](client)
    except MspaceError as error:
        assert isinstance(error.message, str) and error.message
        assert len(error.reply) <= 200
    else:
        assert status == 200
        assert VALID[call](value)
