"""Step 3 of 3: every billing/ row has its tenant. The old user column goes, the tenant takes
the name `reseller`, becomes required, and is indexed and constrained as the user was."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_fill_tenants")]

    operations = [
        migrations.RemoveField(model_name="businessprofile", name="reseller"),
        migrations.RenameField(model_name="businessprofile", old_name="tenant", new_name="reseller"),
        migrations.AlterField(
            model_name="businessprofile",
            name="reseller",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="business_profile",
                to="accounts.reseller",
            ),
        ),
        migrations.RemoveField(model_name="accountprice", name="reseller"),
        migrations.RenameField(model_name="accountprice", old_name="tenant", new_name="reseller"),
        migrations.AlterField(
            model_name="accountprice",
            name="reseller",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="account_prices",
                to="accounts.reseller",
            ),
        ),
        migrations.RemoveField(model_name="sale", name="reseller"),
        migrations.RenameField(model_name="sale", old_name="tenant", new_name="reseller"),
        migrations.AlterField(
            model_name="sale",
            name="reseller",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sales",
                to="accounts.reseller",
            ),
        ),
        migrations.RemoveField(model_name="payment", name="reseller"),
        migrations.RenameField(model_name="payment", old_name="tenant", new_name="reseller"),
        migrations.AlterField(
            model_name="payment",
            name="reseller",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="accounts.reseller",
            ),
        ),
        migrations.AddIndex(
            model_name="sale",
            index=models.Index(fields=["reseller", "kind", "name"], name="billing_sale_account"),
        ),
        migrations.AddConstraint(
            model_name="accountprice",
            constraint=models.UniqueConstraint(fields=("reseller", "kind", "name"), name="billing_one_price_per_account"),
        ),
        migrations.AddConstraint(
            model_name="sale",
            constraint=models.UniqueConstraint(fields=("reseller", "receipt_number"), name="billing_one_receipt_per_number"),
        ),
    ]
