"""Throttling password guessing with django-axes: per username and address, and per address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from accounts import throttle
from simulator import faults
from tests.accounts_helpers import client_from, gateway_logins, post_login
from tests.conftest import ALICE_PASSWORD, BOB_PASSWORD


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_SPRAY_LIMIT = 6
    return settings


def fail(client, username, times):
    return [post_login(client, username, "wrong-guess").status_code for _ in range(times)]


def age_failures(minutes):
    """Move every recorded failure `minutes` into the past."""
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


def test_axes_counts_in_the_database_before_any_backend_runs():
    assert django_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert "axes.middleware.AxesMiddleware" in django_settings.MIDDLEWARE
    assert timedelta(minutes=15) == django_settings.AXES_COOLOFF_TIME


def test_it_locks_a_username_and_address_after_the_failure_limit(client, alice):
    statuses = fail(client, "alice", 3)

    assert statuses == [200, 200, 429]


def test_a_locked_out_login_answers_429_with_a_plain_page(client, alice):
    fail(client, "alice", 3)

    response = post_login(client, "alice", ALICE_PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed log-ins" in page
    assert "15 minutes" in page
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def test_the_gateway_is_asked_no_more_than_the_limit(client, alice):
    fail(client, "alice", 3)
    fail(client, "alice", 5)
    post_login(client, "alice", ALICE_PASSWORD)  # even the right password is not tried

    assert gateway_logins() == 3


def test_the_lock_holds_across_workers_because_it_lives_in_the_database(alice):
    fail(Client(), "alice", 3)  # one worker's client

    response = post_login(Client(), "alice", ALICE_PASSWORD)  # another's, same address

    assert response.status_code == 429
    assert AccessAttempt.objects.filter(username="alice", ip_address="127.0.0.1").exists()


def test_the_lock_ends_when_the_window_has_passed(client, alice):
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


def test_failures_older_than_the_window_do_not_count(client, alice):
    fail(client, "alice", 2)
    age_failures(16)

    assert fail(client, "alice", 2) == [200, 200]


def test_the_lock_is_for_that_username_only(client, alice, bob):
    fail(client, "alice", 3)

    response = post_login(client, "bob", BOB_PASSWORD)

    assert response.status_code == 302


def test_the_lock_is_for_that_address_only(alice):
    fail(client_from("10.0.0.1"), "alice", 3)

    response = post_login(client_from("10.0.0.2"), "alice", ALICE_PASSWORD)

    assert response.status_code == 302


def test_it_caps_one_address_guessing_across_many_usernames(client, alice):
    statuses = [post_login(client, f"user{n}", "guess").status_code for n in range(6)]

    assert statuses == [200] * 5 + [429]
    assert post_login(client, "alice", ALICE_PASSWORD).status_code == 429
    assert gateway_logins() == 6
    assert post_login(client_from("10.9.9.9"), "alice", ALICE_PASSWORD).status_code == 302


def test_logging_into_an_own_account_does_not_reset_the_spraying_count(client, bob):
    for n in range(5):
        post_login(client, f"user{n}", "guess")

    assert post_login(Client(), "bob", BOB_PASSWORD).status_code == 302
    assert post_login(client, "user5", "guess").status_code == 429


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


def test_the_admin_login_is_throttled_too(client, db):
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "admin", "password": "guess"})

    assert response.status_code == 429


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
def test_behind_a_proxy_users_are_throttled_apart(alice):
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    attacker = Client(HTTP_X_FORWARDED_FOR="198.51.100.66", **proxy)
    reseller = Client(HTTP_X_FORWARDED_FOR="198.51.100.10", **proxy)

    fail(attacker, "alice", 3)

    assert post_login(reseller, "alice", ALICE_PASSWORD).status_code == 302
