"""Names a ledger entry made for an M-Pesa payment (its top-up, a top-up tried before and
failed, the SMS telling the client) as the payment's: `payment` in the activity CSV."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.tenancy import rows
from messaging import sources
from paybill.models import PaymentKey


@sources.register
def payment_entries(reseller, entries) -> dict:
    by_key = {entry.form_key: entry.pk for entry in entries}
    found = {}
    # By key, not by the payment's link: a row whose worker died between the claim and the
    # link, or a top-up that failed before the payment was assigned again, is still named.
    keys = rows(PaymentKey, reseller).filter(key__in=by_key)
    for key, code in keys.values_list("key", "payment__trans_id"):
        found[by_key[key]] = sources.Source(
            "payment",
            _("M-Pesa payment %(code)s") % {"code": code},
            reverse("paybill:payments"),
        )
    return found
