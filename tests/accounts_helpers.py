"""Helpers for the accounts tests: logging in, reading cookies, counting gateway calls."""

from django.test import Client

LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"


def post_login(client: Client, username: str, password: str, **extra):
    """POST the login form; returns the response (not followed)."""
    return client.post(LOGIN_URL, {"username": username, "password": password, **extra})


def client_from(address: str, **kwargs) -> Client:
    """A browser at this address."""
    return Client(REMOTE_ADDR=address, **kwargs)


def gateway_logins() -> int:
    """How many `login` calls reached the simulated gateway."""
    from simulator.models import SimCall

    return SimCall.objects.filter(method="login").count()


def request_from_browser(client: Client, path: str = "/clients/"):
    """A request for `path` carrying the test client's cookies, with the session, user and
    messages set up as the middleware would (for calling one middleware directly)."""
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory
    from django.urls import resolve

    request = RequestFactory().get(path)
    request.COOKIES.update({name: morsel.value for name, morsel in client.cookies.items()})
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    request._messages = FallbackStorage(request)
    request.resolver_match = resolve(request.path)
    return request


def queued_messages(request) -> list[str]:
    return [str(message) for message in request._messages._queued_messages]
