"""Names a batch row's or a refill's ledger entry as made by that batch or rule."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.tenancy import rows
from batches.models import Batch, BatchRow, Refill, RefillRule
from messaging import sources


@sources.register
def batch_and_rule_entries(reseller, entries) -> dict:
    by_key = {entry.form_key: entry.pk for entry in entries}
    found = {}
    # By key, not by the row's link: a row whose worker died between the claim and the link
    # is still named. Only the reseller's own batches and rules are searched.
    batch_rows = BatchRow.objects.filter(batch__in=rows(Batch, reseller), key__in=by_key)
    for key, batch_id in batch_rows.values_list("key", "batch_id"):
        found[by_key[key]] = sources.Source(
            f"batch {batch_id}",
            _("bulk top-up %(number)s") % {"number": batch_id},
            reverse("batches:batch", args=[batch_id]),
        )
    refills = Refill.objects.filter(rule__in=rows(RefillRule, reseller), key__in=by_key)
    for key, target in refills.values_list("key", "rule__target"):
        found[by_key[key]] = sources.Source(
            "rule", _("refill rule of %(name)s") % {"name": target}, reverse("batches:refills")
        )
    return found
