from django.core.management.base import BaseCommand, CommandError

from simulator import seed
from simulator.models import UNLIMITED, SimAccount


class Command(BaseCommand):
    help = (
        "Create the simulator's demo accounts (demo/demo, demo2/demo2, plain/plain); demo's "
        "accounts use SMS at steady rates, and 30 days of balance history are made up for it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--clients", type=int, default=None, help="also give demo N generated clients"
        )
        parser.add_argument(
            "--reset", action="store_true", help="forget every simulated account, fault and call"
        )

    def handle(self, *args, clients, reset, **options):
        if clients is not None and clients < 0:
            raise CommandError("--clients must be 0 or more.")
        if reset:
            seed.reset()
        demo = seed.seed_demo(clients=clients)
        seed.give_steady_use(demo)
        self._backfill_history(demo)
        book = SimAccount.objects.filter(parent=demo, relation=SimAccount.CLIENT).count()
        self.stdout.write(
            f"Simulator ready: log in as demo / demo ({book} clients, {demo.balance} SMS)."
        )

    def _backfill_history(self, demo):
        from django.apps import apps

        if not apps.is_installed("watch"):
            return
        from watch import demo as watch_demo

        books = {}
        for relation, book in (
            (SimAccount.CLIENT, "clients"),
            (SimAccount.SUBACCOUNT, "subaccounts"),
        ):
            books[book] = [
                (name, int(balance), rate)
                for name, balance, rate in SimAccount.objects.filter(parent=demo, relation=relation)
                .exclude(username__startswith=seed.BENCH_PREFIX)
                .exclude(balance=UNLIMITED)
                .values_list("username", "balance", "use_per_day")
            ]
        demo.refresh_from_db()
        if watch_demo.backfill(demo.username, (int(demo.balance), demo.use_per_day), books):
            self.stdout.write("Made up 30 days of balance history for demo.")
