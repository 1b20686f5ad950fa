"""List the top-ups and test SMS whose outcome is still unknown, for a person to settle."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from messaging import reconcile


class Command(BaseCommand):
    help = (
        "List every reseller's ledger entries whose outcome is still unknown (mSpace did not "
        "answer, or a worker died mid-call) and older than --older-than minutes; exit with "
        "status 1 when there are any, so monitoring can alert. It cannot settle them itself: "
        "checking a balance on mSpace needs the reseller's password, which lives only "
        "encrypted in their own login session (the key is in their browser), never anywhere "
        "this command could read it. Each reseller settles theirs on the entry's page "
        "(Activity → the entry → Check now, or mark it by hand after asking mSpace)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=30,
            metavar="MINUTES",
            help="only entries made at least this many minutes ago (default 30)",
        )

    def handle(self, *args, older_than, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more minutes.")
        entries = list(reconcile.overdue(timedelta(minutes=older_than)))
        if not entries:
            self.stdout.write(f"No unknown outcomes older than {older_than} minutes.")
            return
        for entry in entries:
            made = timezone.localtime(entry.created_at).isoformat(timespec="seconds")
            self.stdout.write(
                "\t".join(
                    _printable(str(cell))
                    for cell in (
                        f"#{entry.pk}",
                        made,
                        entry.reseller.get_username(),
                        entry.get_kind_display(),
                        entry.target,
                        entry.amount,
                        entry.status,
                        entry.detail,
                    )
                )
            )
        raise CommandError(
            f"{len(entries)} ledger entr{'y' if len(entries) == 1 else 'ies'} older than "
            f"{older_than} minutes still need checking.",
            returncode=1,
        )


def _printable(text: str) -> str:
    # Names come from the gateway: a control character must not drive the terminal.
    return "".join(c if c.isprintable() else " " for c in text)
