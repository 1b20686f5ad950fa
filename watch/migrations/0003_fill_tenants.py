"""Step 2 of 3: every watch/ row gets its tenant; nothing changes meaning.

Each user's rows now belong to the reseller of their canonical username, as their ledger rows
do (messaging 0003). The standing credential's token names whose it is (`watch.credential`):
it is re-encrypted naming the tenant, so the worker opens it as before. A token that no key
in WATCH_KEYS opens now stays as it is: it was unreadable before too, and the worker says so.

People whose names differ only in case or width ("Alice", "alice") are one tenant. If more
than one of them keeps watch rows, the migration stops and changes nothing: their histories
cannot both be the tenant's.
"""

import base64

from django.conf import settings
from django.db import migrations

MODELS = ("StandingCredential", "WatchEvent", "WatchRound", "WatchedAccount")


# Frozen copies (a migration must not change meaning if the app's code ever does):
# accounts.identity.canonical_username and watch.credential's token format and keys.
def _canonical(username):
    import unicodedata

    return unicodedata.normalize("NFKC", username.strip()).casefold()


def _fernet():
    from cryptography.fernet import Fernet, MultiFernet
    from django.utils.crypto import salted_hmac

    if settings.WATCH_KEYS:
        keys = [key.encode() for key in settings.WATCH_KEYS]
    elif settings.DEBUG:
        digest = salted_hmac("watch.credential.development-key", "key", algorithm="sha256").digest()
        keys = [base64.urlsafe_b64encode(digest)]
    else:
        return None
    return MultiFernet([Fernet(key) for key in keys])


def _rebind(token, old_owner, new_owner):
    """`token` naming `new_owner` instead of `old_owner`; unchanged if it cannot be opened."""
    from cryptography.fernet import InvalidToken

    fernet = _fernet()
    if fernet is None:
        return token
    try:
        plain = fernet.decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return token
    owner, separator, password = plain.partition(":")
    if owner != str(old_owner):
        return token  # it opened nothing before either
    return fernet.encrypt(f"{new_owner}{separator}{password}".encode()).decode()


class TenantHasTwoHistories(Exception):
    """Two people of one tenant each have watch rows."""


def forwards(apps, schema_editor):
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    Reseller = apps.get_model("accounts", "Reseller")
    models = [apps.get_model("watch", name) for name in MODELS]
    Credential = apps.get_model("watch", "StandingCredential")

    people = set()
    for model in models:
        people |= set(model.objects.values_list("reseller_id", flat=True).distinct())
    tenants = {}
    for user in User.objects.filter(pk__in=people).order_by("pk"):
        key = _canonical(user.username)
        if key in tenants:
            raise TenantHasTwoHistories(
                f"More than one login of mSpace account {key!r} keeps watch rows (users "
                f"{tenants[key][1]} and {user.pk}). Stop watch for all but one of them with "
                "the previous release (/watch/ → Stop), delete the others' watch rows, then "
                "migrate again. Nothing was changed."
            )
        tenant, _ = Reseller.objects.get_or_create(username=key)
        tenants[key] = (tenant, user.pk)
        for model in models:
            model.objects.filter(reseller_id=user.pk).update(tenant=tenant)
        for credential in Credential.objects.filter(reseller_id=user.pk):
            credential.ciphertext = _rebind(credential.ciphertext, user.pk, tenant.pk)
            credential.save(update_fields=["ciphertext"])


def backwards(apps, schema_editor):
    """Back to the user: the tenant's first (lowest) person with that canonical username."""
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    Reseller = apps.get_model("accounts", "Reseller")
    models = [apps.get_model("watch", name) for name in MODELS]
    Credential = apps.get_model("watch", "StandingCredential")
    people = {}
    for user in User.objects.order_by("-pk"):
        people[_canonical(user.username)] = user.pk
    tenant_ids = set()
    for model in models:
        tenant_ids |= set(model.objects.values_list("tenant_id", flat=True).distinct())
    for tenant in Reseller.objects.filter(pk__in=tenant_ids):
        person = people.get(tenant.username)
        if person is None:
            raise RuntimeError(
                f"Watch rows of {tenant.username!r} have no user to go back to; the previous "
                "release cannot keep them. Nothing was changed."
            )
        for model in models:
            model.objects.filter(tenant=tenant).update(reseller_id=person)
        for credential in Credential.objects.filter(tenant=tenant):
            credential.ciphertext = _rebind(credential.ciphertext, tenant.pk, person)
            credential.save(update_fields=["ciphertext"])


class Migration(migrations.Migration):
    dependencies = [("watch", "0002_tenant")]

    operations = [migrations.RunPython(forwards, backwards)]
