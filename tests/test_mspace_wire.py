"""What actually goes over the wire to mSpace, against a real local HTTP server: the exact
bytes of each path, how connections are used, and which failures are tried again."""

import logging
import os
import socket
import threading
from urllib.parse import unquote

import pytest
import urllib3.util.connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import messaging.mspace as mspace
from messaging.mspace import (
    GatewayError,
    GatewayUnavailableError,
    MspaceClient,
    MspaceError,
    OutcomeUnknownError,
    probe,
)
from tests.mspace_helpers import (
    BASE_PATH,
    ENCODED_PASSWORD,
    PASSWORD,
    FakeGateway,
    close,
    everything_said_about,
    hang,
    header,
    password_forms,
    reply,
    reset,
    stall_mid_body,
    truncated,
)

SENT = '[{"messageId": "9", "responseTime": "2018-06-25 11:12:19:793", "status": "successful"}]'
TIMEOUT = 2.0  # seconds: a healthy loopback answer is never this slow, even on a busy machine
SILENCE = 0.3  # seconds: how long tests wait when they make mSpace go silent

WRITES = {
    "client top-up": lambda client: client.top_up_client("client1", 5),
    "sub-account top-up": lambda client: client.top_up_sub_account("client1", 5),
    "test SMS": lambda client: client.send_text("MSPACE", "254712345678", "Hi"),
}
READS = {
    "login": lambda client: client.login(),
    "balance": lambda client: client.balance(),
    "sub-accounts": lambda client: client.sub_accounts(),
    "clients": lambda client: client.reseller_clients(),
}


@pytest.fixture
def gateway():
    server = FakeGateway()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_gateway():
    server = FakeGateway()
    server.default = reply(SENT)
    yield server
    server.stop()


@pytest.fixture
def closed_port():
    """A port on which nothing listens: connecting is refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound but not listening, so no one else can take it
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def connect_attempts(monkeypatch):
    attempts = []
    real = urllib3.util.connection.create_connection

    def counting(*args, **kwargs):
        attempts.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)
    return attempts


def client_for(gateway, username="u", password=PASSWORD, timeout=TIMEOUT):
    return MspaceClient(gateway.base_url, username, password, timeout=timeout)


# --- The path, byte for byte ----------------------------------------------------------------


def test_every_hostile_character_arrives_encoded_in_its_own_segment(gateway):
    gateway.default = reply(SENT)
    client = client_for(gateway, username="mama mboga/é")

    client.send_text("A/B?C#D ..", "+254 712/345#678", "Habari / ? # % & + é 🎉 100%41 a~b")

    assert gateway.paths == [
        (
            f"{BASE_PATH}/sendtext/username=mama%20mboga%2F%C3%A9/password={ENCODED_PASSWORD}"
            "/senderid=A%2FB%3FC%23D%20.."
            "/recipient=%2B254%20712%2F345%23678"
            "/message=Habari%20%2F%20%3F%20%23%20%25%20%26%20%2B%20%C3%A9%20%F0%9F%8E%89"
            "%20100%2541%20a~b"
        ).encode("ascii")
    ]


@pytest.mark.parametrize(
    ("top_up", "method", "name_key"),
    [
        (MspaceClient.top_up_client, "resellerclienttopup", "clientname"),
        (MspaceClient.top_up_sub_account, "subacctopup", "subaccname"),
    ],
)
def test_a_top_up_sends_the_name_and_amount_as_two_segments(gateway, top_up, method, name_key):
    name = "Mama Mboga/Traders & Sons #1 é"
    gateway.default = reply(f"Successful Top up of 250 SMS to {name}")

    confirmation = top_up(client_for(gateway), name, 250)

    assert confirmation == f"Successful Top up of 250 SMS to {name}"
    assert gateway.paths == [
        (
            f"{BASE_PATH}/{method}/username=u/password={ENCODED_PASSWORD}"
            f"/{name_key}=Mama%20Mboga%2FTraders%20%26%20Sons%20%231%20%C3%A9/noofsms=250"
        ).encode("ascii")
    ]


@pytest.mark.parametrize("suffix", ["", "/", "//"])
def test_the_base_url_works_with_or_without_a_trailing_slash(gateway, suffix):
    base = gateway.base_url.rstrip("/") + suffix

    MspaceClient(base, "u", "p", timeout=TIMEOUT).login()

    assert gateway.paths == [f"{BASE_PATH}/login/username=u/password=p".encode()]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.text(st.characters(blacklist_categories=["Cs"]), max_size=20), min_size=4, max_size=4
    )
)
def test_any_text_survives_the_trip_as_exactly_one_segment(shared_gateway, values):
    username, sender_id, recipient, message = values
    client = MspaceClient(shared_gateway.base_url, username, PASSWORD, timeout=2)

    client.send_text(sender_id, recipient, message)

    path = shared_gateway.paths[-1].decode("ascii")
    segments = path.removeprefix(f"{BASE_PATH}/").split("/")
    assert segments[0] == "sendtext"
    keys = [segment.partition("=")[0] for segment in segments[1:]]
    sent = [unquote(segment.partition("=")[2], errors="strict") for segment in segments[1:]]
    assert keys == ["username", "password", "senderid", "recipient", "message"]
    assert sent == [username, PASSWORD, sender_id, recipient, message]


# --- Connections and headers ----------------------------------------------------------------


def test_reads_share_one_kept_alive_connection(gateway):
    gateway.default = reply("50")
    client = client_for(gateway)

    assert [client.balance(), client.balance(), client.balance()] == [50, 50, 50]

    assert len(gateway.heads) == 3
    assert gateway.connections == 1


def test_each_write_opens_its_own_connection_and_asks_to_close_it(gateway):
    gateway.default = reply("Successful Top up of 5 SMS to client1")
    client = client_for(gateway)

    client.top_up_client("client1", 5)
    client.top_up_client("client1", 5)

    assert gateway.connections == 2
    assert [header(head, "Connection") for head in gateway.heads] == ["close", "close"]


def test_it_introduces_itself_as_the_reseller_admin(gateway):
    client_for(gateway).login()

    assert header(gateway.heads[0], "User-Agent").startswith("mspace-reseller-admin")


def test_the_gateway_cannot_plant_a_cookie_for_a_later_call(gateway):
    gateway.plan.append(reply("user exists", headers=("Set-Cookie: session=planted; Path=/",)))
    client = client_for(gateway)

    client.login()
    client.login()

    assert [header(head, "Cookie") for head in gateway.heads] == [None, None]


def test_a_redirect_is_not_followed(gateway):
    gateway.plan.append(reply("", status=302, headers=("Location: /elsewhere",)))

    with pytest.raises(GatewayError, match="redirect"):
        client_for(gateway).balance()

    assert len(gateway.heads) == 1


def test_concurrent_first_reads_create_one_shared_session(monkeypatch):
    monkeypatch.setattr(mspace, "_shared", None)
    start = threading.Barrier(16)
    sessions = []

    def first_read():
        start.wait()
        sessions.append(mspace._shared_session())

    threads = [threading.Thread(target=first_read) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(sessions) == 16
    assert len({id(session) for session in sessions}) == 1


def test_a_forked_worker_starts_its_own_shared_session():
    assert mspace._shared_session() is not None
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os._exit(0 if mspace._shared is None else 1)
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert mspace._shared is not None


# --- Reads: tried once more after a refused or dropped connection, never after a timeout ----


@pytest.mark.parametrize("drop", [reset, close, truncated], ids=["reset", "closed", "truncated"])
def test_a_read_is_tried_once_more_after_a_dropped_connection(gateway, drop):
    gateway.plan.append(drop)
    gateway.default = reply("50")

    assert client_for(gateway).balance() == 50

    assert len(gateway.heads) == 2


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_read_gives_up_after_the_second_dropped_connection(gateway, read):
    gateway.plan.extend([reset, reset])
    gateway.default = reply("50")

    with pytest.raises(GatewayUnavailableError) as raised:
        read(client_for(gateway))

    assert type(raised.value) is GatewayUnavailableError
    assert raised.value.message == "mSpace closed the connection without answering."
    assert len(gateway.heads) == 2


@pytest.mark.parametrize("silence", [hang, stall_mid_body], ids=["no answer", "half an answer"])
def test_a_read_that_times_out_is_not_tried_again(gateway, silence):
    gateway.plan.append(silence)
    gateway.default = reply("50")

    with pytest.raises(GatewayUnavailableError) as raised:
        client_for(gateway, timeout=SILENCE).balance()

    assert type(raised.value) is GatewayUnavailableError
    assert raised.value.message == "mSpace did not answer in time."
    assert len(gateway.heads) == 1


def test_a_refused_read_is_tried_twice_then_reported_unreachable(closed_port, connect_attempts):
    client = MspaceClient(f"http://127.0.0.1:{closed_port}/", "u", "p", timeout=TIMEOUT)

    with pytest.raises(GatewayUnavailableError) as raised:
        client.balance()

    assert type(raised.value) is GatewayUnavailableError
    assert raised.value.message.startswith("mSpace could not be reached.")
    assert len(connect_attempts) == 2


# --- Writes: exactly once; "unknown" whenever the request may have arrived ------------------


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize(
    "drop", [reset, close, truncated, hang, stall_mid_body], ids=lambda action: action.__name__
)
def test_a_write_that_breaks_after_sending_reaches_mspace_once_and_is_unknown(gateway, write, drop):
    gateway.plan.append(drop)
    gateway.default = reply("Successful Top up of 5 SMS to client1")

    with pytest.raises(OutcomeUnknownError):
        write(client_for(gateway, timeout=SILENCE))

    assert len(gateway.heads) == 1
    assert gateway.connections == 1


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_refused_write_is_unavailable_and_tried_only_once(closed_port, connect_attempts, write):
    client = MspaceClient(f"http://127.0.0.1:{closed_port}/", "u", "p", timeout=TIMEOUT)

    with pytest.raises(GatewayUnavailableError) as raised:
        write(client)

    assert type(raised.value) is GatewayUnavailableError  # nothing was sent, so not "unknown"
    assert len(connect_attempts) == 1


def test_a_name_that_does_not_resolve_is_unavailable_not_unknown(gateway, monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    client = MspaceClient("http://mspace.example.invalid/", "u", PASSWORD, timeout=TIMEOUT)

    with pytest.raises(GatewayUnavailableError) as raised:
        client.top_up_client("client1", 5)

    assert type(raised.value) is GatewayUnavailableError


def test_a_connect_timeout_is_unavailable_and_never_tried_again(connect_attempts, monkeypatch):
    def too_slow(address, *args, **kwargs):
        connect_attempts.append(address)
        raise TimeoutError("timed out")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", too_slow)
    client = MspaceClient("http://127.0.0.1:9/", "u", "p", timeout=TIMEOUT)

    for call in (client.balance, lambda: client.top_up_client("client1", 5)):
        with pytest.raises(GatewayUnavailableError) as raised:
            call()
        assert type(raised.value) is GatewayUnavailableError
        assert raised.value.message.startswith("mSpace could not be reached in time.")
    assert len(connect_attempts) == 2  # one read, one write: neither was tried again


def test_a_garbled_compressed_answer_is_a_gateway_error_on_read_and_unknown_on_write(gateway):
    gateway.default = reply(b"not gzip at all", headers=("Content-Encoding: gzip",))
    client = client_for(gateway)

    with pytest.raises(GatewayError):
        client.balance()
    with pytest.raises(OutcomeUnknownError):
        client.top_up_client("client1", 5)

    assert len(gateway.heads) == 2


def test_the_connect_timeout_is_capped_and_the_read_timeout_is_what_is_left_of_the_setting(
    monkeypatch,
):
    seen = []

    def record(self, request, **kwargs):
        seen.append(kwargs["timeout"])
        raise ConnectionRefusedError

    monkeypatch.setattr(mspace.HTTPAdapter, "send", record)
    monkeypatch.setattr(mspace, "READ_RETRY_PAUSE", 0)

    for timeout in (10.0, 1.0):
        with pytest.raises(GatewayUnavailableError):
            MspaceClient("http://127.0.0.1:9/", "u", "p", timeout=timeout).login()

    # The second try of a read gets only what the first left of the call's deadline.
    short = pytest.approx(1.0, abs=0.3)
    assert [connect for connect, _ in seen] == [3.05, 3.05, short, short]
    assert [round(read) for _, read in seen] == [10, 10, 1, 1]
    assert seen[1][1] <= seen[0][1] <= 10.0 and seen[3][1] <= seen[2][1] <= 1.0


# --- Secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure", [reset, hang, truncated, "refused"], ids=["reset", "hang", "truncated", "refused"]
)
@pytest.mark.parametrize("call", [*READS.values(), *WRITES.values()], ids=[*READS, *WRITES])
def test_no_transport_error_carries_the_password(gateway, closed_port, monkeypatch, failure, call):
    monkeypatch.setattr(mspace, "READ_RETRY_PAUSE", 0)
    if failure == "refused":
        client = MspaceClient(f"http://127.0.0.1:{closed_port}/x/", "u", PASSWORD, timeout=TIMEOUT)
    else:
        gateway.default = failure
        client = client_for(gateway, timeout=SILENCE)

    with pytest.raises(MspaceError) as raised:
        call(client)

    said = everything_said_about(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None
    assert "127.0.0.1" not in said
    for form in password_forms():
        assert form not in said


def test_library_debug_logs_and_our_own_lines_never_show_the_password(gateway, caplog, monkeypatch):
    # Only the capturing handler, so that no masking handler of the project's hides a leak.
    monkeypatch.setattr(logging.getLogger(), "handlers", [caplog.handler])
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # the project's settings quieten it
    gateway.plan.extend([reset, reply("50"), reset])  # a read tried twice, then a write
    client = client_for(gateway)

    client.balance()
    with pytest.raises(OutcomeUnknownError):
        client.top_up_client("client1", 1)

    for form in password_forms():
        assert form not in caplog.text
    assert "password=***" in caplog.text  # urllib3's own line is still there, masked
    ours = [record.getMessage() for record in caplog.records if record.name == "messaging.mspace"]
    assert len(ours) == 2
    assert ours[0].startswith("mSpace balance for 'u': ok in ")
    assert ours[1].startswith("mSpace resellerclienttopup for 'u': unknown in ")


# --- probe ----------------------------------------------------------------------------------


def test_probe_says_yes_to_any_http_answer_and_sends_no_credentials(gateway):
    gateway.default = reply("Not Found", status=404)

    assert probe(gateway.base_url, timeout=TIMEOUT) is True

    assert gateway.paths == [f"{BASE_PATH}/".encode()]


def test_probe_says_no_when_nothing_answers(gateway, closed_port):
    gateway.default = hang

    assert probe(gateway.base_url, timeout=SILENCE) is False
    assert probe(f"http://127.0.0.1:{closed_port}/", timeout=TIMEOUT) is False
    assert probe("not a url", timeout=TIMEOUT) is False
