from django.core.management.base import BaseCommand, CommandError

from simulator import seed
from simulator.models import SimAccount


class Command(BaseCommand):
    help = "Create the simulator's demo accounts (demo/demo, demo2/demo2, plain/plain)."

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
        book = SimAccount.objects.filter(parent=demo, relation=SimAccount.CLIENT).count()
        self.stdout.write(
            f"Simulator ready: log in as demo / demo ({book} clients, {demo.balance} SMS)."
        )
