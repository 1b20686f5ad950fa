"""watch/ rows move from the logged-in user to the tenant (`accounts.Reseller`), as the
ledger did in messaging 0002-0004.

Step 1 of 3, schema only (PostgreSQL must not alter a table with row updates pending in the
same transaction): a nullable `tenant` beside the old user column, which stays until 0003 has
filled the tenant; 0004 drops it and puts the tenant in its place.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("watch", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="watchevent", name="watch_event_newest"),
        migrations.RemoveIndex(model_name="watchround", name="watch_round_newest"),
        migrations.RemoveConstraint(model_name="watchedaccount", name="watch_one_row_per_account"),
        migrations.AlterField(
            model_name="standingcredential",
            name="reseller",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="standingcredential",
            name="tenant",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.reseller",
            ),
        ),
        migrations.AlterField(
            model_name="watchevent",
            name="reseller",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="watchevent",
            name="tenant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.reseller",
            ),
        ),
        migrations.AlterField(
            model_name="watchround",
            name="reseller",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="watchround",
            name="tenant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.reseller",
            ),
        ),
        migrations.AlterField(
            model_name="watchedaccount",
            name="reseller",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="watchedaccount",
            name="tenant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.reseller",
            ),
        ),
    ]
