"""Helpers for the test SMS tests: fill in /send/ as a browser would, and look at what the
simulated gateway received."""

import re

from simulator import gateway as simulated_gateway
from simulator.models import SimAccount, SimCall

_FORM_KEY = re.compile(r'name="form_key" value="([0-9a-f-]{36})"')


def form_key(client) -> str:
    """The one-time key of a freshly shown /send/ form."""
    page = client.get("/send/").content.decode()
    return _FORM_KEY.search(page)[1]


def form_key_in(response) -> str:
    return _FORM_KEY.search(response.content.decode())[1]


def a_send(client, **fields) -> dict:
    """POST data for /send/ with a fresh key; `fields` override the defaults."""
    return {
        "form_key": form_key(client),
        "senderid": "ALICESHOP",
        "recipient": "0712 345 678",
        "message": "Habari! This is a test.",
        **fields,
    }


def sends():
    """The sendtext calls the simulated gateway received (a refused one never arrived)."""
    return SimCall.objects.filter(method="sendtext").received()


def reseller(username) -> SimAccount:
    return SimAccount.objects.get(username=username, parent=None)


def record_arrivals(monkeypatch) -> list[dict]:
    """Every sendtext call as the simulator decodes it from the URL, from now on: a list of
    params dicts that fills up as calls arrive.

    The journal (SimCall) keeps the sender ID, recipient and parts but not the text, so this
    wraps the simulator's own handler to see the message exactly as it arrived.
    """
    received = []
    real = simulated_gateway.HANDLERS["sendtext"]

    def sendtext(call, *, commit):
        params = dict(call.params)
        params.pop("password", None)  # never worth keeping, even in a test
        received.append(params)
        return real(call, commit=commit)

    monkeypatch.setitem(simulated_gateway.HANDLERS, "sendtext", sendtext)
    return received
