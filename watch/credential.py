"""Encrypting the standing credential under WATCH_KEYS.

WATCH_KEYS is a comma-separated list of Fernet keys (AES-128-CBC + HMAC-SHA256), kept apart
from SECRET_KEY: the first key encrypts, every key decrypts, so a new key is put first,
`manage.py rotate_watch_keys` re-encrypts every credential under it, and the old key is then
dropped. Each token also carries the reseller's id, so a ciphertext copied onto another
reseller's row opens nothing.

Who can read a stored password: whoever holds both the database and WATCH_KEYS (the worker
must, to act while the reseller is away). A database copy alone holds only tokens; settings
alone hold no token; stopping watch deletes the token at once.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

_SEPARATOR = ":"


class CredentialUnreadable(Exception):
    """No key in WATCH_KEYS opens this token, or it belongs to another reseller."""


def unavailable_reason() -> str | None:
    """Why watch cannot be turned on here, in plain words; None when it can."""
    if settings.WATCH_KEYS:
        return None
    if settings.DEBUG:
        return None  # development: a throw-away key (see `_keys`)
    return _(
        "Keep watch is unavailable on this server: its operator has not set WATCH_KEYS, the "
        "key that would encrypt your stored password. Nothing is stored until they do."
    )


def encrypt(reseller_id: int, password: str) -> str:
    return _fernet().encrypt(f"{reseller_id}{_SEPARATOR}{password}".encode()).decode()


def decrypt(reseller_id: int, token: str) -> str:
    """The password in `token`; raises `CredentialUnreadable`."""
    try:
        plain = _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        raise CredentialUnreadable from None
    owner, _sep, password = plain.partition(_SEPARATOR)
    if owner != str(reseller_id):
        raise CredentialUnreadable
    return password


def rotate(token: str) -> str:
    """`token` re-encrypted under the first key; raises `CredentialUnreadable`."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except (InvalidToken, ValueError):
        raise CredentialUnreadable from None


def _keys() -> list[bytes]:
    if settings.WATCH_KEYS:
        return [key.encode() for key in settings.WATCH_KEYS]
    if settings.DEBUG:
        # Development only: a key derived from SECRET_KEY, so the web server and the worker
        # agree without any set-up. Production refuses this (see `unavailable_reason`).
        digest = salted_hmac("watch.credential.development-key", "key", algorithm="sha256").digest()
        return [base64.urlsafe_b64encode(digest)]
    raise CredentialUnreadable


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])
