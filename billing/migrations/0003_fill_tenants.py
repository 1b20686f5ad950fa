"""Step 2 of 3: every billing/ row gets its tenant; nothing changes meaning.

Each user's prices, sales, payments and business profile now belong to the reseller of their
canonical username, as their ledger rows do (messaging 0003); receipt numbers stay as issued.

People whose names differ only in case or width ("Alice", "alice") are one tenant. If more
than one of them has billing rows, the migration stops and changes nothing: two receipt
number sequences cannot become one.
"""

from django.conf import settings
from django.db import migrations

MODELS = ("BusinessProfile", "AccountPrice", "Sale", "Payment")


def _canonical(username):
    # Frozen copy of accounts.identity.canonical_username.
    import unicodedata

    return unicodedata.normalize("NFKC", username.strip()).casefold()


class TenantHasTwoBooks(Exception):
    """Two people of one tenant each have billing rows."""


def forwards(apps, schema_editor):
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    Reseller = apps.get_model("accounts", "Reseller")
    models = [apps.get_model("billing", name) for name in MODELS]

    people = set()
    for model in models:
        people |= set(model.objects.values_list("reseller_id", flat=True).distinct())
    tenants = {}
    for user in User.objects.filter(pk__in=people).order_by("pk"):
        key = _canonical(user.username)
        if key in tenants:
            raise TenantHasTwoBooks(
                f"More than one login of mSpace account {key!r} has prices, sales or receipts "
                f"(users {tenants[key][1]} and {user.pk}); their receipt numbers cannot be "
                "merged automatically. Nothing was changed."
            )
        tenant, _ = Reseller.objects.get_or_create(username=key)
        tenants[key] = (tenant, user.pk)
        for model in models:
            model.objects.filter(reseller_id=user.pk).update(tenant=tenant)


def backwards(apps, schema_editor):
    """Back to the user: the tenant's first (lowest) person with that canonical username."""
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    Reseller = apps.get_model("accounts", "Reseller")
    models = [apps.get_model("billing", name) for name in MODELS]
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
                f"Billing rows of {tenant.username!r} have no user to go back to; the previous "
                "release cannot keep them. Nothing was changed."
            )
        for model in models:
            model.objects.filter(tenant=tenant).update(reseller_id=person)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_tenant")]

    operations = [migrations.RunPython(forwards, backwards)]
