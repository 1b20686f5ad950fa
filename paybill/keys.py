"""The one-time keys a payment's ledger rows are claimed under, remembered per payment."""

from accounts.tenancy import rows
from paybill.models import PaymentKey


def remember(payment, key) -> None:
    """Note, before the claim, that `payment` claims a ledger row under `key`."""
    rows(PaymentKey, payment.reseller_id).get_or_create(
        key=key, defaults={"reseller_id": payment.reseller_id, "payment": payment}
    )
