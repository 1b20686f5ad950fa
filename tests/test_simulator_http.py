"""The simulator over HTTP, as curl, gunicorn and the browser tests reach it."""

import socket
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import faults
from simulator.models import SimAccount
from simulator.seed import make_account
from simulator.views import drop_connection
from tests.test_simulator_gateway import RITA_PASSWORD, SLASHED_CLIENT, path

BASE = "/mspaceservice/wr/sms/"


@pytest.fixture
def rita(db):
    return make_account(
        "rita", RITA_PASSWORD, balance=100, clients=[("client1", 0), (SLASHED_CLIENT, 0)]
    )


def get_raw(client, gateway_path, header="RAW_URI", **headers):
    """GET as gunicorn delivers it: the decoded PATH_INFO plus the raw request target."""
    return client.get(BASE + gateway_path, **{header: BASE + gateway_path}, **headers)


def balance_of(name):
    return SimAccount.objects.get(username=name).balance


def test_it_answers_a_balance_as_plain_text(client, rita):
    response = get_raw(client, path("balance"))

    assert response.status_code == 200
    assert response.content == b"100"
    assert response["Content-Type"].startswith("text/plain")


def test_json_lists_come_as_text_plain(client, rita):
    response = get_raw(client, path("resellerclients"), HTTP_ACCEPT="application/json")

    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith('[{"smsBalance": "0", "clientname": "client1"}')


def test_lists_come_as_xml_when_the_request_does_not_ask_for_json(client, rita):
    response = get_raw(client, path("resellerclients"), HTTP_ACCEPT="*/*")

    assert response["Content-Type"].startswith("application/xml")
    assert "<resellerClient><smsBalance>0</smsBalance><clientname>client1</clientname>" in (
        response.content.decode()
    )


@pytest.mark.parametrize("header", ["RAW_URI", "REQUEST_URI"])
def test_an_encoded_slash_survives_where_the_server_keeps_the_raw_path(client, rita, header):
    top_up = path("resellerclienttopup", clientname=SLASHED_CLIENT, noofsms="2")

    response = get_raw(client, top_up, header=header)

    assert response.content.decode() == f"Successful Top up of 2 SMS to {SLASHED_CLIENT}"
    assert balance_of(SLASHED_CLIENT) == 2


def test_without_the_raw_path_it_reads_the_decoded_one(client, rita):
    make_account("paul", "plain-pw")
    assert client.get(BASE + path("balance", "paul", "plain-pw")).content == b"0"
    # ...where an encoded "/" has already become a separator (SPEC, Notes).
    top_up = path("resellerclienttopup", clientname=SLASHED_CLIENT, noofsms="2")
    assert client.get(BASE + top_up).status_code == 404


def test_it_answers_404_pages_like_tomcat(client, rita):
    for url in [BASE, BASE + "nosuchmethod/username=rita/password=x"]:
        response = client.get(url)
        assert response.status_code == 404
        assert b"HTTP Status 404" in response.content


def test_it_answers_405_to_a_post_without_asking_for_a_csrf_token(client, rita):
    assert client.post(BASE + path("balance")).status_code == 405


@pytest.mark.parametrize("kind,moved", [("reset", True), ("refuse", False), ("hang", True)])
def test_without_a_socket_to_drop_a_silent_fault_is_an_empty_labelled_answer(
    client, rita, kind, moved
):
    faults.inject("resellerclienttopup", kind, delay=0.01)

    response = get_raw(client, path("resellerclienttopup", clientname="client1", noofsms="5"))

    assert (response.content, response["X-Simulator-Fault"]) == (b"", kind)
    assert balance_of("client1") == (5 if moved else 0)


def test_a_slow_gateway_still_answers(client, rita):
    faults.inject("balance", "slow", delay=0.01)

    assert get_raw(client, path("balance")).content == b"100"


def test_an_http500_fault_is_a_tomcat_error_page(client, rita):
    faults.inject("balance", "http500")

    response = get_raw(client, path("balance"))

    assert response.status_code == 500
    assert b"HTTP Status 500" in response.content


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(tail=st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_it_never_answers_500_whatever_the_path(client, tail):
    # Random methods, broken escapes, stray "=", "?" and "/" all get a gateway answer.
    for raw in [tail, "balance/" + tail, "sendtext/username=a/password=" + tail]:
        encoded = raw.encode("utf-8", "surrogatepass").decode("latin-1")
        response = client.get(BASE + "x", RAW_URI=BASE + encoded)
        assert response.status_code in (200, 404)


def test_drop_connection_resets_the_clients_tcp_connection():
    with socket.create_server(("127.0.0.1", 0)) as server:
        caller = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        request = SimpleNamespace(META={"gunicorn.socket": accepted})

        assert drop_connection(request)
        with pytest.raises(ConnectionResetError):
            caller.recv(1)
        # gunicorn's later write meets a broken pipe, which it ignores quietly.
        with pytest.raises(BrokenPipeError):
            accepted.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        caller.close()
        accepted.close()


def test_drop_connection_declines_without_a_server_socket():
    assert not drop_connection(SimpleNamespace(META={}))
