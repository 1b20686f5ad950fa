from django.core.management.base import BaseCommand

from watch import history, rounds


class Command(BaseCommand):
    help = "Run one watch round now, in this process (for cron instead of the worker, and tests)."

    def handle(self, *args, **options):
        report = rounds.run_round()
        pruned = history.prune()
        self.stdout.write(
            f"Watched {report.resellers} reseller(s): {report.read_fully} read fully, "
            f"{report.with_trouble} with gateway trouble, {report.stopped} stopped because "
            f"mSpace refused the stored password. Pruned {pruned} old history row(s)."
        )
