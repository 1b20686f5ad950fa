"""Attack 2 of issue 15: a 2 MB password cost seconds of CPU and was never throttled. Input is
now capped in the form before any work, and a request mSpace refuses as too large counts as a
failed login."""

import time

from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.test import RequestFactory

from accounts.forms import PASSWORD_MAX_CHARS, USERNAME_MAX_CHARS
from tests.accounts_helpers import gateway_logins, post_login
from tests.conftest import ALICE_PASSWORD

TWO_MEGABYTES = "p" * 2_000_000


def test_a_two_megabyte_password_is_refused_before_any_work(client, alice):
    started = time.monotonic()
    response = post_login(client, "alice", TWO_MEGABYTES)
    took = time.monotonic() - started

    assert response.status_code == 200
    page = response.content.decode()
    assert f"A password is at most {PASSWORD_MAX_CHARS} characters; that one is 2000000." in page
    assert gateway_logins() == 0
    assert took < 5  # once ~4 s of CPU on its own; now one length check


def test_an_overlong_username_is_refused_with_a_clear_message(client, alice):
    response = post_login(client, "a" * (USERNAME_MAX_CHARS + 1), ALICE_PASSWORD)

    assert f"at most {USERNAME_MAX_CHARS} characters (it has 151)" in response.content.decode()
    assert gateway_logins() == 0


def test_a_password_at_the_limit_is_still_sent_to_mspace(client, alice):
    post_login(client, "alice", "x" * PASSWORD_MAX_CHARS)

    assert gateway_logins() == 1


def test_a_request_mspace_refuses_as_too_large_counts_as_a_failed_login(alice):
    # Past the form (a script calling authenticate directly): the gateway answers 400.
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.7")

    user = authenticate(request, username="alice", password=TWO_MEGABYTES[:9000], mspace_login=True)

    assert user is None
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_repeated_oversized_logins_are_throttled(alice, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        request = RequestFactory().post("/accounts/login/")
        authenticate(request, username="alice", password="q" * 9000, mspace_login=True)

    request = RequestFactory().post("/accounts/login/")
    authenticate(request, username="alice", password=ALICE_PASSWORD, mspace_login=True)

    assert getattr(request, "axes_locked_out", False)  # refused before mSpace was asked
    assert not getattr(request, "mspace_was_asked", False)
    assert AccessAttempt.objects.get().failures_since_start == 3
