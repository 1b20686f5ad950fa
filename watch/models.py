"""Keep watch: the consented standing credential, what happened to it, and balance history.

History is compact: an account's balance is stored only when it changed (`BalancePoint`),
each day's use and top-ups are added up as changes arrive (`DailyUse`), and every round that
read a reseller's balances is a `WatchRound` row, so "unchanged since" is known without a
row per account per round.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StandingCredential(models.Model):
    """A reseller's mSpace password, kept (encrypted under WATCH_KEYS) for the worker.

    Only with the reseller's consent on /watch/; deleted at once when they stop, or when
    mSpace refuses it. Never copied into a session.
    """

    reseller = models.OneToOneField(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="standing_credential"
    )
    # Fernet token (watch/credential.py); the plain password is never stored.
    ciphertext = models.TextField()
    started_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"standing credential of {self.reseller}"


class WatchEvent(models.Model):
    """Every start, stop, key rotation and automatic stop, shown in /activity/."""

    class Kind(models.TextChoices):
        STARTED = "started", _("watch started")
        STOPPED = "stopped", _("watch stopped")
        ROTATED = "rotated", _("watch key rotated")
        AUTO_STOPPED = "auto_stopped", _("watch stopped by mSpace")

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="watch_events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.CharField(max_length=200, help_text="who acted: a username, or the worker")
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["reseller", "-at"], name="watch_event_newest")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.reseller} at {self.at:%Y-%m-%d %H:%M}"


class WatchRound(models.Model):
    """One read of a reseller's balances: by the worker, or by a page they opened."""

    class Source(models.TextChoices):
        WORKER = "worker", _("watch round")
        PAGE = "page", _("page opened")

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="watch_rounds"
    )
    at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    # What could be read: "own", "clients", "subaccounts"; the rest failed (see `problem`).
    books_read = models.CharField(max_length=40, blank=True)
    problem = models.TextField(blank=True, help_text="gateway trouble, in plain words")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["reseller", "-at"], name="watch_round_newest")]

    def __str__(self):
        return f"{self.get_source_display()} for {self.reseller} at {self.at:%Y-%m-%d %H:%M}"


class WatchedAccount(models.Model):
    """The last known balance of one account: the reseller's own, a client or a sub-account."""

    class Book(models.TextChoices):
        OWN = "own", _("your balance")
        CLIENTS = "clients", _("client")
        SUB_ACCOUNTS = "subaccounts", _("sub-account")

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="watched_accounts"
    )
    book = models.CharField(max_length=12, choices=Book.choices)
    name = models.CharField(max_length=200, blank=True)  # empty for the reseller's own
    balance = models.BigIntegerField()
    first_seen = models.DateTimeField()
    changed_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        db_table = "watch_watchedaccount"  # named in history.py's bulk UPDATE
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "book", "name"], name="watch_one_row_per_account"
            )
        ]

    def __str__(self):
        return f"{self.get_book_display()} {self.name} of {self.reseller}"


class BalancePoint(models.Model):
    """An account's balance from `at` on (until the next point): written only on a change."""

    account = models.ForeignKey(WatchedAccount, on_delete=models.CASCADE, related_name="points")
    at = models.DateTimeField()
    balance = models.BigIntegerField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["account", "at"], name="watch_point_account_time"),
            models.Index(fields=["at"], name="watch_point_time"),  # pruning
        ]

    def __str__(self):
        return f"{self.balance} SMS from {self.at:%Y-%m-%d %H:%M}"


class DailyUse(models.Model):
    """SMS an account used (sum of decreases) and received (sum of rises) on one local day."""

    account = models.ForeignKey(WatchedAccount, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    used = models.BigIntegerField(default=0)
    topped_up = models.BigIntegerField(default=0)

    class Meta:
        db_table = "watch_dailyuse"  # named in history.py's bulk UPDATE
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="watch_one_row_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="watch_day")]  # pruning, forecasts

    def __str__(self):
        return f"{self.day}: {self.used} used, {self.topped_up} topped up"


class RoundSchedule(models.Model):
    """When the next watch round is due: one row, claimed with a conditional UPDATE so that
    several workers (or nodes) asking at once start one round between them."""

    name = models.CharField(max_length=20, unique=True)
    next_due = models.DateTimeField()

    def __str__(self):
        return f"{self.name} due {self.next_due:%Y-%m-%d %H:%M}"
