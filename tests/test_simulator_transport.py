"""The in-process transport: requests talks to the simulator, and every fault looks real."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from messaging import mspace
from simulator import faults
from simulator.models import SimAccount, SimCall
from simulator.seed import make_account
from simulator.transport import SimulatorAdapter
from tests.test_simulator_gateway import RITA_PASSWORD, SLASHED_CLIENT, path

BASE = "http://mspace-simulator.invalid/mspaceservice/wr/sms/"
TOP_UP = path("resellerclienttopup", clientname="client1", noofsms="5")


@pytest.fixture
def rita(db):
    return make_account(
        "rita",
        RITA_PASSWORD,
        balance=100,
        clients=[("client1", 0), (SLASHED_CLIENT, 0), ("client2", 3)],
        subaccounts=[("rita-branch", 1)],
        sender_ids=["24680"],
    )


@pytest.fixture
def session():
    with requests.Session() as session:
        session.mount("http://", SimulatorAdapter())
        yield session


def get(session, gateway_path, timeout=(1.0, 0.05)):
    return session.get(BASE + gateway_path, timeout=timeout)


def causes(exc):
    """Every exception wrapped inside `exc`, the way requests and urllib3 nest them."""
    found, todo = [], [exc]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(
            link
            for link in [*current.args, getattr(current, "reason", None), current.__cause__]
            if isinstance(link, BaseException)
        )
    return found


def rita_balance():
    return SimAccount.objects.get(username="rita", parent=None).balance


def test_it_answers_like_an_http_server(rita, session):
    response = get(session, path("balance"))

    assert (response.status_code, response.text, response.reason) == (200, "100", "OK")
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.encoding.lower() == "utf-8"
    assert response.url == BASE + path("balance")


def test_names_come_back_intact_in_utf_8(rita, session):
    make_account("rose", "pw", clients=[("Café Ngong' Road", 4)])

    session.headers["Accept"] = "application/json"

    assert get(session, path("resellerclients", "rose", "pw")).json() == [
        {"smsBalance": "4", "clientname": "Café Ngong' Road"}
    ]


def test_it_reads_the_still_encoded_path(rita, session):
    response = get(session, path("resellerclienttopup", clientname=SLASHED_CLIENT, noofsms="1"))

    assert response.text == f"Successful Top up of 1 SMS to {SLASHED_CLIENT}"


def test_it_answers_404_outside_the_gateway_and_405_to_a_post(rita, session):
    assert session.get("http://mspace-simulator.invalid/elsewhere", timeout=1).status_code == 404
    assert session.post(BASE + path("balance"), timeout=1).status_code == 405


def test_refuse_raises_a_connection_error_caused_by_a_refused_connection(rita, session):
    faults.inject("resellerclienttopup", "refuse")

    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        get(session, TOP_UP)

    assert any(isinstance(e, ConnectionRefusedError) for e in causes(caught.value))
    assert rita_balance() == 100  # nothing reached the gateway
    # Like a real one, the error names the URL, password and all: the app must not pass it on.
    assert "Max retries exceeded with url: /mspaceservice/wr/sms/resellerclienttopup" in str(
        caught.value
    )


def test_reset_moves_the_credit_then_drops_the_connection(rita, session):
    faults.inject("resellerclienttopup", "reset")

    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        get(session, TOP_UP)

    assert any(isinstance(e, ConnectionResetError) for e in causes(caught.value))
    assert not any(isinstance(e, ConnectionRefusedError) for e in causes(caught.value))
    assert rita_balance() == 95


def test_hang_moves_the_credit_then_times_out_at_the_read_timeout(rita, session):
    faults.inject("resellerclienttopup", "hang")  # no delay: waits out the read timeout

    with pytest.raises(requests.exceptions.ReadTimeout) as caught:
        get(session, TOP_UP, timeout=(1.0, 0.05))

    assert "read timeout=0.05" in str(caught.value)
    assert rita_balance() == 95


def test_slow_answers_normally_within_the_timeout(rita, session):
    faults.inject("balance", "slow", delay=0.01)

    assert get(session, path("balance"), timeout=1.0).text == "100"


def test_slow_beyond_the_read_timeout_is_a_read_timeout_after_the_work_is_done(rita, session):
    faults.inject("resellerclienttopup", "slow", delay=5)

    with pytest.raises(requests.exceptions.ReadTimeout):
        get(session, TOP_UP, timeout=0.05)

    assert rita_balance() == 95


def test_http500_is_a_tomcat_error_page(rita, session):
    faults.inject("*", "http500")

    response = get(session, TOP_UP)

    assert response.status_code == 500
    assert "HTTP Status 500 – Internal Server Error" in response.text
    assert response.headers["Content-Type"].startswith("text/html")
    assert rita_balance() == 100


def test_html_is_a_login_page_with_status_200(rita, session):
    faults.inject("balance", "html")

    response = get(session, path("balance"))

    assert response.status_code == 200
    assert response.text.lstrip().lower().startswith("<!doctype html")


def test_garbage_is_neither_a_number_nor_json(rita, session):
    faults.inject("balance", "garbage")

    body = get(session, path("balance")).text

    assert body and not body.strip().isdigit()
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_empty_is_an_empty_200(rita, session):
    faults.inject("balance", "empty")

    response = get(session, path("balance"))

    assert (response.status_code, response.content) == (200, b"")


def test_truncated_cuts_a_list_in_half_and_moves_no_credit(rita, session):
    whole = get(session, path("resellerclients")).text
    faults.inject("*", "truncated")

    cut = get(session, path("resellerclients")).text
    top_up = get(session, TOP_UP).text

    assert cut == whole[: len(whole) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)
    assert top_up == "Successful Top up of 5 SMS to client1"[:18]
    assert rita_balance() == 100


def test_sentence_answers_the_given_reply_verbatim(rita, session):
    faults.inject("subacctopup", "sentence", reply="failed to deduct your account")

    response = get(session, path("subacctopup", subaccname="rita-branch", noofsms="1"))

    assert response.text == "failed to deduct your account"
    assert rita_balance() == 100


def test_a_counted_fault_strikes_only_that_many_calls(rita, session):
    faults.inject("balance", "internal_error", times=2)

    bodies = [get(session, path("balance")).text for _ in range(3)]

    assert bodies == ["Internal service error", "Internal service error", "100"]


# --- The app's own client through the transport ----------------------------------------


def client(password=RITA_PASSWORD):
    return mspace.MspaceClient(BASE, "rita", password, timeout=0.2, adapter=SimulatorAdapter())


def test_the_app_client_reads_and_tops_up_through_the_simulator(rita):
    assert client().balance() == 100
    assert [a.name for a in client().reseller_clients()] == ["client1", SLASHED_CLIENT, "client2"]
    client().top_up_client(SLASHED_CLIENT, 7)
    assert SimAccount.objects.get(username=SLASHED_CLIENT).balance == 7
    result = client().send_text("24680", "254712345678", "Habari")
    assert result.message_id == SimCall.objects.writes().last().message_id


def test_the_app_client_sees_wrong_credentials_as_an_authentication_error(rita):
    with pytest.raises(mspace.AuthenticationError):
        client("wrong").balance()


@pytest.mark.parametrize(
    "kind,error",
    [
        ("refuse", mspace.GatewayUnavailableError),
        ("reset", mspace.OutcomeUnknownError),
        ("hang", mspace.OutcomeUnknownError),
        ("html", mspace.GatewayError),
        ("truncated", mspace.MspaceError),  # a cut-off success: never taken as success
    ],
)
def test_the_app_client_classifies_each_fault_on_a_top_up(rita, kind, error):
    faults.inject("resellerclienttopup", kind, delay=0.01)

    with pytest.raises(error) as caught:
        client().top_up_client("client1", 5)

    assert RITA_PASSWORD not in str(caught.value)
    if kind == "refuse":
        assert not isinstance(caught.value, mspace.OutcomeUnknownError)


def test_the_app_client_rejects_a_truncated_list(rita):
    faults.inject("resellerclients", "truncated")

    with pytest.raises(mspace.GatewayError):
        client().reseller_clients()


@pytest.mark.django_db(transaction=True)
def test_one_adapter_serves_many_threads_at_once():
    make_account("rita", "pw", balance=20, clients=[("client1", 0)])
    adapter = SimulatorAdapter()
    top_up = path("resellerclienttopup", "rita", "pw", clientname="client1", noofsms="1")

    def call(gateway_path):
        try:
            with requests.Session() as session:
                session.mount("http://", adapter)
                return get(session, gateway_path, timeout=5).text
        finally:
            connection.close()  # each worker thread opened its own

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(call, [top_up, path("balance", "rita", "pw")] * 12))

    assert answers[0::2].count("Successful Top up of 1 SMS to client1") == 12
    assert all(a.isdigit() for a in answers[1::2])
    assert SimAccount.objects.get(username="client1").balance == 12
    assert SimAccount.objects.get(username="rita").balance == 8
