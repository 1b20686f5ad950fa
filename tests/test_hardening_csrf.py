"""Every form that changes something refuses a POST without its CSRF token, and does nothing.

The clients here check CSRF as a browser-facing server does (Django's test client skips the
check unless asked). Each refusal is paired with the same POST carrying the token, which
works: so the 403 is the token's doing, not a mistake in the test's form.
"""

import pytest
from django.test import Client

from messaging.models import LedgerEntry, ResellerPreferences
from simulator import faults
from simulator.models import SimCall
from tests.conftest import ALICE_PASSWORD, BOB_PASSWORD
from tests.hardening_helpers import (
    LOGIN_URL,
    LOGOUT_URL,
    csrf_token_of,
    form_key_in,
    text_of,
)

pytestmark = pytest.mark.django_db(transaction=True)


def browser_logged_in(username, password) -> Client:
    """A CSRF-checking client logged in through the login page, token and all."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(LOGIN_URL)
    response = browser.post(
        LOGIN_URL,
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf_token_of(browser)},
    )
    assert response.status_code == 302, text_of(response)[:500]
    return browser


def with_token(browser, data):
    return {**data, "csrfmiddlewaretoken": csrf_token_of(browser)}


def assert_refused(response):
    assert response.status_code == 403
    assert "This form could not be accepted" in text_of(response)


def is_logged_in(browser) -> bool:
    return browser.get("/activity/").status_code == 200


@pytest.fixture
def alice_browser(alice):
    return browser_logged_in("alice", ALICE_PASSWORD)


def a_top_up(browser, url="/clients/topup/", name="Mama Mboga Traders"):
    return {"form_key": form_key_in(browser.get(url)), "name": name, "noofsms": "7"}


def a_send(browser):
    return {
        "form_key": form_key_in(browser.get("/send/")),
        "senderid": "ALICESHOP",
        "recipient": "0712 345 678",
        "message": "CSRF check",
    }


def test_logging_in_without_the_token_is_refused_and_mspace_is_not_asked(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.get(LOGIN_URL)
    data = {"username": "alice", "password": ALICE_PASSWORD}

    assert_refused(browser.post(LOGIN_URL, data))

    assert SimCall.objects.filter(method="login").count() == 0
    assert "_auth_user_id" not in browser.session
    assert browser.post(LOGIN_URL, with_token(browser, data)).status_code == 302


def test_logging_out_without_the_token_is_refused_and_the_session_goes_on(alice_browser):
    assert_refused(alice_browser.post(LOGOUT_URL))

    assert is_logged_in(alice_browser)
    assert alice_browser.post(LOGOUT_URL, with_token(alice_browser, {})).status_code == 302
    assert not is_logged_in(alice_browser)


@pytest.mark.parametrize(
    ("url", "name"),
    [("/clients/topup/", "Mama Mboga Traders"), ("/subaccounts/topup/", "alice-nairobi")],
)
def test_a_top_up_without_the_token_is_refused_and_nothing_moves(alice_browser, url, name):
    data = a_top_up(alice_browser, url, name)

    assert_refused(alice_browser.post(url, data))

    assert LedgerEntry.objects.count() == 0
    assert SimCall.objects.writes().count() == 0
    assert alice_browser.post(url, with_token(alice_browser, data)).status_code == 303
    assert LedgerEntry.objects.count() == 1
    assert SimCall.objects.writes().count() == 1


def test_a_test_sms_without_the_token_is_refused_and_nothing_is_sent(alice_browser):
    data = a_send(alice_browser)

    assert_refused(alice_browser.post("/send/", data))

    assert LedgerEntry.objects.count() == 0
    assert SimCall.objects.writes().count() == 0
    assert alice_browser.post("/send/", with_token(alice_browser, data)).status_code == 303
    assert SimCall.objects.writes().count() == 1


def test_the_low_balance_threshold_without_the_token_is_refused_and_kept(alice_browser):
    assert_refused(alice_browser.post("/", {"low_balance": "5"}))

    assert not ResellerPreferences.objects.exists()
    response = alice_browser.post("/", with_token(alice_browser, {"low_balance": "5"}))
    assert response.status_code == 302
    assert ResellerPreferences.objects.get().low_balance == 5


@pytest.mark.parametrize("action", ["check", "went_through", "did_not_go_through"])
def test_settling_an_unknown_outcome_without_the_token_is_refused(alice_browser, action):
    faults.inject("resellerclienttopup", "reset", times=1)
    alice_browser.post("/clients/topup/", with_token(alice_browser, a_top_up(alice_browser)))
    entry = LedgerEntry.objects.get()
    assert entry.status == LedgerEntry.Status.UNKNOWN
    calls = SimCall.objects.count()
    url = f"/activity/{entry.pk}/reconcile/"

    assert_refused(alice_browser.post(url, {"action": action}))

    entry.refresh_from_db()
    assert (entry.status, entry.reconciled_at) == (LedgerEntry.Status.UNKNOWN, None)
    assert SimCall.objects.count() == calls  # not even a balance read
    assert alice_browser.post(url, with_token(alice_browser, {"action": action})).status_code == 303
    entry.refresh_from_db()
    assert entry.reconciled_at is not None


def test_a_token_from_another_browser_is_refused(alice_browser, bob):
    other = browser_logged_in("bob", BOB_PASSWORD)
    data = {**a_top_up(alice_browser), "csrfmiddlewaretoken": csrf_token_of(other)}

    assert_refused(alice_browser.post("/clients/topup/", data))

    assert LedgerEntry.objects.count() == 0


def test_a_post_from_another_site_is_refused_even_with_a_token(alice_browser):
    data = with_token(alice_browser, a_send(alice_browser))

    response = alice_browser.post("/send/", data, HTTP_ORIGIN="https://attacker.example")

    assert_refused(response)
    assert SimCall.objects.writes().count() == 0


def test_the_admin_login_needs_the_token_too(db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("siteadmin", password="x" * 20)
    browser = Client(enforce_csrf_checks=True)
    browser.get("/admin/login/")
    data = {"username": "siteadmin", "password": "x" * 20}

    assert_refused(browser.post("/admin/login/", data))

    assert browser.post("/admin/login/", with_token(browser, data)).status_code == 302
