"""Step 3 of 3: every watch/ row has its tenant. The old user column goes, the tenant takes
the name `reseller`, becomes required, and is indexed and constrained as the user was."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("watch", "0003_fill_tenants")]

    operations = [
        migrations.RemoveField(model_name="standingcredential", name="reseller"),
        migrations.RenameField(model_name="standingcredential", old_name="tenant", new_name="reseller"),
        migrations.AlterField(
            model_name="standingcredential",
            name="reseller",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="standing_credential",
                to="accounts.reseller",
            ),
        ),
        migrations.RemoveField(model_name="watchevent", name="reseller"),
        migrations.RenameField(model_name="watchevent", old_name="tenant", new_name="reseller"),
        migrations.AlterField(
            model_name="watchevent",
            name="reseller",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="watch_events",
                to="accounts.reseller",
            ),
        ),
        migrations.RemoveField(model_name="watchround", name="reseller"),
        migrations.RenameField(model_name="watchround", old_name="tenant", new_name="reseller"),
        migrations.AlterField(
            model_name="watchround",
            name="reseller",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="watch_rounds",
                to="accounts.reseller",
            ),
        ),
        migrations.RemoveField(model_name="watchedaccount", name="reseller"),
        migrations.RenameField(model_name="watchedaccount", old_name="tenant", new_name="reseller"),
        migrations.AlterField(
            model_name="watchedaccount",
            name="reseller",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="watched_accounts",
                to="accounts.reseller",
            ),
        ),
        migrations.AddIndex(
            model_name="watchevent",
            index=models.Index(fields=["reseller", "-at"], name="watch_event_newest"),
        ),
        migrations.AddIndex(
            model_name="watchround",
            index=models.Index(fields=["reseller", "-at"], name="watch_round_newest"),
        ),
        migrations.AddConstraint(
            model_name="watchedaccount",
            constraint=models.UniqueConstraint(fields=("reseller", "book", "name"), name="watch_one_row_per_account"),
        ),
    ]
