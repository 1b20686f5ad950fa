"""Settle from the balances the unknown top-ups it can, and list the rest for a person."""

import logging
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from messaging import reconcile
from messaging.mspace import MspaceError

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Settle every reseller's ledger entries whose outcome is still unknown (mSpace did not "
        "answer, or a worker died mid-call) and older than --older-than minutes, where it can: "
        "a top-up of a reseller who keeps watch (a consented standing credential, /watch/) is "
        "checked against the balances mSpace has now, as the entry's Check now does. The rest "
        "are listed and the command exits with status 1, so monitoring can alert: a test SMS "
        "cannot be decided from balances, and for a reseller who does not keep watch the "
        "password lives only encrypted in their own login session (the key in their browser). "
        "Those are settled on the entry's page (Activity → the entry → Check now, or by hand)."
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
        entries = [
            entry
            for entry in reconcile.overdue(timedelta(minutes=older_than))
            if not self._settled(entry)
        ]
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
                        entry.reseller.username,
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

    def _settled(self, entry) -> bool:
        """Settle `entry` from the balances with its reseller's standing credential; True if
        that decided it. Only credit-safe outcomes: `reconcile.judge` decides, as on a page."""
        from watch.source import StandingCredentialSource  # the standing credential's app

        if not entry.is_top_up:
            return False
        source = StandingCredentialSource.for_reseller(entry.reseller_id)
        if source is None:
            return False
        try:
            finding = reconcile.check(source.acting("reconcile_unknown"), entry)
        except (MspaceError, StandingCredentialSource.Unreadable) as error:
            log.warning("could not check ledger entry #%s: %s", entry.pk, error)
            return False
        if finding.status is None:
            return False
        self.stdout.write(_printable(f"settled #{entry.pk} as {finding.status}: {finding.note}"))
        return True


def _printable(text: str) -> str:
    # Names come from the gateway: a control character must not drive the terminal.
    return "".join(c if c.isprintable() else " " for c in text)
