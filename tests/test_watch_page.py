"""/watch/: consent, turning watch on with the password checked by mSpace, and off at once."""

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings

from tests.conftest import ALICE_PASSWORD
from watch.models import StandingCredential, WatchEvent


def test_the_page_explains_what_is_stored_where_who_reads_it_and_how_to_stop(alice_client):
    page = alice_client.get("/watch/").content.decode()

    for words in ("What is stored", "Where", "Who can read it", "How to stop"):
        assert words in page
    assert 'name="password"' in page and 'name="consent"' in page


def test_turning_watch_on_stores_the_password_encrypted(alice_client, alice):
    response = alice_client.post("/watch/", {"password": ALICE_PASSWORD, "consent": "on"})

    assert response.status_code == 302
    stored = StandingCredential.objects.get(reseller__username="alice")
    assert ALICE_PASSWORD not in stored.ciphertext
    assert stored.ciphertext.startswith("gAAAAA")  # a Fernet token
    event = WatchEvent.objects.get(reseller__username="alice")
    assert (event.kind, event.by) == ("started", "alice")
    assert "Keep watch is on" in alice_client.get("/watch/").content.decode()


def test_without_consent_nothing_is_stored(alice_client):
    response = alice_client.post("/watch/", {"password": ALICE_PASSWORD})

    assert response.status_code == 200
    assert "Tick the box to agree" in response.content.decode()
    assert not StandingCredential.objects.exists()
    assert not WatchEvent.objects.exists()


def test_a_password_mspace_refuses_is_not_stored(alice_client):
    response = alice_client.post("/watch/", {"password": "wrong", "consent": "on"})

    assert "mSpace did not accept this password" in response.content.decode()
    assert not StandingCredential.objects.exists()


def test_a_gateway_that_does_not_answer_stores_nothing_and_says_so(alice_client):
    from simulator import faults

    faults.inject("login", "http500")
    response = alice_client.post("/watch/", {"password": ALICE_PASSWORD, "consent": "on"})

    assert response.status_code == 200
    assert "Nothing was stored" in response.content.decode()
    assert not StandingCredential.objects.exists()


def test_stopping_deletes_the_password_at_once_and_is_recorded(alice_client):
    alice_client.post("/watch/", {"password": ALICE_PASSWORD, "consent": "on"})

    response = alice_client.post("/watch/stop/")

    assert response.status_code == 303
    assert not StandingCredential.objects.exists()
    assert list(WatchEvent.objects.values_list("kind", flat=True)) == ["stopped", "started"]
    page = alice_client.get("/activity/").content.decode()
    assert "watch stopped" in page and "watch started" in page


def test_stop_only_answers_post(alice_client):
    assert alice_client.get("/watch/stop/").status_code == 405


def test_the_standing_credential_never_enters_the_session(alice_client):
    alice_client.post("/watch/", {"password": ALICE_PASSWORD, "consent": "on"})
    token = StandingCredential.objects.get().ciphertext

    for session in Session.objects.all():
        decoded = repr(session.get_decoded())
        assert token not in decoded
        assert "standing" not in decoded.lower()


@override_settings(WATCH_KEYS=[], DEBUG=False)
def test_in_production_without_watch_keys_the_page_says_watch_is_unavailable(alice_client):
    page = alice_client.get("/watch/").content.decode()
    assert "Keep watch is unavailable on this server" in page
    assert "WATCH_KEYS" in page
    assert 'name="password"' not in page

    response = alice_client.post("/watch/", {"password": ALICE_PASSWORD, "consent": "on"})
    assert not StandingCredential.objects.exists()
    assert "unavailable" in response.content.decode()


@pytest.mark.parametrize("path", ["/watch/", "/clients/history/?name=x", "/balance/history/"])
def test_the_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
