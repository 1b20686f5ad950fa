"""Step 2 of 3: every ledger row and preference gets its tenant; nothing changes meaning.

Each user who has ledger rows or preferences acted for the reseller of their canonical
username (`accounts.identity.canonical_username`): their rows now belong to that reseller,
and they stay on each row as its actor, by name too. People whose names differ only in case
or width ("Alice", "alice") are one tenant: their rows join, and of their preferences the one
changed last is kept (it was what that account saw last).
"""

from django.conf import settings
from django.db import migrations

# Frozen copy of accounts.identity.canonical_username: a migration must not change meaning
# if that function ever does.


def _canonical(username):
    import unicodedata

    return unicodedata.normalize("NFKC", username.strip()).casefold()


class MergeWouldBreakLedger(Exception):
    """Two people of one tenant each have an open top-up of the same account."""


def forwards(apps, schema_editor):
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    Reseller = apps.get_model("accounts", "Reseller")
    LedgerEntry = apps.get_model("messaging", "LedgerEntry")
    Preferences = apps.get_model("messaging", "ResellerPreferences")

    # Here `reseller` is still the user the row hung on; `tenant` becomes `reseller` in 0004.
    people = set(LedgerEntry.objects.values_list("reseller_id", flat=True).distinct())
    people |= set(Preferences.objects.values_list("reseller_id", flat=True))
    people.discard(None)
    tenants = {}
    for user in User.objects.filter(pk__in=people).order_by("pk"):
        key = _canonical(user.username)
        if key not in tenants:
            tenants[key], _ = Reseller.objects.get_or_create(username=key)
        LedgerEntry.objects.filter(reseller_id=user.pk).update(
            tenant=tenants[key], actor_id=user.pk, actor_name=user.username
        )
        _check_one_open_top_up_per_account(LedgerEntry, tenants[key])

    kept = {}
    for preferences in Preferences.objects.select_related("reseller").order_by("updated_at", "pk"):
        tenant = tenants[_canonical(preferences.reseller.username)]
        if tenant.pk in kept:
            kept[tenant.pk].delete()  # an older choice of the same tenant
        kept[tenant.pk] = preferences
    for tenant_id, preferences in kept.items():
        Preferences.objects.filter(pk=preferences.pk).update(tenant_id=tenant_id)


def _check_one_open_top_up_per_account(LedgerEntry, tenant):
    from django.db.models import Count

    clashes = (
        LedgerEntry.objects.filter(tenant=tenant, status__in=["pending", "unknown"])
        .exclude(kind="test_sms")
        .values("kind", "target")
        .annotate(open=Count("id"))
        .filter(open__gt=1)
    )
    for clash in clashes:
        numbers = LedgerEntry.objects.filter(
            tenant=tenant,
            kind=clash["kind"],
            target=clash["target"],
            status__in=["pending", "unknown"],
        ).values_list("pk", flat=True)
        raise MergeWouldBreakLedger(
            f"The people of reseller {tenant.username!r} have more than one open top-up of "
            f"{clash['target']!r} (ledger entries {', '.join(map(str, numbers))}). Only one "
            "top-up per account may be open: settle all but one (Activity → the entry → mark "
            "it by hand) with the previous release, then migrate again."
        )


def backwards(apps, schema_editor):
    """Back to one user per row: the person who acted, and for preferences the reseller's
    first person."""
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    LedgerEntry = apps.get_model("messaging", "LedgerEntry")
    Preferences = apps.get_model("messaging", "ResellerPreferences")
    if LedgerEntry.objects.filter(actor__isnull=True).exists():
        raise RuntimeError(
            "Some ledger rows were written by background work (no person acted); the previous "
            "release cannot record them. Nothing was changed."
        )
    for user_id in LedgerEntry.objects.values_list("actor_id", flat=True).distinct():
        LedgerEntry.objects.filter(actor_id=user_id).update(reseller_id=user_id)
    people = {}
    for user in User.objects.order_by("-pk"):
        people[_canonical(user.username)] = user.pk  # the first (lowest) one wins
    for preferences in Preferences.objects.select_related("tenant"):
        person = people.get(preferences.tenant.username)
        if person is None:
            preferences.delete()
        else:
            Preferences.objects.filter(pk=preferences.pk).update(reseller_id=person)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_tenant_and_actor")]

    operations = [migrations.RunPython(forwards, backwards)]
