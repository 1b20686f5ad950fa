"""The ledger: one row per credit-moving call, written before the gateway is asked."""

import uuid

from django.conf import settings
from django.db import models, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Reseller
from accounts.tenancy import rows


class LedgerQuerySet(models.QuerySet):
    """Every write to the ledger bumps its resellers' `version` in the same transaction.

    Cached reads of mSpace are trusted only while the reseller's version is unchanged
    (`messaging.reads`), so a writer that forgot would serve stale balances: here, no writer
    can forget. `update()` also keeps `updated_at` true, which `auto_now` alone does not.
    """

    def update(self, **fields):
        fields.setdefault("updated_at", timezone.now())
        with transaction.atomic(using=self.db):
            resellers = set(self.values_list("reseller_id", flat=True).order_by())
            changed = super().update(**fields)
            if changed:
                _bump(resellers, using=self.db)
        return changed

    def delete(self):
        with transaction.atomic(using=self.db):
            resellers = set(self.values_list("reseller_id", flat=True).order_by())
            deleted = super().delete()
            _bump(resellers, using=self.db)
        return deleted

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db):
            made = super().bulk_create(objs, *args, **kwargs)
            _bump({obj.reseller_id for obj in objs}, using=self.db)
        return made

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db):
            changed = super().bulk_update(objs, fields, *args, **kwargs)
            _bump({obj.reseller_id for obj in objs}, using=self.db)
        return changed


def _bump(reseller_ids, *, using) -> None:
    if reseller_ids:
        Reseller.objects.using(using).filter(pk__in=reseller_ids).update(version=F("version") + 1)


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        CLIENT_TOP_UP = "client_topup", _("client top-up")
        SUB_ACCOUNT_TOP_UP = "subaccount_topup", _("sub-account top-up")
        TEST_SMS = "test_sms", _("test SMS")
        # Sent by the worker with the standing credential (alerts/); costs credit like a test SMS.
        ALERT_SMS = "alert_sms", _("alert SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        UNKNOWN = "unknown", _("unknown")

    # Messages sent (they cost their parts), as opposed to credit moved to an account.
    SMS_KINDS = (Kind.TEST_SMS, Kind.ALERT_SMS)

    # Whose money: the tenant. Who acted: a person (None for background work, which names
    # itself in `actor_name`); the name stays when the person is deleted.
    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="ledger_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ledger_actions",
    )
    actor_name = models.CharField(max_length=150, help_text="who acted, as they logged in")
    # The form's one-time key. UNIQUE is what makes a replayed or double-clicked form reach
    # the gateway once: the second insert fails before any call is made.
    form_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    target = models.CharField(max_length=200, help_text="client, sub-account or recipient")
    amount = models.PositiveIntegerField(help_text="SMS moved (a test SMS: its parts)")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    detail = models.TextField(blank=True, help_text="the outcome in plain words")
    gateway_reply = models.TextField(blank=True, help_text="what mSpace answered, verbatim")
    message_id = models.CharField(max_length=100, blank=True)
    sender_id = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    # Read just before the call, so an unknown outcome can be settled by re-reading them.
    balance_before = models.BigIntegerField(null=True, blank=True)
    target_balance_before = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Checking an unknown outcome afterwards: when, by whom (a username, with "balance check"
    # when the app decided from the balances) and what was found.
    reconciled_at = models.DateTimeField(null=True, blank=True)
    reconciled_by = models.CharField(max_length=200, blank=True)
    reconcile_note = models.TextField(blank=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["reseller", "-created_at"], name="ledger_reseller_newest"),
            models.Index(fields=["reseller", "kind", "target", "status"], name="ledger_target"),
        ]
        constraints = [
            # At most one open (pending or unknown) top-up per account: an unknown outcome is
            # settled by comparing the account's balance with the one read before it, which
            # only works while nothing else of ours moves credit to that account meanwhile.
            models.UniqueConstraint(
                fields=["reseller", "kind", "target"],
                condition=models.Q(status__in=["pending", "unknown"])
                & ~models.Q(kind__in=["test_sms", "alert_sms"]),
                name="ledger_one_open_top_up_per_account",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.amount} to {self.target}: {self.status}"

    def save(self, *args, **kwargs):
        # See `LedgerQuerySet`: a row written one at a time bumps its reseller's version too.
        using = kwargs.get("using") or router.db_for_write(LedgerEntry, instance=self)
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            _bump({self.reseller_id}, using=using)

    def delete(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(LedgerEntry, instance=self)
        with transaction.atomic(using=using):
            reseller_id = self.reseller_id
            deleted = super().delete(*args, **kwargs)
            _bump({reseller_id}, using=using)
        return deleted

    @property
    def is_top_up(self):
        return self.kind not in self.SMS_KINDS

    @property
    def sms_moved(self) -> int | None:
        """SMS this entry took from the reseller's balance: the amount if it went through, 0
        if it did not (a failed test SMS is not charged), None while nobody knows."""
        if self.status == self.Status.SUCCEEDED:
            return self.amount
        if self.status == self.Status.FAILED:
            return 0
        return None

    @property
    def balance_after(self) -> int | None:
        """The reseller's balance just after, from the one read just before; None until the
        outcome is known or if no balance was read."""
        moved = self.sms_moved
        if moved is None or self.balance_before is None:
            return None
        return self.balance_before - moved

    @property
    def target_balance_after(self) -> int | None:
        """The topped-up account's balance just after, worked out the same way."""
        moved = self.sms_moved
        if not self.is_top_up or moved is None or self.target_balance_before is None:
            return None
        return self.target_balance_before + moved


class ResellerPreferences(models.Model):
    """What a reseller chose on their dashboard, remembered between sessions."""

    DEFAULT_LOW_BALANCE = 100

    reseller = models.OneToOneField(Reseller, on_delete=models.CASCADE, related_name="preferences")
    low_balance = models.PositiveIntegerField(
        default=DEFAULT_LOW_BALANCE,
        help_text="A client or sub-account with fewer SMS than this is running low.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reseller preferences"

    def __str__(self):
        return f"preferences of {self.reseller}"

    @classmethod
    def low_balance_for(cls, reseller) -> int:
        """The reseller's low-balance threshold, or the default if they never chose one."""
        chosen = rows(cls, reseller).values_list("low_balance", flat=True)
        return next(iter(chosen), cls.DEFAULT_LOW_BALANCE)
