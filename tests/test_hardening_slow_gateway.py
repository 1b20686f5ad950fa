"""Attack 3 of issue 15: a gateway that answers one byte at a time, or answers with hundreds of
megabytes, must not hold a worker (or its memory) past the call's deadline, and no ledger row
whose call may still be running can be settled by a balance check.

Time is only ever compared with generous bounds: each drip below would last many times the
bound if the deadline did not cut it short.
"""

import threading
import time
from urllib.parse import quote

import pytest
from django.db import connections

import messaging.mspace as mspace
from messaging import ledger
from messaging.models import LedgerEntry
from messaging.mspace import (
    BOOK_REPLY_LIMIT,
    GatewayError,
    GatewayUnavailableError,
    MspaceClient,
    OutcomeUnknownError,
)
from simulator import faults
from tests.conftest import ALICE_PASSWORD
from tests.mspace_helpers import PASSWORD, FakeGateway, reply, reset
from tests.send_helpers import a_send
from tests.topup_helpers import outcome_entry, top_up

DEADLINE = 1.0  # seconds given to the client
BOUND = 6.0  # seconds: far above the deadline, far below the drips' full length (>= 20 s)


@pytest.fixture
def gateway():
    server = FakeGateway()
    yield server
    server.stop()


def drip_body(body: bytes, pause: float, *, declared: bool = True):
    """Answer the head at once, then the body one byte every `pause` seconds."""

    def act(sock, gateway):
        length = f"Content-Length: {len(body)}\r\n" if declared else "Connection: close\r\n"
        sock.sendall(f"HTTP/1.1 200 OK\r\n{length}\r\n".encode())
        for byte in body:
            if gateway.released.wait(pause):
                return False
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return False  # the client hung up: what the deadline is for
        return True

    return act


def drip_head(pause: float):
    """Send even the status line and headers one byte every `pause` seconds."""

    def act(sock, gateway):
        for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n50":
            if gateway.released.wait(pause):
                return False
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return False
        return False

    return act


def endless_body(first: bytes):
    """A reply with no declared length that never stops: `first`, then spaces forever."""

    def act(sock, gateway):
        sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + first)
        padding = b" " * 65536
        try:
            while not gateway.released.is_set():
                sock.sendall(padding)
        except OSError:
            pass  # the client stopped reading and hung up
        return False

    return act


def timed(call):
    started = time.monotonic()
    try:
        call()
    except Exception as error:
        return error, time.monotonic() - started
    return None, time.monotonic() - started


# --- The client, against a real socket ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("balance", lambda client: client.balance()),
        ("login", lambda client: client.login()),
    ],
)
def test_a_read_dripping_its_body_ends_at_the_deadline(gateway, name, call):
    gateway.default = drip_body(b"50" + b" " * 98, pause=0.2)  # 20 s in all

    error, took = timed(lambda: call(MspaceClient(gateway.base_url, "u", PASSWORD, timeout=1)))

    assert isinstance(error, GatewayUnavailableError), error
    assert "did not answer in time" in error.message
    assert took < BOUND


def test_a_write_dripping_its_reply_is_an_unknown_outcome_at_the_deadline(gateway):
    sentence = b"Successful Top up of 5 SMS to client1" + b" " * 63
    gateway.default = drip_body(sentence, pause=0.2, declared=False)
    client = MspaceClient(gateway.base_url, "u", PASSWORD, timeout=DEADLINE)

    error, took = timed(lambda: client.top_up_client("client1", 5))

    # The first bytes already read "Successful...": a cut-short reply is never parsed.
    assert isinstance(error, OutcomeUnknownError), error
    assert took < BOUND


def test_a_read_tried_again_is_still_within_the_one_deadline(gateway, monkeypatch):
    monkeypatch.setattr(mspace, "READ_RETRY_PAUSE", 0.01)
    gateway.plan.append(reset)  # the first try is dropped: a read is tried again
    gateway.default = drip_body(b"50" + b" " * 98, pause=0.2)

    error, took = timed(
        lambda: MspaceClient(gateway.base_url, "u", PASSWORD, timeout=DEADLINE).balance()
    )

    assert isinstance(error, GatewayUnavailableError), error
    assert gateway.connections == 2
    assert took < BOUND


def test_a_gateway_dripping_its_headers_is_cut_off_at_the_deadline_too(gateway):
    gateway.default = drip_head(pause=0.1)  # 25 s in all

    error, took = timed(
        lambda: MspaceClient(gateway.base_url, "u", PASSWORD, timeout=DEADLINE).balance()
    )

    assert isinstance(error, GatewayUnavailableError), error
    assert took < BOUND


def test_a_huge_reply_is_refused_while_it_streams_in(gateway):
    gateway.default = endless_body(b"50")

    error, took = timed(lambda: MspaceClient(gateway.base_url, "u", PASSWORD).balance())

    assert isinstance(error, GatewayError), error
    assert "larger than any real one" in error.message
    assert took < BOUND


def test_a_huge_book_is_refused_once_past_the_cap(gateway):
    gateway.default = endless_body(b'[{"smsBalance": "20", "clientname": "client1"}')

    error, _ = timed(lambda: MspaceClient(gateway.base_url, "u", PASSWORD).reseller_clients())

    assert isinstance(error, GatewayError), error


def test_a_declared_length_over_the_cap_is_refused_before_reading(gateway):
    def oversized(sock, gateway):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n50")
        gateway.released.wait(30)
        return False

    gateway.default = oversized

    error, took = timed(lambda: MspaceClient(gateway.base_url, "u", PASSWORD).balance())

    assert isinstance(error, GatewayError), error
    assert took < BOUND


def test_a_book_of_100000_accounts_fits_under_the_cap(gateway):
    row = '{"smsBalance": "1234567", "clientname": "%s"}'
    rows = ",".join(
        row % f"Client number {i:06d} of a large Nairobi reseller" for i in range(100_000)
    )
    gateway.default = reply(f"[{rows}]")

    accounts = MspaceClient(gateway.base_url, "u", PASSWORD, timeout=30).reseller_clients()

    assert len(accounts) == 100_000
    assert len(rows) < BOOK_REPLY_LIMIT


def test_the_watchdog_wakes_a_thread_blocked_on_a_silent_socket(gateway):
    # A gateway that sends nothing after the head, with a per-read timeout far above the
    # deadline: only the watchdog can end the wait.
    def silent(sock, gateway):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n5")
        gateway.released.wait(30)
        return False

    gateway.default = silent
    client = MspaceClient(gateway.base_url, "u", PASSWORD, timeout=DEADLINE)
    client._timeouts = (3.05, 60)  # an old per-read timeout would wait a minute

    error, took = timed(client.balance)

    assert isinstance(error, GatewayUnavailableError), error
    assert took < BOUND


# --- Matching and redaction on a bounded prefix -------------------------------------------


def test_no_pattern_is_built_from_a_two_megabyte_password(monkeypatch):
    compiled = []
    real_compile = mspace.re.compile

    def compile_and_record(pattern, *args, **kwargs):
        compiled.append(len(pattern))
        return real_compile(pattern, *args, **kwargs)

    monkeypatch.setattr(mspace.re, "compile", compile_and_record)
    huge_password = "p" * 2_000_000
    adapter = _Answer(400, "Request header is too large " + huge_password[:5000])

    client = MspaceClient("http://gw.invalid/", "u", huge_password, adapter=adapter)
    with pytest.raises(GatewayError) as caught:
        client.login()

    assert all(length < 10_000 for length in compiled)
    assert "ppppp" not in caught.value.reply + caught.value.message


def test_a_failure_is_recognised_from_the_start_of_a_long_reply():
    adapter = _Answer(200, "Insufficient Balance" + " padding" * 5000)
    client = MspaceClient("http://gw.invalid/", "u", PASSWORD, adapter=adapter)

    with pytest.raises(mspace.InsufficientBalanceError):
        client.top_up_client("client1", 5)


class _Answer:
    """A minimal in-process transport giving one status and body."""

    def __init__(self, status, body):
        from tests.mspace_helpers import ScriptedAdapter

        self._adapter = ScriptedAdapter((status, body))

    def send(self, *args, **kwargs):
        return self._adapter.send(*args, **kwargs)

    def close(self):
        pass


# --- The simulator's drip and huge faults, through the app --------------------------------


def test_a_test_sms_whose_reply_drips_ends_as_unknown_at_the_deadline(alice_client, settings):
    settings.MSPACE_TIMEOUT = DEADLINE
    data = a_send(alice_client)
    faults.inject("sendtext", "drip", delay=0.25)  # a ~90-byte receipt: over 20 s

    started = time.monotonic()
    response = alice_client.post("/send/", data)
    took = time.monotonic() - started

    assert response.status_code in (302, 303)
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.TEST_SMS)
    assert entry.status == LedgerEntry.Status.UNKNOWN
    assert took < BOUND


def test_a_huge_client_list_is_refused_and_the_page_says_so(alice_client):
    faults.inject("resellerclients", "huge", size=BOOK_REPLY_LIMIT + 4 * 1024 * 1024)

    response = alice_client.get("/clients/")

    assert response.status_code == 200
    assert "larger than any real one" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_huge_balance_reply_is_refused_after_a_small_read(alice_client):
    faults.inject("balance", "huge", size=50 * 1024 * 1024)

    started = time.monotonic()
    response = alice_client.get("/")
    took = time.monotonic() - started

    assert response.status_code == 200
    assert "larger than any real one" in response.content.decode()
    assert took < BOUND


# --- Nothing settles a row whose call may still be running --------------------------------


@pytest.mark.django_db(transaction=True)
def test_no_balance_check_can_settle_a_top_up_while_its_call_runs(
    alice_client, settings, monkeypatch
):
    settings.MSPACE_TIMEOUT = DEADLINE
    margin = 2.0  # the stale margin, shortened so the test need not wait a minute
    monkeypatch.setattr(ledger, "_STALE_MARGIN", ledger.timedelta(seconds=margin))
    faults.inject("resellerclienttopup", "drip", delay=0.5)  # ~45 bytes: over 20 s
    result = {}

    def send_top_up():
        try:
            result["response"] = top_up(alice_client)
        finally:
            connections.close_all()

    call = threading.Thread(target=send_top_up)
    call.start()
    # From the moment a check could take the row for abandoned, the call must be over.
    time.sleep(DEADLINE + margin + 0.5)
    still_running = call.is_alive()
    call.join(timeout=60)

    assert not still_running
    entry = outcome_entry(result["response"])
    assert entry.status == LedgerEntry.Status.UNKNOWN  # settled by the call itself


def test_a_simulated_drip_reply_over_http_is_the_right_answer_bit_by_bit(client, alice):
    faults.inject("balance", "drip", delay=0.001)

    path = "/mspaceservice/wr/sms/balance/username=alice/password=" + quote(ALICE_PASSWORD, safe="")
    response = client.get(path, RAW_URI=path)

    assert response.streaming
    assert b"".join(response.streaming_content) == b"5000"


def test_a_huge_fault_needs_a_positive_size(db):
    with pytest.raises(ValueError, match="size"):
        faults.inject("balance", "huge", size=0)


def test_a_drip_fault_needs_a_pause(db):
    with pytest.raises(ValueError, match="drip"):
        faults.inject("balance", "drip")
