"""M-Pesa payments to a reseller's Paybill, and what became of each.

A payment notice is stored first (one row per TransID per reseller, whatever arrives again),
then acted on once: its SMS are topped up through the ledger under the payment's own one-time
key (`form_key`), so no second notice, second node or restarted worker can credit it twice.
"""

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.money import AMOUNT_DIGITS, PRICE_DIGITS, PRICE_PLACES


def new_secret() -> str:
    # 32 URL-safe characters (192 bits): the callback URL is its own credential.
    return secrets.token_urlsafe(24)


class PaybillLink(models.Model):
    """A reseller's secret callback address (and, optionally, their Paybill number)."""

    reseller = models.OneToOneField(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="paybill_link"
    )
    secret = models.CharField(max_length=64, unique=True, default=new_secret)
    # When set, a notice for another shortcode is refused, and the daily check asks about it.
    short_code = models.CharField(_("Paybill number"), max_length=10, blank=True)
    # Optionally an SMS tells the client its payment became SMS: to the phone in its contact
    # details (alerts/), from this sender ID, on the reseller's own mSpace account.
    tell_client = models.BooleanField(_("Tell the client by SMS"), default=False)
    sender_id = models.CharField(_("Sender ID"), max_length=15, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    renewed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Paybill link of {self.reseller}"


class AccountNumber(models.Model):
    """An account number the reseller gave a client, for clients whose name is awkward to type.

    Matching ignores case and spaces: `key` is the number in that form.
    """

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="paybill_numbers"
    )
    number = models.CharField(_("account number"), max_length=40)
    key = models.CharField(max_length=40)
    client = models.CharField(_("client"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["reseller", "key"], name="paybill_one_account_number")
        ]

    def __str__(self):
        return f"{self.number} → {self.client}"


class MpesaPayment(models.Model):
    """One M-Pesa payment, as Daraja described it, and what was done with it."""

    class State(models.TextChoices):
        RECEIVED = "received", _("received")  # stored; the worker has not taken it yet
        CREDITING = "crediting", _("being topped up")  # a worker took it
        TOPPED_UP = "topped_up", _("topped up")  # its ledger entry says how that went
        TO_ASSIGN = "to_assign", _("to assign")  # waits for the reseller: see `reason`
        REFUNDED = "refunded", _("refunded")  # the reseller gave the money back

    class Arrival(models.TextChoices):
        NOTICE = "notice", _("payment notice")
        CHECK = "check", _("daily check")

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.PROTECT, related_name="mpesa_payments"
    )
    # Daraja's fields, as sent (the MSISDN is nowadays a SHA-256 hash, not a phone number).
    trans_id = models.CharField(max_length=20)
    transaction_type = models.CharField(max_length=40, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    amount = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    short_code = models.CharField(max_length=20, blank=True)
    bill_ref = models.CharField(max_length=100, blank=True)
    invoice_number = models.CharField(max_length=100, blank=True)
    org_account_balance = models.CharField(max_length=40, blank=True)
    third_party_trans_id = models.CharField(max_length=100, blank=True)
    msisdn = models.CharField(max_length=100, blank=True)
    payer = models.CharField(max_length=200, blank=True)  # first, middle and last name
    arrived_by = models.CharField(max_length=10, choices=Arrival.choices, default=Arrival.NOTICE)
    # How many notices Daraja sent about it (0 when only the daily check found it).
    notices = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # What became of it.
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    state_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)  # why it waits to be assigned, in plain words
    client = models.CharField(max_length=200, blank=True)
    sms = models.PositiveIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, null=True)
    left_over = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2, null=True)
    # The ledger's one-time key for this payment's top-up: UNIQUE there too, so whatever
    # happens here, the payment's top-up reaches mSpace at most once. Replaced only once it
    # is spent (a ledger row exists under it: a top-up that failed, to be assigned again).
    form_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    entry = models.OneToOneField(
        "messaging.LedgerEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mpesa_payment",
    )
    handled_by = models.CharField(max_length=200, blank=True)
    # Where the SMS telling the client goes (empty: nobody is told), decided with the top-up,
    # and that SMS's ledger row once sent (its key is derived from the payment: sent once).
    tell_phone = models.CharField(max_length=20, blank=True)
    told_entry = models.OneToOneField(
        "messaging.LedgerEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mpesa_told",
    )
    # Who holds it now: a new token at every take. A worker writes to the payment only while
    # the token is still the one it took it with, so one presumed dead long ago changes nothing.
    taken_as = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "trans_id"], name="paybill_one_per_trans_id"
            )
        ]
        indexes = [models.Index(fields=["state", "state_at"], name="paybill_state")]

    def __str__(self):
        return f"M-Pesa {self.trans_id}: {self.amount} for {self.bill_ref or '?'}"


class PaymentKey(models.Model):
    """Every one-time key a payment's ledger rows were claimed under: each top-up tried for it
    (a failed one assigned again gets a new key) and the SMS telling the client. Written
    before the claim, so the activity page can name each of those rows as the payment's."""

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="mpesa_payment_keys"
    )
    payment = models.ForeignKey(MpesaPayment, on_delete=models.CASCADE, related_name="keys")
    key = models.UUIDField(unique=True)

    def __str__(self):
        return f"key {self.key} of {self.payment}"
