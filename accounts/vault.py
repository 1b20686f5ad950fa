"""The credential vault: the reseller's gateway password, kept only for their session.

Every gateway call needs the password in its URL, so the app must hold it while the reseller
is logged in. At login it is encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under a key made
from two halves:

- a random key made at that login, which lives only in the browser, in its own HttpOnly
  cookie (`vault`);
- the server's SECRET_KEY (an HMAC of the browser's half under it is the Fernet key).

The ciphertext lives in the server-side session (a database row). So a copy of the database
alone holds ciphertext without a key; a stolen `vault` cookie alone holds half a key and no
ciphertext; even database and cookie together still lack SECRET_KEY. When the session ends
(logout, idle timeout, absolute lifetime, or mSpace refusing the password) the ciphertext is
deleted with it and the key in the browser opens nothing any more.

Limits: someone who holds the server (database *and* settings) and a live `vault` cookie, or
the server's memory while a request runs, can read the password; so can anyone who reads the
traffic between this server and the gateway, which takes the password in plain URLs (use an
https:// MSPACE_BASE_URL where mSpace offers one).
"""

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.crypto import salted_hmac

KEY_COOKIE = "vault"
_SESSION_KEY = "_vault_ciphertext"
# The username exactly as typed at login: the local user has its canonical form, but mSpace
# is always sent what the reseller typed.
_TYPED_USERNAME = "_mspace_username"
_KEY_PURPOSE = "accounts.vault.key"


class VaultLocked(Exception):
    """The password cannot be read: the session or the key cookie is gone or does not match."""


def store(request, password: str, *, username: str | None = None) -> None:
    """Encrypt the password into the session under a new key (set as a cookie on the way out),
    beside the username as typed, which mSpace is sent."""
    browser_half = secrets.token_urlsafe(32)
    if username is not None:
        request.session[_TYPED_USERNAME] = username
    request.session[_SESSION_KEY] = _fernet(browser_half).encrypt(password.encode()).decode()
    request._vault_new_key = browser_half


def reveal(request) -> str:
    """The password for this request, or `VaultLocked`."""
    browser_half = getattr(request, "_vault_new_key", None) or request.COOKIES.get(KEY_COOKIE)
    token = request.session.get(_SESSION_KEY)
    if not browser_half or not token:
        raise VaultLocked
    try:
        return _fernet(browser_half).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        raise VaultLocked from None


def gateway_username(request) -> str:
    """The username to send mSpace: as typed at login (the local user's is canonical)."""
    return request.session.get(_TYPED_USERNAME) or request.user.get_username()


def opens(request) -> bool:
    """Whether this request's key cookie opens this session's vault (both are present and
    belong together)."""
    try:
        reveal(request)
    except VaultLocked:
        return False
    return True


def holds_password(request) -> bool:
    """Whether this session has a vaulted password (without opening it)."""
    return _SESSION_KEY in request.session


def forget(request) -> None:
    """Drop the ciphertext now and the key cookie on the way out."""
    request.session.pop(_SESSION_KEY, None)
    request._vault_new_key = None
    request._vault_forget = True


def update_cookie(request, response) -> None:
    """Set or delete the key cookie as `store` / `forget` asked during this request.

    A key cookie whose session no longer holds a password (it ended without a logout, e.g.
    the browser came back after the session expired) is deleted too: it opens nothing.
    """
    if getattr(request, "_vault_new_key", None):
        response.set_cookie(
            KEY_COOKIE,
            request._vault_new_key,
            max_age=None,  # a browser-session cookie: gone when the browser closes
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    elif getattr(request, "_vault_forget", False) or (
        KEY_COOKIE in request.COOKIES
        and hasattr(request, "session")
        and not holds_password(request)
    ):
        response.delete_cookie(KEY_COOKIE, samesite="Lax")


def _fernet(browser_half: str) -> Fernet:
    digest = salted_hmac(_KEY_PURPOSE, browser_half, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))
