"""The credential vault: the password is readable only with the session, the key cookie and
the server's secret together, and is gone when the session ends."""

import base64

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client, override_settings

from accounts import vault
from accounts.sessions import stored_key
from tests.accounts_helpers import LOGOUT_URL, post_login, request_from_browser
from tests.conftest import ALICE_PASSWORD, BOB_PASSWORD


@pytest.fixture
def alice_browser(alice):
    client = Client()
    assert post_login(client, "alice", ALICE_PASSWORD).status_code == 302
    return client


def session_data(client) -> dict:
    row = Session.objects.get(session_key=stored_key(client.cookies["sessionid"].value))
    return row.get_decoded()


def test_a_later_request_can_read_the_password(alice_browser):
    request = request_from_browser(alice_browser)

    assert vault.reveal(request) == ALICE_PASSWORD


def test_the_session_row_holds_only_ciphertext(alice_browser):
    data = session_data(alice_browser)
    stored = repr(data) + Session.objects.get().session_data

    assert ALICE_PASSWORD not in stored
    assert data["_vault_ciphertext"].startswith("gAAAAA")  # a Fernet token


def test_the_key_cookie_is_not_the_password_and_not_a_key_by_itself(alice_browser):
    key_cookie = alice_browser.cookies["vault"].value
    ciphertext = session_data(alice_browser)["_vault_ciphertext"]

    assert ALICE_PASSWORD not in key_cookie
    # Even with the database's ciphertext, the cookie's 32 random bytes used as the key
    # decrypt nothing: the real key also needs the server's SECRET_KEY.
    as_key = base64.urlsafe_b64encode(base64.urlsafe_b64decode(key_cookie + "="))
    with pytest.raises(InvalidToken):
        Fernet(as_key).decrypt(ciphertext.encode())


def test_cookie_and_database_together_still_need_the_servers_secret(alice_browser):
    request = request_from_browser(alice_browser)

    another_server = override_settings(SECRET_KEY="another-server-0123456789abcdefghijklmnop")
    with another_server, pytest.raises(vault.VaultLocked):
        vault.reveal(request)


def test_each_login_uses_a_new_key(alice):
    first, second = Client(), Client()
    post_login(first, "alice", ALICE_PASSWORD)
    post_login(second, "alice", ALICE_PASSWORD)

    assert first.cookies["vault"].value != second.cookies["vault"].value
    assert session_data(first)["_vault_ciphertext"] != session_data(second)["_vault_ciphertext"]


def test_one_sessions_key_does_not_open_another_sessions_vault(alice_browser, bob):
    bobs_browser = Client()
    post_login(bobs_browser, "bob", BOB_PASSWORD)
    alice_browser.cookies["vault"] = bobs_browser.cookies["vault"].value

    with pytest.raises(vault.VaultLocked):
        vault.reveal(request_from_browser(alice_browser))


def test_without_the_key_cookie_the_vault_is_locked(alice_browser):
    del alice_browser.cookies["vault"]

    with pytest.raises(vault.VaultLocked):
        vault.reveal(request_from_browser(alice_browser))


def test_a_tampered_key_cookie_locks_the_vault(alice_browser):
    alice_browser.cookies["vault"] = "not base64 at all!"

    with pytest.raises(vault.VaultLocked):
        vault.reveal(request_from_browser(alice_browser))


def test_without_a_session_the_vault_is_locked(alice_browser):
    del alice_browser.cookies["sessionid"]

    with pytest.raises(vault.VaultLocked):
        vault.reveal(request_from_browser(alice_browser))


def test_forget_drops_the_ciphertext_and_deletes_the_key_cookie(alice_browser):
    request = request_from_browser(alice_browser)
    response = HttpResponse()

    vault.forget(request)
    vault.update_cookie(request, response)

    assert not vault.holds_password(request)
    assert response.cookies["vault"].value == ""
    assert response.cookies["vault"]["max-age"] == 0
    with pytest.raises(vault.VaultLocked):
        vault.reveal(request)


def test_logout_leaves_no_ciphertext_anywhere(alice_browser):
    alice_browser.post(LOGOUT_URL)

    for row in Session.objects.all():
        assert "_vault_ciphertext" not in row.get_decoded()


def test_a_leftover_key_cookie_is_deleted(alice_browser):
    Session.objects.all().delete()  # the session ran out while the browser was closed

    response = alice_browser.get("/accounts/login/")

    assert response.status_code == 200
    assert response.cookies["vault"].value == ""


def test_an_ordinary_visit_leaves_the_key_cookie_alone(alice_browser):
    response = alice_browser.get("/activity/")

    assert "vault" not in response.cookies
    assert vault.reveal(request_from_browser(alice_browser)) == ALICE_PASSWORD


def test_the_vault_survives_hostile_characters(db):
    from simulator.seed import make_account

    password = "/?#%&+ 'quote\" <tag> \\ Ñandú 🎉\u200b"
    make_account("hostile", password, balance=1)
    client = Client()

    assert post_login(client, "hostile", password).status_code == 302
    assert vault.reveal(request_from_browser(client)) == password


def test_a_login_sweeps_away_sessions_that_ran_out_with_their_ciphertext(alice_browser, bob):
    from datetime import timedelta

    from django.utils import timezone

    abandoned = alice_browser.cookies["sessionid"].value
    Session.objects.filter(session_key=stored_key(abandoned)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    post_login(Client(), "bob", BOB_PASSWORD)

    assert not Session.objects.filter(session_key=stored_key(abandoned)).exists()
