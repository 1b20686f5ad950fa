"""Throttling password guessing with django-axes: per canonical username, never per address,
with proven devices counted apart and pauses that grow (issue 15, attack 1; issue 24, point 5)."""

import io
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from accounts import throttle
from simulator import faults
from tests.accounts_helpers import client_from, gateway_logins, post_login
from tests.conftest import ALICE_PASSWORD, BOB_PASSWORD


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    return settings


def fail(client, username, times):
    return [post_login(client, username, "wrong-guess").status_code for _ in range(times)]


def age_failures(minutes):
    """Move every recorded failure `minutes` into the past."""
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


def logged_in_device(username, password, address="10.1.1.1"):
    """A browser that logged in as `username` (so holds its device cookie), then logged out."""
    device = client_from(address)
    assert post_login(device, username, password).status_code == 302
    device.post("/accounts/logout/")
    assert throttle.DEVICE_COOKIE in device.cookies
    return device


def test_axes_counts_in_the_database_per_username_before_any_backend_runs():
    assert django_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert "axes.middleware.AxesMiddleware" in django_settings.MIDDLEWARE
    assert django_settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert django_settings.AXES_USERNAME_CALLABLE == "accounts.throttle.throttle_key"


def test_it_locks_a_username_after_the_failure_limit(client, alice):
    statuses = fail(client, "alice", 3)

    assert statuses == [200, 200, 429]


def test_a_locked_out_login_answers_429_with_a_plain_page(client, alice):
    fail(client, "alice", 3)

    response = post_login(client, "alice", ALICE_PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed log-ins" in page
    assert "15 more minutes" in page
    assert 890 <= int(response["Retry-After"]) <= 900
    assert "_auth_user_id" not in client.session


def test_the_gateway_is_asked_no_more_than_the_limit(client, alice):
    fail(client, "alice", 3)
    fail(client, "alice", 5)
    post_login(client, "alice", ALICE_PASSWORD)  # even the right password is not tried

    assert gateway_logins() == 3


def test_the_lock_holds_across_workers_because_it_lives_in_the_database(alice):
    fail(Client(), "alice", 3)  # one worker's client

    response = post_login(Client(), "alice", ALICE_PASSWORD)  # another's

    assert response.status_code == 429
    assert AccessAttempt.objects.filter(username="alice").exists()


def test_the_lock_ends_when_the_pause_has_passed(client, alice):
    fail(client, "alice", 3)
    age_failures(16)

    response = post_login(client, "alice", ALICE_PASSWORD)

    assert response.status_code == 302


def test_refused_attempts_during_the_lock_do_not_extend_it(client, alice):
    fail(client, "alice", 3)
    age_failures(14)
    fail(client, "alice", 3)  # refused while locked: not counted again
    age_failures(16)

    assert post_login(client, "alice", ALICE_PASSWORD).status_code == 302


def test_failures_older_than_a_day_do_not_count(client, alice):
    fail(client, "alice", 2)
    age_failures(25 * 60)

    assert fail(client, "alice", 2) == [200, 200]


def test_each_failure_after_a_pause_doubles_the_next_pause(client, alice):
    fail(client, "alice", 3)  # paused 15 minutes
    age_failures(16)

    response = post_login(client, "alice", "another-guess")  # one more try, wrong again

    assert response.status_code == 429
    assert 1790 <= int(response["Retry-After"]) <= 1800  # now 30 minutes
    age_failures(16)
    assert post_login(client, "alice", ALICE_PASSWORD).status_code == 429
    age_failures(31)
    assert post_login(client, "alice", ALICE_PASSWORD).status_code == 302


def test_the_lock_is_for_that_username_only(client, alice, bob):
    fail(client, "alice", 3)

    response = post_login(client, "bob", BOB_PASSWORD)

    assert response.status_code == 302


def test_one_username_is_limited_whatever_address_the_guesses_come_from(alice):
    statuses = [
        post_login(client_from(f"10.0.0.{n}"), "alice", "guess").status_code for n in range(3)
    ]

    assert statuses == [200, 200, 429]
    assert post_login(client_from("10.0.0.99"), "alice", ALICE_PASSWORD).status_code == 429


def test_spelling_a_username_differently_does_not_buy_more_guesses(alice):
    statuses = [
        post_login(Client(), spelling, "guess").status_code
        for spelling in ("alice", "ALICE", " Alice ")
    ]

    assert statuses == [200, 200, 429]


# --- Attack 1: nobody can lock anybody else out -------------------------------------------


def test_made_up_usernames_from_one_address_lock_no_one_else_there(client, alice, admin_user):
    shared_address = client_from("41.90.1.1")  # one carrier's address, many customers
    statuses = [post_login(shared_address, f"madeup{n}", "guess").status_code for n in range(20)]

    assert 429 not in statuses
    assert post_login(client_from("41.90.1.1"), "alice", ALICE_PASSWORD).status_code == 302
    admin_login = client_from("41.90.1.1").post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": "password"}
    )
    assert admin_login.status_code == 302


def test_a_device_that_logged_in_before_is_never_locked_by_others(alice):
    device = logged_in_device("alice", ALICE_PASSWORD)
    assert fail(client_from("198.51.100.66"), "alice", 3) == [200, 200, 429]

    assert post_login(device, "alice", ALICE_PASSWORD).status_code == 302
    # Unknown devices stay paused: alice's own login does not hand the guesser fresh tries.
    assert post_login(client_from("10.1.1.1"), "alice", ALICE_PASSWORD).status_code == 429


def test_a_proven_device_is_limited_on_its_own_failures(alice):
    device = logged_in_device("alice", ALICE_PASSWORD)

    assert fail(device, "alice", 3) == [200, 200, 429]
    # Its failures were its own: unknown devices can still try.
    assert post_login(Client(), "alice", ALICE_PASSWORD).status_code == 302


def test_a_device_cookie_proves_only_the_username_it_was_earned_with(alice, bob):
    device = logged_in_device("bob", BOB_PASSWORD)
    fail(Client(), "alice", 3)

    assert post_login(device, "alice", ALICE_PASSWORD).status_code == 429


def test_a_forged_device_cookie_proves_nothing(alice):
    fail(Client(), "alice", 3)
    forger = Client()
    forger.cookies[throttle.DEVICE_COOKIE] = "alice:made-up-device:signature"

    assert post_login(forger, "alice", ALICE_PASSWORD).status_code == 429


def test_the_device_cookie_is_http_only_and_long_lived(client, alice):
    post_login(client, "alice", ALICE_PASSWORD)

    cookie = client.cookies[throttle.DEVICE_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert ALICE_PASSWORD not in cookie.value


def test_reseller_failures_never_lock_the_admin_login(client, admin_user):
    fail(client, "admin", 5)  # on the reseller form

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": "password"}
    )

    assert response.status_code == 302


def test_admin_login_failures_never_lock_a_reseller(client, alice):
    for _ in range(3):
        client.post("/admin/login/", {"username": "alice", "password": "guess"})

    assert post_login(client, "alice", ALICE_PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client, db):
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "admin", "password": "guess"})

    assert response.status_code == 429


# --- What counts ----------------------------------------------------------------------------


def test_a_successful_login_forgives_that_usernames_earlier_failures(client, alice):
    fail(client, "alice", 2)
    post_login(client, "alice", ALICE_PASSWORD)
    client.post("/accounts/logout/")

    assert fail(client, "alice", 2) == [200, 200]


def test_a_gateway_outage_is_not_counted_as_a_failure(client, alice):
    faults.inject("login", "http500")
    for _ in range(5):
        response = post_login(client, "alice", ALICE_PASSWORD)
        assert response.status_code == 200
    faults.clear()

    assert AccessAttempt.objects.count() == 0
    assert post_login(client, "alice", ALICE_PASSWORD).status_code == 302


def test_an_unreachable_gateway_is_not_counted_as_a_failure(client, alice, monkeypatch):
    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0)
    faults.inject("login", "refuse")
    for _ in range(4):
        post_login(client, "alice", "maybe-right")

    assert AccessAttempt.objects.count() == 0


def test_the_failure_record_never_holds_the_password(client, alice):
    post_login(client, "alice", "My-Secret-Guess")

    attempt = AccessAttempt.objects.get()
    assert "My-Secret-Guess" not in attempt.post_data
    assert "alice" in attempt.post_data


# --- Issue 24, point 5: what the page says ---------------------------------------------------


def test_it_warns_from_the_third_failure_how_many_tries_are_left(client, alice, settings):
    settings.LOGIN_FAILURE_LIMIT = 5

    pages = [post_login(client, "alice", "guess").content.decode() for _ in range(4)]

    assert "tries left" not in pages[0] and "try left" not in pages[1]
    assert (
        "2 tries left: after that, logging in as alice from this device is paused for 15 minutes."
        in pages[2]
    )
    assert "1 try left" in pages[3]


def test_the_failure_that_locks_says_mspace_was_asked(client, alice, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    fail(client, "alice", 4)

    fifth = post_login(client, "alice", "guess")
    sixth = post_login(client, "alice", ALICE_PASSWORD)

    assert fifth.status_code == 429
    assert "mSpace did not accept that password" in fifth.content.decode()
    assert "5 wrong passwords in a row" in fifth.content.decode()
    assert "was not asked" not in fifth.content.decode()
    assert gateway_logins() == 5
    assert "mSpace was not asked this time." in sixth.content.decode()


def test_after_a_failure_the_cursor_is_in_the_password_field(client, alice):
    page = post_login(client, "alice", "guess").content.decode()

    username_input = re.search(r'<input type="text" name="username"[^>]*>', page)[0]
    password_input = re.search(r'<input type="password" name="password"[^>]*>', page)[0]
    assert 'value="alice"' in username_input
    assert "autofocus" in password_input
    assert "autofocus" not in username_input


def test_a_fresh_login_page_puts_the_cursor_in_the_username(client, db):
    page = client.get("/accounts/login/").content.decode()

    assert "autofocus" in re.search(r'<input type="text" name="username"[^>]*>', page)[0]
    assert "autofocus" not in re.search(r'<input type="password"[^>]*>', page)[0]


def test_an_operator_lifts_a_lock_with_one_command(alice):
    device = logged_in_device("alice", ALICE_PASSWORD)
    fail(Client(), "alice", 3)
    fail(device, "alice", 3)
    out = io.StringIO()

    call_command("unlock_login", "ALICE", stdout=out)

    assert "Unlocked 'ALICE'" in out.getvalue()
    assert post_login(Client(), "alice", ALICE_PASSWORD).status_code == 302
    assert post_login(device, "alice", ALICE_PASSWORD).status_code == 302


def test_unlocking_a_name_without_failures_says_so(db):
    out = io.StringIO()

    call_command("unlock_login", "nobody", stdout=out)

    assert "nothing to unlock" in out.getvalue()


# --- Whose address ------------------------------------------------------------------------------


def request_from(remote_addr, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=remote_addr, **extra)


def test_it_counts_against_the_connecting_address_by_default():
    request = request_from("203.0.113.7", forwarded="198.51.100.1")

    assert throttle.client_address(request) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_it_counts_against_the_address_the_proxy_saw():
    request = request_from("127.0.0.1", forwarded="6.6.6.6, 198.51.100.1")

    assert throttle.client_address(request) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_it_skips_the_inner_one():
    request = request_from("127.0.0.1", forwarded="6.6.6.6, 198.51.100.1, 10.0.0.5")

    assert throttle.client_address(request) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_without_the_header_it_falls_back_to_the_connecting_address():
    assert throttle.client_address(request_from("127.0.0.1")) == "127.0.0.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_each_attempt_is_recorded_with_the_browsers_address(alice):
    attacker = Client(HTTP_X_FORWARDED_FOR="198.51.100.66", REMOTE_ADDR="127.0.0.1")

    fail(attacker, "alice", 1)

    assert AccessAttempt.objects.get().ip_address == "198.51.100.66"
