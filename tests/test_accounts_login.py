"""Logging in through mSpace: the backend, the form, `next`, administrators, log lines."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from simulator import faults
from tests.accounts_helpers import LOGIN_URL, gateway_logins, post_login
from tests.conftest import ALICE_PASSWORD, BOB_PASSWORD

User = get_user_model()


def test_it_logs_a_reseller_in_through_mspace(client, alice):
    response = post_login(client, "alice", ALICE_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(User.objects.get(username="alice").pk)
    assert gateway_logins() == 1


def test_it_gives_a_reseller_a_local_user_without_a_usable_password(client, alice):
    post_login(client, "alice", ALICE_PASSWORD)

    user = User.objects.get(username="alice")
    assert not user.has_usable_password()
    assert not user.is_staff and not user.is_superuser


def test_it_reuses_the_local_user_on_the_next_login(alice):
    post_login(Client(), "alice", ALICE_PASSWORD)
    post_login(Client(), "alice", ALICE_PASSWORD)

    assert User.objects.filter(username="alice").count() == 1


def test_it_shows_the_login_form_with_both_fields(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_it_says_plainly_when_mspace_refuses_the_password(client, alice):
    response = post_login(client, "alice", "not-her-password")

    assert response.status_code == 200
    assert "mSpace did not accept that username and password." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="alice").exists()


def test_it_gives_the_same_answer_for_an_unknown_username(client, alice):
    unknown = post_login(client, "nobody-here", "whatever")
    wrong = post_login(Client(), "alice", "whatever")

    assert "mSpace did not accept that username and password." in unknown.content.decode()
    assert "mSpace did not accept that username and password." in wrong.content.decode()


@pytest.mark.parametrize("length", [151, 256, 5_000])
def test_it_refuses_a_username_too_long_to_be_anyones_plainly(client, alice, length):
    # Longer than 255, PostgreSQL refused the throttle's record of the attempt: a 500.
    response = post_login(client, "a" * length, "whatever")

    assert response.status_code == 200
    assert f"at most 150 characters (it has {length})" in response.content.decode()
    assert gateway_logins() == 0  # mSpace was not asked
    assert "_auth_user_id" not in client.session


def test_it_never_echoes_the_password_back_into_the_form(client, alice):
    response = post_login(client, "alice", "Typo-Pa55word!")

    page = response.content.decode()
    assert "Typo-Pa55word!" not in page
    assert 'value="alice"' in page  # the username is kept, so only the password is retyped


@pytest.mark.parametrize(
    "kind", ["refuse", "reset", "http500", "html", "garbage", "empty", "internal_error"]
)
def test_it_says_mspace_is_not_answering_when_the_gateway_fails(client, alice, kind, monkeypatch):
    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0)
    faults.inject("login", kind)

    response = post_login(client, "alice", ALICE_PASSWORD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "mSpace is not answering right now." in page
    assert "Please try again in a moment." in page
    assert "_auth_user_id" not in client.session


def test_it_says_mspace_is_not_answering_when_the_gateway_is_slow(client, alice, settings):
    settings.MSPACE_TIMEOUT = 0.05
    faults.inject("login", "slow", delay=0.2)

    response = post_login(client, "alice", ALICE_PASSWORD)

    assert response.status_code == 200
    assert "mSpace is not answering right now." in response.content.decode()


def test_it_logs_in_once_the_gateway_answers_again(client, alice, monkeypatch):
    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0)
    faults.inject("login", "refuse", times=2)  # the client's one retry uses the second

    post_login(client, "alice", ALICE_PASSWORD)
    response = post_login(client, "alice", ALICE_PASSWORD)

    assert response.status_code == 302


# --- next -------------------------------------------------------------------------------------


def test_it_goes_on_to_the_page_asked_for(client, alice):
    response = post_login(client, "alice", ALICE_PASSWORD, next="/clients/?q=mama")

    assert response["Location"] == "/clients/?q=mama"


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.com",
        "https://evil.com",
        "http://evil.com/accounts/login/",
        "/\\evil.com",
        "\\\\evil.com",
        "https:evil.com",
        "javascript:alert(1)",
        " //evil.com",
    ],
)
def test_it_refuses_to_send_anyone_off_site_after_login(client, alice, next_url):
    response = post_login(client, "alice", ALICE_PASSWORD, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_does_not_put_an_off_site_next_into_the_form(client, db):
    response = client.get(LOGIN_URL, {"next": "//evil.com"})

    assert b'name="next" value=""' in response.content


def test_it_sends_a_logged_in_reseller_on_from_the_login_page(client, alice):
    post_login(client, "alice", ALICE_PASSWORD)

    response = client.get(LOGIN_URL, {"next": "/activity/"})

    assert response.status_code == 302
    assert response["Location"] == "/activity/"


def test_it_does_not_go_round_in_circles_when_next_is_the_login_page(client, alice):
    post_login(client, "alice", ALICE_PASSWORD)

    response = client.get(LOGIN_URL, {"next": LOGIN_URL + "?next=/"})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_never_goes_on_to_the_logout_page(client, alice):
    response = post_login(client, "alice", ALICE_PASSWORD, next="/accounts/logout/")

    assert response["Location"] == "/"


# --- Site administrators ----------------------------------------------------------------------


@pytest.fixture
def admin(db):
    call_command("createsuperuser", username="admin", email="admin@example.com", interactive=False)
    user = User.objects.get(username="admin")
    user.set_password("local-admin-secret")
    user.save()
    return user


def test_a_superuser_logs_in_at_the_admin_with_the_local_password(admin, alice):
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "local-admin-secret", "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert gateway_logins() == 0  # the admin's password is never sent to mSpace


def test_the_admin_login_works_while_mspace_is_down(admin, alice):
    faults.inject("*", "refuse")
    client = Client()

    response = client.post(
        "/admin/login/", {"username": "adminn", "password": "local-admin-secret"}
    )

    assert response.status_code == 200  # a typo: the form again, never a 500
    response = client.post("/admin/login/", {"username": "admin", "password": "local-admin-secret"})
    assert response.status_code == 302
    assert gateway_logins() == 0


def test_the_admin_can_review_the_simulator_and_the_ledger(admin, alice):
    client = Client()
    client.force_login(admin)

    assert client.get("/admin/simulator/simcall/").status_code == 200
    assert client.get("/admin/axes/accessattempt/").status_code == 200


def test_a_reseller_cannot_use_the_admin(client, alice):
    post_login(client, "alice", ALICE_PASSWORD)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_superuser_cannot_log_in_on_the_reseller_form(admin, alice):
    client = Client()

    response = post_login(client, "admin", "local-admin-secret")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # Asked as for any other name (issue 15, attack 5: refusing at once would time-leak the
    # local accounts), and refused whatever mSpace says.
    assert gateway_logins() == 1


def test_an_mspace_user_named_like_the_administrator_never_becomes_them(admin):
    from simulator.seed import make_account

    make_account("admin", "mspace-admin-password", balance=10)
    client = Client()

    response = post_login(client, "admin", "mspace-admin-password")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_superuser_on_a_reseller_page_is_sent_to_log_in_with_mspace(admin, alice):
    client = Client()
    client.force_login(admin)

    response = client.get("/clients/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/clients/"
    login_page = client.get(response["Location"])
    assert login_page.status_code == 200  # the form, not a redirect back: no loop
    assert "log in with your mSpace" in login_page.content.decode()
    assert client.get("/admin/").status_code == 200  # still an administrator


def test_a_superuser_can_then_log_in_with_mspace(admin, alice):
    client = Client()
    client.force_login(admin)

    response = post_login(client, "alice", ALICE_PASSWORD, next="/clients/")

    assert response["Location"] == "/clients/"
    assert client.session["_auth_user_id"] == str(User.objects.get(username="alice").pk)


def test_an_anonymous_visitor_is_sent_to_log_in_from_every_reseller_page(client, db):
    for path in ["/", "/clients/", "/subaccounts/", "/send/", "/activity/", "/clients/topup/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path


def test_a_switched_off_reseller_cannot_log_in(client, alice):
    post_login(Client(), "alice", ALICE_PASSWORD)
    User.objects.filter(username="alice").update(is_active=False)

    response = post_login(client, "alice", ALICE_PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- Log lines --------------------------------------------------------------------------------


def _login_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "accounts.views"]


def test_it_logs_a_successful_login(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="accounts")

    post_login(client, "alice", ALICE_PASSWORD)

    assert _login_lines(caplog) == ["login succeeded: username='alice' address=127.0.0.1"]


def test_it_logs_wrong_credentials(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="accounts")

    post_login(client, "alice", "wrong-one")

    assert _login_lines(caplog) == ["login wrong credentials: username='alice' address=127.0.0.1"]


def test_it_logs_a_gateway_that_is_not_answering(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="accounts")
    faults.inject("login", "http500")

    post_login(client, "alice", ALICE_PASSWORD)

    assert _login_lines(caplog) == [
        "login gateway not answering: username='alice' address=127.0.0.1"
    ]


def test_it_logs_a_locked_out_attempt(client, alice, bob, caplog, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    caplog.set_level(logging.INFO, logger="accounts")

    for _ in range(3):
        post_login(client, "bob", "wrong")

    assert _login_lines(caplog) == [
        "login wrong credentials: username='bob' address=127.0.0.1",
        "login wrong credentials, now locked out: username='bob' address=127.0.0.1",
        "login locked out: username='bob' address=127.0.0.1",
    ]
    assert BOB_PASSWORD not in caplog.text


def test_a_username_cannot_forge_a_second_log_line(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="accounts")

    post_login(client, "x\nlogin succeeded: username='alice'", "wrong")

    (line,) = _login_lines(caplog)
    assert "\n" not in line


def test_it_does_not_log_an_empty_form_as_an_attempt(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="accounts")

    response = post_login(client, "alice", "")

    assert response.status_code == 200
    assert _login_lines(caplog) == []
    assert gateway_logins() == 0


def test_it_logs_a_logout(client, alice, caplog):
    post_login(client, "alice", ALICE_PASSWORD)
    caplog.set_level(logging.INFO, logger="accounts")

    client.post("/accounts/logout/")

    assert "logout by 'alice'" in caplog.text


# --- The demo -----------------------------------------------------------------------------------


def test_the_demo_reseller_can_log_in_after_seeding(client, db):
    call_command("seed_simulator", verbosity=0)

    response = post_login(client, "demo", "demo")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"]
