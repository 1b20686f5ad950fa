"""Step 3 of 3: every ledger row and preference has its tenant. The old user column goes, the
tenant takes the name `reseller`, becomes required, and the ledger is indexed and constrained
by tenant as it was by user."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_fill_tenants")]

    operations = [
        migrations.RemoveField(model_name="ledgerentry", name="reseller"),
        migrations.RenameField(model_name="ledgerentry", old_name="tenant", new_name="reseller"),
        migrations.AlterField(
            model_name="ledgerentry",
            name="reseller",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ledger_entries",
                to="accounts.reseller",
            ),
        ),
        migrations.RemoveField(model_name="resellerpreferences", name="reseller"),
        migrations.RenameField(
            model_name="resellerpreferences", old_name="tenant", new_name="reseller"
        ),
        migrations.AlterField(
            model_name="resellerpreferences",
            name="reseller",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="preferences",
                to="accounts.reseller",
            ),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["reseller", "-created_at"], name="ledger_reseller_newest"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                fields=["reseller", "kind", "target", "status"], name="ledger_target"
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["pending", "unknown"]))
                & models.Q(("kind", "test_sms"), _negated=True),
                fields=("reseller", "kind", "target"),
                name="ledger_one_open_top_up_per_account",
            ),
        ),
    ]
