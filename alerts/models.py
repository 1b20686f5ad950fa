"""Alerts: who to tell, when, and a record of every alert.

The two steps healthchecks taught (STYLE.md): a crossing below a threshold is first recorded
once (`Crossing`, written only by the check whose conditional UPDATE disarmed the rule), and
the messages it causes (`Alert`) are then sent once each (claimed by another conditional
UPDATE; an alert SMS also goes through the ledger's one-time key).
"""

import uuid
from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

DEFAULT_CLIENT_TEMPLATE = gettext_noop(
    "Dear {name}, your SMS balance is {balance} SMS, about {days_left} days left. "
    "Top up soon to keep sending."
)


class AlertSettings(models.Model):
    """A reseller's rules and their own phone and e-mail (`/alerts/`)."""

    reseller = models.OneToOneField(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="alert_settings"
    )
    email = models.EmailField(blank=True)
    # An address is used only once its owner followed the signed link sent to it.
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The one link that may confirm `email`; emptied when used (single use) or replaced.
    confirmation_nonce = models.CharField(max_length=64, blank=True)
    phone = models.CharField(max_length=20, blank=True)  # international digits
    sender_id = models.CharField(max_length=15, blank=True)
    on_low_balance = models.BooleanField(default=True)
    on_running_out = models.BooleanField(default=True)
    running_out_days = models.PositiveSmallIntegerField(default=3)
    on_own_balance = models.BooleanField(default=True)
    own_threshold = models.PositiveIntegerField(default=1000)
    # Re-armed only above threshold + this share of it, so a balance wobbling around the
    # threshold alerts once, not at every wobble.
    rearm_percent = models.PositiveSmallIntegerField(default=10)
    client_template = models.TextField(default=DEFAULT_CLIENT_TEMPLATE)
    quiet_from = models.TimeField(default=time(21, 0))
    quiet_until = models.TimeField(default=time(7, 0))
    time_zone = models.CharField(max_length=64, default="Africa/Nairobi")
    updated_at = models.DateTimeField(auto_now=True)
    # The newest watch round already checked: a check only looks again after a newer one.
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "alert settings"

    def __str__(self):
        return f"alert settings of {self.reseller}"

    @property
    def email_confirmed(self) -> bool:
        return bool(self.email and self.email_confirmed_at)


class Book(models.TextChoices):
    OWN = "own", _("your balance")
    CLIENTS = "clients", _("client")
    SUB_ACCOUNTS = "subaccounts", _("sub-account")


class AccountContact(models.Model):
    """Our details for one client or sub-account (the name is mSpace's)."""

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="account_contacts"
    )
    book = models.CharField(max_length=12, choices=Book.choices)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    note = models.TextField(blank=True)
    # None: the dashboard's low-balance threshold.
    low_balance = models.PositiveIntegerField(null=True, blank=True)
    alert_client = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "book", "name"], name="alerts_one_contact_per_account"
            )
        ]

    def __str__(self):
        return f"contact of {self.book} {self.name}"


class Rule(models.TextChoices):
    LOW_BALANCE = "low_balance", _("below threshold")
    RUNNING_OUT = "running_out", _("running out soon")


class AlertState(models.Model):
    """Whether a rule may fire for an account: disarmed by a crossing, re-armed on recovery."""

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="alert_states"
    )
    book = models.CharField(max_length=12, choices=Book.choices)
    name = models.CharField(max_length=200, blank=True)
    rule = models.CharField(max_length=12, choices=Rule.choices)
    armed = models.BooleanField(default=True)
    crossings = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "book", "name", "rule"], name="alerts_one_state_per_rule"
            )
        ]

    def __str__(self):
        return f"{self.rule} of {self.book} {self.name}: {'armed' if self.armed else 'fired'}"


class Crossing(models.Model):
    """One fall below a threshold: the event every alert about it points to."""

    state = models.ForeignKey(AlertState, on_delete=models.CASCADE, related_name="crossing_rows")
    # The state's crossing count when it fired: UNIQUE with the state, so two checks that
    # both saw the fall can never both record it.
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    balance = models.BigIntegerField()
    threshold = models.BigIntegerField(help_text="SMS, or days for running out")
    days_left = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["state", "number"], name="alerts_one_row_per_crossing")
        ]

    def __str__(self):
        return f"{self.state.name or 'own'} {self.state.rule} #{self.number}"


class Alert(models.Model):
    """One message to one recipient about one or more crossings (a digest)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    class Audience(models.TextChoices):
        RESELLER = "reseller", _("you")
        CLIENT = "client", _("the client")

    class Status(models.TextChoices):
        HELD = "held", _("held for quiet hours")
        QUEUED = "queued", _("waiting to be sent")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        UNKNOWN = "unknown", _("unknown")

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="alerts"
    )
    created_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    recipient = models.CharField(max_length=254)
    sender_id = models.CharField(max_length=15, blank=True)
    crossings = models.ManyToManyField(Crossing, related_name="alerts")
    subject = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices)
    send_after = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    detail = models.TextField(blank=True)
    # The alert SMS's one-time key in the ledger: UNIQUE there, so it is sent at most once.
    ledger_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ledger_entry = models.OneToOneField(
        "messaging.LedgerEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alert",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reseller", "-created_at"], name="alerts_newest"),
            models.Index(fields=["status", "send_after"], name="alerts_due"),
        ]

    def __str__(self):
        return f"{self.channel} alert to {self.recipient}: {self.status}"

    @property
    def accounts(self) -> str:
        names = []
        for crossing in self.crossings.all():
            shown = crossing.state.name or str(Book.OWN.label)
            if shown not in names:
                names.append(shown)
        return ", ".join(names)

    @property
    def rules(self) -> str:
        labels = []
        for crossing in self.crossings.all():
            label = str(Rule(crossing.state.rule).label)
            if label not in labels:
                labels.append(label)
        return ", ".join(labels)
