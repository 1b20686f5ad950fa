"""Turning watch on and off: the only code that writes or deletes a standing credential.

Each function takes the reseller whose credential it is and who acted, and records what it
did as a `WatchEvent` (shown in /activity/).
"""

import logging

from django.db import transaction
from django.utils import timezone

from accounts.tenancy import every_tenant, rows
from messaging import gateway
from watch import credential, words
from watch.models import StandingCredential, WatchEvent

log = logging.getLogger(__name__)
WORKER = words.WORKER  # stored in English, shown in the reader's language (watch.words)


def is_watching(reseller) -> bool:
    return rows(StandingCredential, reseller).exists()


def start(reseller, password: str, *, by: str) -> None:
    """Check `password` with mSpace's `login`, then store it encrypted.

    Raises `messaging.mspace.MspaceError` (`AuthenticationError` for a wrong password) and
    stores nothing in that case.
    """
    gateway.client_with(reseller.username, password).login()
    token = credential.encrypt(reseller.pk, password)
    with transaction.atomic():
        rows(StandingCredential, reseller).update_or_create(
            reseller=reseller,
            defaults={"ciphertext": token, "rotated_at": None},
        )
        WatchEvent.objects.create(
            reseller=reseller,
            kind=WatchEvent.Kind.STARTED,
            by=by,
            detail=words.STARTED,
        )
    log.info("watch started for reseller %s", reseller.pk)


def stop(reseller, *, by: str) -> bool:
    """Delete the reseller's stored password now; False if watch was not on."""
    with transaction.atomic():
        deleted, _by_table = rows(StandingCredential, reseller).delete()
        if deleted:
            WatchEvent.objects.create(
                reseller=reseller,
                kind=WatchEvent.Kind.STOPPED,
                by=by,
                detail=words.STOPPED,
            )
    if deleted:
        log.info("watch stopped for reseller %s", reseller.pk)
    return bool(deleted)


def stop_refused(reseller_id: int, reason: str) -> None:
    """mSpace refused the stored password: delete it and tell the reseller."""
    with transaction.atomic():
        deleted, _by_table = rows(StandingCredential, reseller_id).delete()
        if deleted:
            WatchEvent.objects.create(
                reseller_id=reseller_id,
                kind=WatchEvent.Kind.AUTO_STOPPED,
                by=WORKER,
                detail=words.REFUSED % {"reason": reason},
            )
    if deleted:
        log.warning("watch stopped for reseller %s: mSpace refused the password", reseller_id)


def rotate_keys() -> tuple[int, int]:
    """Re-encrypt every stored password under the first WATCH_KEYS key.

    Returns (re-encrypted, unreadable): an unreadable one (its key already dropped) is left
    as it is; the worker reports it to its reseller.
    """
    done = unreadable = 0
    # The operator's key rotation spans every reseller on purpose.
    for pk in every_tenant(StandingCredential).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            row = every_tenant(StandingCredential).select_for_update().filter(pk=pk).first()
            if row is None:
                continue  # stopped meanwhile
            try:
                row.ciphertext = credential.rotate(row.ciphertext)
            except credential.CredentialUnreadable:
                unreadable += 1
                continue
            row.save(update_fields=["ciphertext"])
            rows(StandingCredential, row.reseller_id).filter(pk=pk).update(
                rotated_at=timezone.now()
            )
            WatchEvent.objects.create(
                reseller_id=row.reseller_id,
                kind=WatchEvent.Kind.ROTATED,
                by=words.OPERATOR,
                detail=words.ROTATED,
            )
            done += 1
    return done, unreadable
