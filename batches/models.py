"""Bulk top-ups (a batch of rows) and automatic refills (a rule per account, and its refills).

Neither holds an outcome of its own: every row and every refill is one ledger entry
(`messaging.LedgerEntry`) whose one-time key is derived from the batch or the rule
(`batches.keys`), so the ledger alone says what was sent, also after a crash.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Reseller
from messaging.models import LedgerEntry


class Batch(models.Model):
    """One confirmed bulk top-up, run by the worker row by row."""

    class Rule(models.TextChoices):
        UP_TO = "up_to", _("bring every account below a balance up to another")
        ADD = "add", _("add the same number of SMS to each chosen account")

    # Whose money (the tenant); `by` is who confirmed it.
    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="batches")
    book = models.CharField(max_length=20)  # "clients" or "subaccounts" (messaging.books)
    # The confirm form's one-time key: a replayed or doubled confirm finds this batch.
    form_key = models.UUIDField(unique=True)
    rule = models.CharField(max_length=10, choices=Rule.choices)
    below = models.PositiveIntegerField(null=True, blank=True)
    up_to = models.PositiveIntegerField(null=True, blank=True)
    add = models.PositiveIntegerField(null=True, blank=True)
    by = models.CharField(max_length=200)
    # The reseller's own balance read fresh when they confirmed.
    balance_before = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why the worker stopped early, in the reseller's words (watch turned off, say).
    note = models.TextField(blank=True)
    # Which worker runs it ("host:pid") and until when that claim holds without a heartbeat.
    owner = models.CharField(max_length=200, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "batches"
        constraints = [
            # One unfinished batch per reseller: two would each make BULK_CONCURRENCY calls.
            models.UniqueConstraint(
                fields=["reseller"],
                condition=Q(finished_at__isnull=True),
                name="batch_one_running_per_reseller",
            ),
        ]

    def __str__(self):
        return f"batch {self.pk} of {self.reseller}"


class BatchRow(models.Model):
    """One account of a batch: its amount, and how far the worker got with it. The batch's
    reseller's: read only through its batch (`batch.rows`), itself read through
    `accounts.tenancy.rows`."""

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting")
        STARTED = "started", _("started")  # taken by a worker; its ledger row may exist
        SENT = "sent", _("sent")  # its ledger row exists and says the outcome
        SKIPPED = "skipped", _("not sent")
        CANCELLED = "cancelled", _("cancelled")

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    target = models.CharField(max_length=200)
    amount = models.PositiveIntegerField()
    target_balance_before = models.BigIntegerField(null=True, blank=True)
    # The ledger entry's one-time key, derived from the batch's (batches.keys.for_row).
    key = models.UUIDField(unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    detail = models.TextField(blank=True)
    entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="batch_row"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "target"], name="batch_row_once_per_account")
        ]

    def __str__(self):
        return f"{self.target}: {self.amount} ({self.state})"


class RefillRule(models.Model):
    """Opt-in, per account: when its balance is below `below`, top it up by `amount`."""

    reseller = models.ForeignKey(Reseller, on_delete=models.CASCADE, related_name="refill_rules")
    book = models.CharField(max_length=20)
    target = models.CharField(max_length=200)
    below = models.PositiveIntegerField()
    amount = models.PositiveIntegerField()
    times_a_day = models.PositiveIntegerField()
    sms_a_month = models.PositiveIntegerField()
    reserve = models.PositiveIntegerField()
    # Refill keys are derived from this and the crossing number (batches.keys.for_refill).
    key = models.UUIDField(unique=True)
    # Armed: the next round that finds the balance below `below` refills. A refill disarms
    # the rule; a round that finds the balance back at or above `below` arms it again and
    # counts a new crossing. So a rule fires once per crossing.
    armed = models.BooleanField(default=True)
    crossing = models.PositiveIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.TextField(blank=True)
    # The last time a round skipped a refill because of a cap, and which.
    held_back = models.TextField(blank=True)
    by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["book", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "book", "target"], name="refill_one_rule_per_account"
            )
        ]

    def __str__(self):
        return f"refill {self.target} below {self.below} by {self.amount}"


class Refill(models.Model):
    """One refill a rule made: written before its top-up is claimed and sent. The rule's
    reseller's: read only through its rule (`rule.refills`)."""

    rule = models.ForeignKey(RefillRule, on_delete=models.CASCADE, related_name="refills")
    key = models.UUIDField(unique=True)
    amount = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="refill"
    )
    # Why nothing was sent, if so.
    detail = models.TextField(blank=True)
    # When the reseller resumed the rule after this refill went wrong: it pauses it no more.
    looked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"refill of {self.amount} by rule {self.rule_id}"
