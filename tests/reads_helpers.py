"""Helpers for the dashboard, list and reads tests."""

import threading

import requests
from django.contrib.auth import get_user
from django.test import RequestFactory

from accounts.sessions import SessionStore
from accounts.tenancy import reseller_of
from messaging import acting
from simulator.models import SimCall
from simulator.transport import SimulatorAdapter

# What a reseller reads for each way the gateway can fail (the client's plain words).
FAULT_WORDS = {
    "hang": "did not answer in time",
    "reset": "closed the connection",
    "refuse": "could not be reached",
    "http500": "HTTP 500",
    "html": "could not understand",
    "garbage": "could not understand",
    "empty": "empty answer",
    "truncated": "could not understand",
    "internal_error": "internal error",
}

READ_METHODS = ("balance", "resellerclients", "subusers")


def request_as(client):
    """What a page of a logged-in test client acts with (its session's vault, its reseller),
    for calling `messaging.reads` directly."""
    request = RequestFactory().get("/")
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    request.session = SessionStore(request.COOKIES["sessionid"])
    request.user = get_user(request)
    assert request.user.is_authenticated
    request.reseller = reseller_of(request.user)
    return acting.for_request(request)


def calls(username, method=None):
    """How many calls the simulator received from `username` (of `method`, if given)."""
    found = SimCall.objects.filter(username=username)
    if method:
        found = found.filter(method=method)
    return found.count()


def read_calls(username):
    return {method: calls(username, method) for method in READ_METHODS}


class TogetherOnlyAdapter(SimulatorAdapter):
    """The simulator, except that the dashboard's three reads are only answered once all
    three are in flight at the same moment. Reads made one after another meet a broken
    barrier and fail as a dropped connection would."""

    def __init__(self, parties=3, timeout=2.0):
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=timeout)
        self.threads = set()

    def send(self, request, *args, **kwargs):
        method = request.path_url.split("/sms/", 1)[1].split("/", 1)[0]
        if method in READ_METHODS:
            self.threads.add(threading.get_ident())
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                raise requests.exceptions.ConnectionError(
                    "the other reads never arrived", request=request
                ) from None
        return super().send(request, *args, **kwargs)
