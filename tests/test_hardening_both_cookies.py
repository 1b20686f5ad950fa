"""Attack 4 of issue 15: with only a `sessionid` (which a database backup once held in plain
form) and no `vault` cookie, anyone could read /activity/ and its CSV, a test SMS's outcome
page with its text, cached client lists, and mark an unknown top-up "did not go through".

Now every reseller page needs both cookies: the vault key must open the session's vault on
every request. And the database holds session keys only as hashes, so a dump opens nothing.
"""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.sessions import SessionStore, stored_key
from messaging.models import LedgerEntry
from tests.accounts_helpers import post_login
from tests.conftest import ALICE_PASSWORD
from tests.topup_helpers import entry, tenant

MESSAGE = "Secret promo code NAIROBI-77 for our best clients"


@pytest.fixture
def alice_with_history(alice):
    """alice logged in, with a test SMS in her ledger and a top-up whose outcome is unknown,
    and her client list cached."""
    browser = Client()
    assert post_login(browser, "alice", ALICE_PASSWORD).status_code == 302
    reseller = tenant("alice")
    entry(
        reseller,
        kind=LedgerEntry.Kind.TEST_SMS,
        target="254712345678",
        amount=1,
        sender_id="ALICESHOP",
        message=MESSAGE,
    )
    entry(reseller, status=LedgerEntry.Status.UNKNOWN, target_balance_before=1200)
    browser.get("/clients/")  # the list is now cached for this reseller
    return browser


def only_the_session_cookie(browser) -> Client:
    thief = Client()
    thief.cookies["sessionid"] = browser.cookies["sessionid"].value
    return thief


def pages(sent, unknown):
    return [
        "/",
        "/clients/",
        "/clients/?format=csv",
        "/subaccounts/",
        "/activity/",
        "/activity/?format=csv",
        f"/send/{sent.pk}/",
        f"/topups/{unknown.pk}/",
        f"/activity/{sent.pk}/",
        "/send/",
        "/clients/topup/",
    ]


@pytest.mark.parametrize("page", range(11))
def test_a_session_cookie_alone_opens_no_reseller_page(alice_with_history, page):
    sent = LedgerEntry.objects.get(kind=LedgerEntry.Kind.TEST_SMS)
    unknown = LedgerEntry.objects.get(status=LedgerEntry.Status.UNKNOWN)
    url = pages(sent, unknown)[page]
    thief = only_the_session_cookie(alice_with_history)

    response = thief.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    body = response.content.decode()
    assert MESSAGE not in body and "Mama Mboga" not in body
    assert thief.get(response["Location"]).status_code == 200  # the login page


def test_a_session_cookie_alone_cannot_settle_an_unknown_top_up(alice_with_history):
    unknown = LedgerEntry.objects.get(status=LedgerEntry.Status.UNKNOWN)
    thief = only_the_session_cookie(alice_with_history)

    response = thief.post(f"/activity/{unknown.pk}/reconcile/", {"action": "did_not_go_through"})

    assert response["Location"].startswith("/accounts/login/")
    unknown.refresh_from_db()
    assert unknown.status == LedgerEntry.Status.UNKNOWN


def test_a_vault_cookie_from_another_session_does_not_fit(alice_with_history, alice):
    other = Client()
    post_login(other, "alice", ALICE_PASSWORD)
    thief = only_the_session_cookie(alice_with_history)
    thief.cookies["vault"] = other.cookies["vault"].value

    assert thief.get("/activity/")["Location"].startswith("/accounts/login/")


def test_both_cookies_together_still_open_every_page(alice_with_history):
    sent = LedgerEntry.objects.get(kind=LedgerEntry.Kind.TEST_SMS)
    unknown = LedgerEntry.objects.get(status=LedgerEntry.Status.UNKNOWN)

    # The dashboard reads side by side in threads, which this test's open transaction would
    # hold up; its both-cookies case is in test_dashboard.py.
    for url in pages(sent, unknown)[1:]:
        assert alice_with_history.get(url).status_code == 200, url
    assert MESSAGE in alice_with_history.get(f"/send/{sent.pk}/").content.decode()


# --- A database dump's session keys open nothing ----------------------------------------------


def test_the_database_holds_no_session_cookie(alice_with_history):
    cookie = alice_with_history.cookies["sessionid"].value

    dumped = list(Session.objects.values_list("session_key", flat=True))

    assert cookie not in dumped
    assert stored_key(cookie) in dumped


def test_a_dumped_session_key_opens_nothing_even_with_the_vault_cookie(alice_with_history):
    vault_cookie = alice_with_history.cookies["vault"].value

    for dumped_key in Session.objects.values_list("session_key", flat=True):
        thief = Client()
        thief.cookies["sessionid"] = dumped_key
        thief.cookies["vault"] = vault_cookie
        assert thief.get("/activity/")["Location"].startswith("/accounts/login/")
        assert SessionStore(dumped_key).load() == {}

    # alice's own browser was untouched by all this.
    assert alice_with_history.get("/activity/").status_code == 200
