"""Server-side sessions whose keys the database holds only as hashes (SESSION_ENGINE).

Django's database sessions keep the browser's `sessionid` itself as the row's primary key,
so a copy of the database (a backup, a dump) held every live session's cookie value: enough,
with nothing else, to act as that reseller. Here the row is keyed by a hash of the cookie
value instead. The browser sends the key; the server hashes it to find the row; nobody can
go from a row back to a key. (The `vault` cookie is needed as well for any reseller page:
see `accounts.middleware`.)

BLAKE2b with a 20-byte digest, so the hash fits Django's 40-character key column and no
migration of `django_session` is needed; the keys themselves are 32 random characters, so a
plain (unkeyed) hash is enough: there is nothing to guess.
"""

import hashlib

from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

_PERSON = b"mspace-session"  # domain separation: this hash is used for nothing else


def stored_key(session_key: str) -> str:
    """The value the database holds for a session whose cookie is `session_key`."""
    return hashlib.blake2b(session_key.encode(), digest_size=20, person=_PERSON).hexdigest()


class SessionStore(db.SessionStore):
    """Django's database session store, with every lookup and write going through
    `stored_key`. Synchronous only, as the app is (gunicorn's gthread workers)."""

    def _get_session_from_db(self):
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None

    def exists(self, session_key):
        return self.model.objects.filter(session_key=stored_key(session_key)).exists()

    def create_model_instance(self, data):
        return self.model(
            session_key=stored_key(self._get_or_create_session_key()),
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=stored_key(session_key)).delete()

    # The async API would reach the plain keys through Django's own code: refuse it rather
    # than let a future async view store a key in the clear.
    async def _aget_session_from_db(self):
        raise NotImplementedError("accounts.sessions is synchronous only")

    async def aexists(self, session_key):
        raise NotImplementedError("accounts.sessions is synchronous only")

    async def acreate_model_instance(self, data):
        raise NotImplementedError("accounts.sessions is synchronous only")

    async def adelete(self, session_key=None):
        raise NotImplementedError("accounts.sessions is synchronous only")
