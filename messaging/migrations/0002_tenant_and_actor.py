"""Ledger rows and preferences move from the logged-in user to the tenant (`Reseller`).

Step 1 of 3, schema only (PostgreSQL must not alter a table with row updates pending in the
same transaction): new columns for who acted and for the tenant, empty for now; the old user
column stays until 0003 has copied it. 0004 drops it and puts the tenant in its place.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("messaging", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="ledgerentry", name="ledger_one_open_top_up_per_account"
        ),
        migrations.RemoveIndex(model_name="ledgerentry", name="ledger_reseller_newest"),
        migrations.RemoveIndex(model_name="ledgerentry", name="ledger_target"),
        migrations.RemoveIndex(model_name="ledgerentry", name="ledger_reseller_changed"),
        # Nullable, so that going back from 0004 can add it again before 0003 refills it.
        migrations.AlterField(
            model_name="ledgerentry",
            name="reseller",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="ledger_actions",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="actor_name",
            field=models.CharField(
                default="", help_text="who acted, as they logged in", max_length=150
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="tenant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.reseller",
            ),
        ),
        migrations.AlterField(
            model_name="resellerpreferences",
            name="reseller",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="resellerpreferences",
            name="tenant",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.reseller",
            ),
        ),
    ]
