"""The money side of a reseller's business: prices, sales (one per top-up), payments, receipts.

The credit ledger (`messaging.LedgerEntry`) says what SMS moved; a `Sale` says what that
top-up cost the client, and `Payment` rows say what the client paid. Every amount shown is
one of these rows, or a sum of them, so each can be traced back to its ledger entry.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.money import AMOUNT_DIGITS, PRICE_DIGITS, PRICE_PLACES, Currency


def _price_field(**options):
    return models.DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, **options)


def _amount_field(**options):
    return models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2, **options)


class BusinessProfile(models.Model):
    """What a reseller's receipts and statements say about them, and their default prices."""

    reseller = models.OneToOneField(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="business_profile"
    )
    business_name = models.CharField(_("business name"), max_length=120, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    # The logo lives in the database, not on disk: every app server sees it, and a backup of
    # the database is a backup of everything. It is small (size-capped) and re-encoded as PNG.
    logo_png = models.BinaryField(blank=True, default=b"")
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.CHOICES, default=Currency.KES
    )
    default_price = _price_field(verbose_name=_("selling price per SMS"), null=True, blank=True)
    buying_price = _price_field(verbose_name=_("your buying price per SMS"), null=True, blank=True)
    # The next receipt number. Read and raised only under a row lock (`receipts.issue`), so
    # numbers go 1, 2, 3... with no gap and no number twice, however many workers issue.
    next_receipt_number = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.business_name or f"business of {self.reseller}"


class AccountPrice(models.Model):
    """A selling price per SMS for one client or sub-account, instead of the default."""

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="account_prices"
    )
    kind = models.CharField(max_length=20)  # the ledger kind: client or sub-account top-up
    name = models.CharField(max_length=200)
    price = _price_field()
    currency = models.CharField(max_length=3, choices=Currency.CHOICES)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "kind", "name"], name="billing_one_price_per_account"
            )
        ]
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.name}: {self.price} {self.currency}"


class Sale(models.Model):
    """The money side of one top-up: its price, amount, receipt and the payment promised.

    Written before mSpace is asked (keyed by the form's one-time key, as the ledger row is),
    linked to the ledger entry once it exists. Only a succeeded top-up counts as a sale and
    gets a receipt number.
    """

    class Method(models.TextChoices):
        MPESA = "mpesa", _("M-Pesa")
        CASH = "cash", _("cash")
        BANK = "bank", _("bank")
        OTHER = "other", _("other")

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.PROTECT, related_name="sales"
    )
    form_key = models.UUIDField(unique=True)
    entry = models.OneToOneField(
        "messaging.LedgerEntry", on_delete=models.PROTECT, null=True, related_name="sale"
    )
    kind = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    sms = models.PositiveIntegerField()
    # None when no price was set when it was sold: the sale has no amount, and is shown so.
    price = _price_field(null=True)
    currency = models.CharField(max_length=3, choices=Currency.CHOICES)
    amount = _amount_field(null=True)
    buying_price = _price_field(null=True)
    # The payment taken with the top-up, recorded as a `Payment` when the top-up succeeds
    # (a failed top-up takes no money, so its promised payment never becomes one).
    promised_amount = _amount_field(null=True)
    promised_method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    promised_reference = models.CharField(max_length=40, blank=True)
    receipt_number = models.PositiveIntegerField(null=True)
    receipt_issued_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "receipt_number"], name="billing_one_receipt_per_number"
            )
        ]
        indexes = [models.Index(fields=["reseller", "kind", "name"], name="billing_sale_account")]

    def __str__(self):
        return f"sale of {self.sms} SMS to {self.name}"


class Payment(models.Model):
    """Money a client paid for one sale, when and how. A sale may be paid in several parts."""

    Method = Sale.Method

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.PROTECT, related_name="payments"
    )
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="payments")
    amount = _amount_field()
    currency = models.CharField(max_length=3, choices=Currency.CHOICES)
    method = models.CharField(max_length=10, choices=Method.choices)
    reference = models.CharField(max_length=40, blank=True)
    paid_at = models.DateTimeField(db_index=True)
    recorded_by = models.CharField(max_length=200)  # the person who recorded it
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_at", "id"]

    def __str__(self):
        return f"{self.amount} {self.currency} for sale {self.sale_id}"
