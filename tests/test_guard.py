"""Guarded by default: every URL needs a signed-in person of a tenant unless it is on the one
public list (`accounts.guard.PUBLIC`). The walk below visits every URL pattern of the site."""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path
from django.urls.resolvers import RoutePattern

from accounts import guard
from mspace_admin.urls import urlpatterns as site_urlpatterns

SAMPLES = {
    "IntConverter": "1",
    "StringConverter": "x",
    "SlugConverter": "x",
    "PathConverter": "x/y",
    "UUIDConverter": str(uuid.uuid4()),
}


def walk(patterns, prefix="", namespaces=()):
    """(address, view name, pattern) for every URL pattern below `patterns`."""
    for pattern in patterns:
        route = _route(pattern)
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from walk(pattern.url_patterns, prefix + route, inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
            yield prefix + route, name, namespaces


def _route(pattern) -> str:
    if not isinstance(pattern.pattern, RoutePattern):
        return f"<regex {pattern.pattern}>"
    converters = pattern.pattern.converters
    return re.sub(
        r"<(?:\w+:)?(\w+)>",
        lambda part: SAMPLES[type(converters[part[1]]).__name__],
        str(pattern.pattern),
    )


def public(name, namespaces) -> bool:
    return name in guard.PUBLIC or any(f"{ns}:*" in guard.PUBLIC for ns in namespaces)


def guarded_pages(patterns):
    return [(f"/{address}", name) for address, name, ns in walk(patterns) if not public(name, ns)]


def assert_sent_to_log_in(response, address):
    assert response.status_code == 302, (address, response.status_code)
    assert response["Location"].startswith("/accounts/login/"), address


@pytest.fixture
def administrator(db):
    person = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
    browser = Client()
    browser.force_login(person)
    return browser


def test_every_url_is_guarded_or_on_the_public_list(db, administrator):
    pages = guarded_pages(get_resolver().url_patterns)
    assert len(pages) >= 11  # the dashboard, lists, top-ups, sends, activity...
    names = {name for _, name in pages}
    # Every app's pages are walked: keep watch's and the money pages' too.
    assert {"watch:watch", "watch:stop", "watch:own_history"} <= names
    assert {"billing:money", "billing:prices", "billing:receipt", "billing:payment"} <= names
    for address, _ in pages:
        assert "<regex" not in address, f"{address}: use path() so the walk can visit it"
        for method in ("get", "post"):
            assert_sent_to_log_in(getattr(Client(), method)(address), address)
            # A site administrator is a person, but of no tenant: no mSpace account to act with.
            assert_sent_to_log_in(getattr(administrator, method)(address), address)


def test_every_entry_of_the_public_list_names_a_real_page():
    names = {name for _, name, _ in walk(get_resolver().url_patterns)}
    namespaces = {ns for _, _, nss in walk(get_resolver().url_patterns) for ns in nss}
    for entry in guard.PUBLIC:
        if entry.endswith(":*"):
            assert entry.removesuffix(":*") in namespaces, entry
        else:
            assert entry in names, entry


def test_a_signed_in_reseller_opens_the_guarded_pages(alice_client):
    for address in (
        "/clients/",
        "/send/",
        "/activity/",
        "/clients/topup/",
        "/watch/",
        "/balance/history/",
        "/money/",
        "/money/prices/",
    ):
        assert alice_client.get(address).status_code == 200, address


def new_app_page(request):
    from django.http import HttpResponse

    return HttpResponse(f"for {request.reseller.username}")


# A URLconf of its own: the site plus a page of some new app that nobody thought to guard.
urlpatterns = [path("new-app/", new_app_page, name="new_app_page"), *site_urlpatterns]


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_added_without_any_guard_is_guarded(db, alice_client):
    assert ("/new-app/", "new_app_page") in guarded_pages(urlpatterns)
    assert_sent_to_log_in(Client().get("/new-app/"), "/new-app/")
    assert alice_client.get("/new-app/").content == b"for alice"


@override_settings(ROOT_URLCONF=__name__)
def test_the_walk_fails_on_a_page_that_is_neither(db, monkeypatch):
    # The control: listed public, the new page answers anyone, and the walk no longer counts
    # it among the guarded pages it checks.
    monkeypatch.setitem(guard.PUBLIC, "new_app_page", "for this test")
    assert ("/new-app/", "new_app_page") not in guarded_pages(urlpatterns)
    with pytest.raises(AttributeError):  # no reseller for an anonymous visitor
        Client(raise_request_exception=True).get("/new-app/")
