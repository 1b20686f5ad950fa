"""Sessions: rotation at login, logout, lifetimes, cookies, and a password mSpace stops taking."""

import time
from unittest.mock import patch

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings

from accounts import vault
from accounts.middleware import GatewayCredentialsMiddleware
from accounts.sessions import SessionStore, stored_key
from messaging import gateway
from messaging.mspace import AuthenticationError
from simulator.models import SimAccount
from tests.accounts_helpers import (
    LOGIN_URL,
    LOGOUT_URL,
    post_login,
    queued_messages,
    request_from_browser,
)
from tests.conftest import ALICE_PASSWORD

# A reseller page that never needs the gateway, so only the session rules decide its answer.
PAGE = "/activity/"


@pytest.fixture
def logged_in(client, alice):
    assert post_login(client, "alice", ALICE_PASSWORD).status_code == 302
    return client


def is_logged_in(client) -> bool:
    return client.get(LOGIN_URL).status_code == 302  # the login page sends resellers on


# --- Rotation at login --------------------------------------------------------------------------


def test_the_session_key_changes_at_login(client, alice):
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client.cookies["sessionid"] = planted.session_key

    response = post_login(client, "alice", ALICE_PASSWORD)

    new_key = response.cookies["sessionid"].value
    assert new_key and new_key != planted.session_key
    assert not Session.objects.filter(session_key=stored_key(planted.session_key)).exists()


def test_the_csrf_token_changes_at_login(alice):
    browser = Client(enforce_csrf_checks=True)
    before = browser.get(LOGIN_URL).cookies["csrftoken"].value

    response = post_login(browser, "alice", ALICE_PASSWORD, csrfmiddlewaretoken=before)

    assert response.status_code == 302
    after = response.cookies["csrftoken"].value
    assert after and after != before


def test_the_login_form_needs_its_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)

    response = post_login(browser, "alice", ALICE_PASSWORD)

    assert response.status_code == 403


# --- Logout -------------------------------------------------------------------------------------


def test_logout_is_a_post_only(logged_in):
    response = logged_in.get(LOGOUT_URL)

    assert response.status_code == 405
    assert is_logged_in(logged_in)


def test_logout_ends_the_session_and_returns_to_the_login_page(logged_in):
    session_key = logged_in.cookies["sessionid"].value

    response = logged_in.post(LOGOUT_URL)

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert not Session.objects.filter(session_key=stored_key(session_key)).exists()
    assert response.cookies["vault"].value == ""  # the key cookie is deleted
    assert not is_logged_in(logged_in)


def test_the_old_cookies_are_worthless_after_logout(logged_in):
    stolen = {name: morsel.value for name, morsel in logged_in.cookies.items()}
    logged_in.post(LOGOUT_URL)

    replay = Client()
    for name, value in stolen.items():
        replay.cookies[name] = value
    response = replay.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={PAGE}"
    assert not is_logged_in(replay)


def test_logout_needs_the_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)
    token = browser.get(LOGIN_URL).cookies["csrftoken"].value
    post_login(browser, "alice", ALICE_PASSWORD, csrfmiddlewaretoken=token)

    response = browser.post(LOGOUT_URL)  # a forged cross-site POST has no token

    assert response.status_code == 403
    assert is_logged_in(browser)


# --- Lifetimes ----------------------------------------------------------------------------------


def at(seconds_from_now):
    return patch("accounts.middleware.time.time", return_value=time.time() + seconds_from_now)


def test_a_session_ends_after_the_idle_timeout(logged_in):
    idle = django_settings.SESSION_IDLE_SECONDS

    with at(idle + 61):
        response = logged_in.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={PAGE}"
    page = logged_in.get(response["Location"])
    assert f"logged out after {idle // 60} minutes without activity" in page.content.decode()
    assert not is_logged_in(logged_in)


def test_an_active_session_outlives_the_idle_timeout(logged_in):
    idle = django_settings.SESSION_IDLE_SECONDS

    for step in range(1, 5):
        with at(step * (idle - 120)):
            assert logged_in.get(PAGE).status_code == 200, step

    with at(4 * (idle - 120)):
        assert is_logged_in(logged_in)


def test_a_session_ends_after_its_absolute_lifetime_however_active(logged_in):
    lifetime = django_settings.SESSION_ABSOLUTE_SECONDS
    session = logged_in.session
    session["_seen_at"] = int(time.time()) + lifetime  # active a moment ago
    session.save()

    with at(lifetime + 61):
        response = logged_in.get(PAGE)

    assert response.status_code == 302
    page = logged_in.get(response["Location"])
    assert f"logged out after {lifetime // 3600} hours" in page.content.decode()
    assert not is_logged_in(logged_in)


def test_the_absolute_lifetime_is_twelve_hours():
    assert django_settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def test_an_ended_session_takes_the_vault_with_it(logged_in):
    session_key = logged_in.cookies["sessionid"].value

    with at(django_settings.SESSION_IDLE_SECONDS + 61):
        response = logged_in.get(PAGE)

    assert response.cookies["vault"].value == ""
    assert not Session.objects.filter(session_key=stored_key(session_key)).exists()


def test_an_expired_session_on_the_login_page_just_shows_the_form(logged_in):
    with at(django_settings.SESSION_IDLE_SECONDS + 61):
        response = logged_in.get(LOGIN_URL, {"next": "/clients/"})

    assert response.status_code == 200
    assert "without activity" in response.content.decode()


def test_an_administrators_session_gets_the_same_lifetimes(alice, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("admin", "a@example.com", "admin-pass")
    client = Client()
    client.post("/admin/login/", {"username": "admin", "password": "admin-pass"})
    assert client.get("/admin/").status_code == 200
    assert "_logged_in_at" in client.session

    with at(django_settings.SESSION_IDLE_SECONDS + 61):
        response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- Cookies ------------------------------------------------------------------------------------


def login_cookies(alice):
    browser = Client()
    browser.get(LOGIN_URL)
    return post_login(browser, "alice", ALICE_PASSWORD).cookies


def test_the_session_vault_and_csrf_cookies_are_httponly_and_samesite_lax(alice):
    cookies = login_cookies(alice)

    for name in ("sessionid", "csrftoken", "vault"):
        assert cookies[name]["httponly"] is True, name
        assert cookies[name]["samesite"] == "Lax", name
        assert not cookies[name]["secure"], name  # plain HTTP in tests (FORCE_HTTPS off)


def test_the_session_and_vault_cookies_end_with_the_browser(alice):
    cookies = login_cookies(alice)

    for name in ("sessionid", "vault"):
        assert not cookies[name]["max-age"] and not cookies[name]["expires"], name


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_with_https_forced_every_cookie_is_secure(alice):
    cookies = login_cookies(alice)

    for name in ("sessionid", "csrftoken", "vault"):
        assert cookies[name]["secure"] is True, name


def test_sessions_live_on_the_server(logged_in):
    assert django_settings.SESSION_ENGINE == "accounts.sessions"
    session_key = logged_in.cookies["sessionid"].value
    row = Session.objects.get(session_key=stored_key(session_key))
    assert row.get_decoded()["_auth_user_id"]
    assert len(session_key) == 32  # the cookie is only a key to that row


# --- mSpace stops taking the password -------------------------------------------------------------


def change_password_on_mspace(username, new_password):
    account = SimAccount.objects.get(username=username, parent__isnull=True)
    account.set_password(new_password)
    account.save()


def balance_page(request):
    """Stands in for any reseller page: asks the gateway, shows what it can."""
    from django.http import HttpResponse

    try:
        return HttpResponse(str(gateway.for_session(request).balance()))
    except AuthenticationError as error:
        return HttpResponse(error.message)


def test_the_stored_password_works_for_later_gateway_calls(logged_in):
    request = request_from_browser(logged_in)

    response = GatewayCredentialsMiddleware(balance_page)(request)

    assert response.status_code == 200
    assert response.content == b"5000"


def test_when_mspace_refuses_the_stored_password_the_session_ends(logged_in):
    session_key = logged_in.cookies["sessionid"].value
    change_password_on_mspace("alice", "changed-elsewhere")
    request = request_from_browser(logged_in, "/clients/")

    response = GatewayCredentialsMiddleware(balance_page)(request)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/clients/"
    assert queued_messages(request) == [
        "mSpace no longer accepts the password you logged in with (was it changed?). "
        "Please log in again."
    ]
    assert response.cookies["vault"].value == ""
    assert not Session.objects.filter(session_key=stored_key(session_key)).exists()
    assert not is_logged_in(logged_in)  # the browser's old cookie is worthless now


def test_a_request_flagged_as_refused_ends_the_session(logged_in):
    request = request_from_browser(logged_in, "/subaccounts/")

    def refused_view(request):
        from django.http import HttpResponse

        request.gateway_refused_credentials = True
        return HttpResponse("whatever the view showed")

    response = GatewayCredentialsMiddleware(refused_view)(request)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/subaccounts/"
    assert not is_logged_in(logged_in)


def test_a_missing_vault_key_ends_the_session_instead_of_a_500(logged_in):
    del logged_in.cookies["vault"]
    request = request_from_browser(logged_in)

    with pytest.raises(vault.VaultLocked):
        gateway.for_session(request).open()
    response = GatewayCredentialsMiddleware(balance_page).process_exception(
        request, vault.VaultLocked()
    )

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/clients/"
    assert queued_messages(request) == ["Your session has ended. Please log in again."]
    assert not is_logged_in(logged_in)


def test_an_ended_session_sends_the_reseller_back_to_the_same_page_after_login(logged_in):
    request = request_from_browser(logged_in, "/clients/?sort=-balance")

    response = GatewayCredentialsMiddleware(balance_page).process_exception(
        request, vault.VaultLocked()
    )

    assert response["Location"] == f"{LOGIN_URL}?next=/clients/%3Fsort%3D-balance"


def test_a_superuser_without_a_vault_is_never_stuck_in_a_loop(alice, db):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "r@example.com", "root-pass")
    client = Client()
    client.force_login(admin)

    first = client.get("/")
    second = client.get(first["Location"])

    assert first.status_code == 302
    assert second.status_code == 200
    assert "log in with your mSpace" in second.content.decode()


def test_a_page_asking_mspace_with_a_changed_password_sends_the_reseller_to_log_in(
    transactional_db, alice
):
    # transactional_db: the dashboard asks the gateway from threads with their own connections.
    browser = Client()
    post_login(browser, "alice", ALICE_PASSWORD)
    change_password_on_mspace("alice", "changed-elsewhere")

    response = browser.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/"
    page = browser.get(response["Location"]).content.decode()
    assert "mSpace no longer accepts the password you logged in with" in page
    assert not is_logged_in(browser)
