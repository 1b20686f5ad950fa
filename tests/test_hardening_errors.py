"""Error pages are plain: they say what happened in a sentence and never show internals.

The tests run with DEBUG off, as production does, so Django's technical pages are never
what answers; these check that our own pages do, with the security headers, and that the
500 page needs neither the database nor mSpace.
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory, override_settings
from django.urls import get_resolver, path

from accounts import guard
from messaging.views import errors
from mspace_admin.urls import handler400, handler500
from mspace_admin.urls import urlpatterns as site_urlpatterns
from tests.hardening_helpers import header_problems, text_of, traceback_signs

# Planted in an exception: a page that showed the exception would show this.
PLANTED = "planted-internals password=S3cret-in-the-exception"


def crash(request):
    raise RuntimeError(PLANTED)


# This module doubles as a URLconf: the whole site plus a page that crashes (the error
# handlers are found here too, imported above from the site's own URLconf).
urlpatterns = [path("crash/", crash, name="crash"), *site_urlpatterns]


def assert_plain(response, *, status, says):
    page = text_of(response)
    assert response.status_code == status
    assert says in page
    assert traceback_signs(page) == []
    assert "planted" not in page and "S3cret" not in page
    assert header_problems(response, logged_in=False) == []


def test_the_tests_run_with_debug_off_as_production_does():
    assert settings.DEBUG is False


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_shows_the_plain_500_page(db, monkeypatch):
    # A public page that crashes: anyone can meet this one, signed in or not.
    monkeypatch.setitem(guard.PUBLIC, "crash", "a page that crashes, for this test")
    response = Client(raise_request_exception=False).get("/crash/")

    assert_plain(response, status=500, says="Something went wrong on our side")
    assert 'href="/activity/"' in text_of(response)


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_on_a_resellers_page_shows_the_plain_500_page(alice_client):
    alice_client.raise_request_exception = False

    response = alice_client.get("/crash/")

    assert_plain(response, status=500, says="Something went wrong on our side")
    assert "alice" not in text_of(response)  # nothing from the session either


def test_the_site_uses_our_400_and_500_handlers():
    resolver = get_resolver("mspace_admin.urls")
    assert (handler400, handler500) == (
        "messaging.views.errors.bad_request",
        "messaging.views.errors.server_error",
    )
    assert resolver.resolve_error_handler(400) is errors.bad_request
    assert resolver.resolve_error_handler(500) is errors.server_error


def test_the_500_page_needs_neither_the_database_nor_mspace(monkeypatch):
    # No `db` fixture: any database query here would raise. And mSpace is unreachable.
    def no_gateway(*args, **kwargs):
        raise AssertionError("the 500 page asked mSpace")

    monkeypatch.setattr("messaging.gateway.client_with", no_gateway)
    monkeypatch.setattr("messaging.gateway.for_session", no_gateway)

    response = errors.server_error(RequestFactory().get("/"))

    page = response.content.decode()
    assert response.status_code == 500
    # The template itself rendered (not the last-resort text, which a failure would give).
    assert "css/app.css" in page
    assert "Something went wrong on our side" in page


def test_the_500_page_still_answers_when_its_template_cannot_render(monkeypatch):
    def broken(name, *args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'css/app.css'")

    monkeypatch.setattr("messaging.views.errors.loader.get_template", broken)

    response = errors.server_error(RequestFactory().get("/"))

    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert traceback_signs(page) == [] and "manifest" not in page


@pytest.mark.parametrize("path", ["/no-such-page/", "/activity/999999/", "/topups/999999/"])
def test_a_missing_page_is_a_plain_404(alice_client, path):
    response = alice_client.get(path)

    page = text_of(response)
    assert response.status_code == 404
    assert "Page not found" in page
    assert "LedgerEntry" not in page and "matches the given query" not in page
    assert traceback_signs(page) == []
    assert header_problems(response, logged_in=True) == []


def test_a_missing_page_for_a_visitor_is_a_plain_404(db):
    assert_plain(Client().get("/no-such-page/"), status=404, says="Page not found")


def test_a_request_for_another_host_is_a_plain_400(db):
    response = Client().get("/accounts/login/", HTTP_HOST="attacker.example")

    assert_plain(response, status=400, says="Request not understood")
    assert "attacker.example" not in text_of(response)


def test_a_forbidden_page_is_a_plain_403(db):
    # A staff member without permissions, on an admin page they may not see.
    staff = get_user_model().objects.create_user("helpdesk", password="x" * 20, is_staff=True)
    client = Client()
    client.force_login(staff)

    response = client.get("/admin/messaging/ledgerentry/")

    assert response.status_code == 403
    page = text_of(response)
    assert "Not allowed" in page
    assert traceback_signs(page) == []


def test_a_form_without_its_security_token_gets_a_plain_403(db):
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "alice", "password": "x"}
    )

    assert_plain(response, status=403, says="This form could not be accepted")
    assert "CSRF" not in text_of(response)  # jargon, and Django's own page would say it
