"""Attack 5 of issue 15: a local administrator's name answered the reseller login in 0.02 s,
anyone else's after the gateway's latency. Now every name takes the same path: mSpace is
asked first, whoever the name belongs to.

No wall-clock threshold is asserted that a busy machine could break: the proof is that the
same gateway call is made, and that both answers waited at least the gateway's latency.
"""

import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from simulator import faults
from simulator.models import SimCall
from tests.accounts_helpers import post_login

GATEWAY_LATENCY = 0.4  # seconds, injected into every login call


@pytest.fixture
def site_admin(db):
    return get_user_model().objects.create_superuser("siteadmin", "a@example.com", "local-secret")


def timed_login(username, password):
    started = time.monotonic()
    response = post_login(Client(), username, password)
    return response, time.monotonic() - started


def test_a_local_name_and_an_unknown_name_make_the_same_gateway_call(site_admin, alice):
    post_login(Client(), "siteadmin", "guess")
    post_login(Client(), "nobody-here", "guess")

    calls = list(SimCall.objects.filter(method="login").values_list("username", "fault"))
    assert calls == [("siteadmin", ""), ("nobody-here", "")]


def test_a_local_name_waits_for_the_gateway_like_any_other(site_admin, alice):
    faults.inject("login", "slow", delay=GATEWAY_LATENCY)

    local, local_took = timed_login("siteadmin", "guess")
    unknown, unknown_took = timed_login("nobody-here", "guess")

    assert local.status_code == unknown.status_code == 200
    assert local.content.count(b"mSpace did not accept") == 1
    assert unknown.content.count(b"mSpace did not accept") == 1
    # Both waited for mSpace: neither answered before the gateway did.
    assert local_took >= GATEWAY_LATENCY and unknown_took >= GATEWAY_LATENCY


def test_a_local_name_is_still_refused_when_mspace_accepts_it(site_admin):
    from simulator.seed import make_account

    make_account("siteadmin", "mspace-password", balance=10)

    response = post_login(Client(), "siteadmin", "mspace-password")

    assert response.status_code == 200
    assert b"mSpace did not accept" in response.content
