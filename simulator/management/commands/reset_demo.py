from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Reseller
from accounts.tenancy import rows
from alerts.models import AccountContact, Alert, AlertSettings, AlertState
from batches.models import Batch, RefillRule
from billing.models import Payment, Sale
from messaging.models import LedgerEntry, ResellerPreferences
from paybill.models import AccountNumber, MpesaPayment, PaybillLink
from simulator import seed
from simulator.models import SimAccount


class Command(BaseCommand):
    help = (
        "Put the demo back as it was first: the simulator's accounts, balances and calls, and "
        "the demo users' activity, preferences and sessions. Demo mode only."
    )

    def handle(self, *args, **options):
        # Against the real gateway the ledger is the record of real money: never touch it.
        if not settings.MSPACE_SIMULATOR:
            raise CommandError(
                "MSPACE_BASE_URL is set: this is not the demo, and its activity is kept."
            )
        with transaction.atomic():
            usernames = list(
                SimAccount.objects.filter(parent__isnull=True).values_list("username", flat=True)
            )
            entries = 0
            for username in usernames:
                reseller = Reseller.of_username(username)
                # M-Pesa payments (issue 20), a top-up's sale and payments (issue 19) protect
                # its ledger row: they go first.
                for paybill_rows in (MpesaPayment, AccountNumber, PaybillLink):
                    rows(paybill_rows, reseller).delete()
                rows(Payment, reseller).delete()
                rows(Sale, reseller).delete()
                # So do alert SMS (issue 17); alerts, their rules and contacts go with the activity.
                for alert_rows in (Alert, AlertState, AccountContact, AlertSettings):
                    rows(alert_rows, reseller).delete()
                # Bulk top-ups and refill rules (issue 18) name ledger rows too.
                rows(Batch, reseller).delete()
                rows(RefillRule, reseller).delete()
                entries += rows(LedgerEntry, reseller).delete()[0]
                rows(ResellerPreferences, reseller).delete()
            # Everyone logged in to the demo starts again at the login page.
            Session.objects.all().delete()
            seed.reset()
            demo = seed.seed_demo()
        self.stdout.write(
            f"Demo reset: {entries} activity entries removed; log in as demo / demo "
            f"({demo.balance:,} SMS)."
        )
