"""The simulated gateway's state: accounts, the faults to inject, and a journal of calls."""

import hashlib
import hmac
import secrets

from django.db import models
from django.utils import timezone

from messaging import methods

# Deliberately cheap: benchmarks log in thousands of times, and these are demo accounts. The
# point is only that the plain password never rests in the database, which the app's own
# leak tests check by searching the whole database file.
_HASH_ITERATIONS = 1000
UNLIMITED = -1  # the balance mSpace's own code stores for an account with unlimited SMS


def _digest(salt: str, password: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _HASH_ITERATIONS).hex()


class SimAccount(models.Model):
    """An mSpace account: a reseller, a reseller's client, or someone's sub-account.

    Clients and sub-accounts are accounts too (`parent` + `relation`), as on the real gateway,
    where a client name is that client's own username.
    """

    CLIENT = "client"
    SUBACCOUNT = "subaccount"
    RELATIONS = [(CLIENT, "client"), (SUBACCOUNT, "sub-account")]

    username = models.CharField(max_length=150, db_index=True)  # every call looks it up
    password_hash = models.CharField(max_length=200, blank=True, editable=False)
    # SMS, as mSpace's own code keeps them: a decimal ("49.5" is possible there), and -1 for
    # an account with unlimited SMS, which no top-up or send ever changes.
    balance = models.DecimalField(max_digits=17, decimal_places=2, default=0)
    is_reseller = models.BooleanField(default=False)
    # A suspended account still reads its balance but is told to call mSpace on top-ups.
    suspended = models.BooleanField(default=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    relation = models.CharField(max_length=10, choices=RELATIONS, blank=True)
    sender_ids = models.TextField(blank=True, help_text="Allowed sender IDs, comma-separated.")
    # The demo lives: an account with a steady use spends this many SMS a day, counted from
    # `use_counted_at` whenever its balance is read (simulator/usage.py).
    use_per_day = models.PositiveIntegerField(default=0)
    use_counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "simulated account"
        constraints = [
            # Top-level usernames are unique, so a login is never ambiguous; a client or
            # sub-account name only within its book, so test worlds (alice's and demo's
            # "Mama Mboga Traders") can live side by side.
            models.UniqueConstraint(
                fields=["username"],
                condition=models.Q(parent__isnull=True),
                name="sim_unique_top_level_username",
            ),
            models.UniqueConstraint(fields=["parent", "username"], name="sim_unique_name_in_book"),
        ]

    def __str__(self):
        return self.username

    def set_password(self, password: str) -> None:
        salt = secrets.token_hex(8)
        self.password_hash = f"{salt}${_digest(salt, password)}"

    def check_password(self, password: str) -> bool:
        # An account made without a password (most clients) can never log in.
        salt, _, digest = self.password_hash.partition("$")
        if not digest:
            return False
        return hmac.compare_digest(digest, _digest(salt, password))

    @property
    def unlimited(self) -> bool:
        return self.balance == UNLIMITED

    def balance_text(self) -> str:
        """The balance as the gateway writes it: "1250", "49.5", "-1"."""
        whole = self.balance.to_integral_value()
        return str(int(whole)) if self.balance == whole else format(self.balance.normalize(), "f")

    def allowed_sender_ids(self) -> list[str]:
        return [s.strip() for s in self.sender_ids.split(",") if s.strip()]


class SimFault(models.Model):
    """A misbehaviour to inject into calls of one gateway method (or "*" for all)."""

    KINDS = [
        ("slow", "answer after `delay` seconds"),
        ("hang", "process the call, then never answer"),
        ("reset", "process the call, then drop the connection"),
        ("refuse", "refuse the connection; nothing processed"),
        ("http500", "Tomcat HTTP 500 page"),
        ("html", "HTML login page with status 200"),
        ("garbage", "random-looking text with status 200"),
        ("empty", "empty body with status 200"),
        ("truncated", "the right answer cut in half"),
        ("internal_error", "Internal service error"),
        ("sentence", "answer `reply` verbatim"),
        ("drip", "the right answer, one byte every `delay` seconds"),
        ("huge", "the right answer padded with spaces to `size` bytes (default 300 MB)"),
    ]

    method = models.CharField(max_length=40, default="*")
    kind = models.CharField(max_length=20, choices=KINDS)
    delay = models.FloatField(default=0.0)
    # None: until cleared; otherwise how many more calls it applies to.
    remaining = models.PositiveIntegerField(null=True, blank=True)
    probability = models.FloatField(default=1.0)
    reply = models.TextField(blank=True)
    # How big a "huge" reply is, in bytes (None: HUGE_REPLY_BYTES).
    size = models.PositiveBigIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = "simulated fault"

    def __str__(self):
        times = "until cleared" if self.remaining is None else f"{self.remaining} more"
        return f"{self.kind} on {self.method} ({times})"


class SimCallQuerySet(models.QuerySet):
    def writes(self):
        """Calls that try to move credit: top-ups and sends."""
        return self.filter(method__in=methods.WRITES)

    def received(self):
        """Calls that reached the gateway (a refused connection never did)."""
        return self.exclude(fault="refuse")

    def credit_moved_total(self) -> int:
        """SMS credit these calls actually took off their callers' balances."""
        total = self.filter(credit_moved=True).aggregate(total=models.Sum("amount"))["total"]
        return total or 0


class SimCall(models.Model):
    """One call the simulator received, for tests that compare the app's ledger with it.

    The password is never stored; nor is the path, which contains it.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=40)
    username = models.CharField(max_length=150, blank=True)
    # The client or sub-account name of a top-up, or the recipient of a send.
    target = models.CharField(max_length=200, blank=True)
    sender_id = models.CharField(max_length=50, blank=True)
    # SMS the call asks to move: `noofsms` of a top-up, the parts a message costs.
    amount = models.BigIntegerField(null=True, blank=True)
    parts = models.PositiveIntegerField(null=True, blank=True)
    credit_moved = models.BooleanField(default=False)
    message_id = models.CharField(max_length=40, blank=True)
    status = models.PositiveSmallIntegerField(default=200)
    # What the gateway answered before any truncation or dropped connection (its start only).
    reply = models.TextField(blank=True)
    fault = models.CharField(max_length=20, blank=True)

    objects = SimCallQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "simulated call"

    def __str__(self):
        return f"{self.method} by {self.username or '?'} at {self.at:%Y-%m-%d %H:%M:%S}"


class SimMpesaPayment(models.Model):
    """A payment to a Paybill, as M-Pesa (Daraja) keeps it: what the daily check reads back,
    and the witness of what was paid whether or not its notice arrived."""

    trans_id = models.CharField(max_length=20, unique=True)
    short_code = models.CharField(max_length=20, db_index=True)
    bill_ref = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    msisdn_hash = models.CharField(max_length=64)
    first_name = models.CharField(max_length=50, blank=True)
    middle_name = models.CharField(max_length=50, blank=True)
    last_name = models.CharField(max_length=50, blank=True)
    paid_at = models.DateTimeField(default=timezone.now, db_index=True)
    org_balance = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    # How many times its confirmation was sent (0: the notice was "lost").
    notices_sent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = "simulated M-Pesa payment"

    def __str__(self):
        return f"{self.trans_id}: KES {self.amount} to {self.short_code} for {self.bill_ref}"
