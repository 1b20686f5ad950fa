"""The tenant: the mSpace account whose money it is, apart from the people who act for it."""

from django.db import models

from accounts.identity import canonical_username


class Reseller(models.Model):
    """An mSpace account whose credit the app moves, keyed by its canonical username.

    Ledger rows and preferences belong to a reseller; the person (a Django user) who acted is
    recorded beside it. Today each reseller's one person is whoever logs in with its mSpace
    username; staff acting for an owner and background work (no person at all) act for the
    same reseller.
    """

    username = models.CharField(
        max_length=150, unique=True, help_text="the mSpace username, in canonical form"
    )
    # Bumped in the same transaction as every write to this reseller's ledger
    # (`messaging.models.LedgerQuerySet`): a read of mSpace taken at version N is stale as soon
    # as the version is no longer N, in every process and on every node.
    version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.username

    @classmethod
    def of_username(cls, username: str) -> "Reseller":
        """The reseller for this mSpace username (as typed), made on first use."""
        reseller, _ = cls.objects.get_or_create(username=canonical_username(username))
        return reseller

    def current_version(self) -> int:
        """This reseller's version as the database has it now (one query)."""
        version = Reseller.objects.filter(pk=self.pk).values_list("version", flat=True).first()
        return version if version is not None else 0
