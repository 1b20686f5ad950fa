from django.core.management.base import BaseCommand

from accounts.tenancy import every_tenant
from paybill import checking, crediting, worker
from paybill.models import MpesaPayment


class Command(BaseCommand):
    help = (
        "Credit every M-Pesa payment waiting for the worker, once, and put right what a killed "
        "worker left (for cron instead of the worker, and tests). --check also asks Daraja for "
        "the last 48 hours' payments whose notice never came, as the worker does daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="run the daily check first")

    def handle(self, *args, check, **options):
        found = checking.check_all() if check else 0
        recovered = crediting.recover()
        credited = worker.credit_waiting()
        # Every reseller's: the operator's command reports on the whole site.
        waiting = every_tenant(MpesaPayment).filter(state=MpesaPayment.State.TO_ASSIGN).count()
        self.stdout.write(
            f"Found {found} payment(s) without a notice, put right {recovered}, took {credited} "
            f"to top up; {waiting} wait to be assigned."
        )
