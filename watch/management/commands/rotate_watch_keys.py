from django.core.management.base import BaseCommand, CommandError

from watch import credential, service


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored watch password under the first key in WATCH_KEYS. Put the new "
        "key first, keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, *args, **options):
        reason = credential.unavailable_reason()
        if reason:
            raise CommandError("WATCH_KEYS is not set: there is no key to rotate to.")
        done, unreadable = service.rotate_keys()
        self.stdout.write(f"Re-encrypted {done} stored password(s) under the first key.")
        if unreadable:
            raise CommandError(
                f"{unreadable} stored password(s) open with none of WATCH_KEYS; put back the "
                "key they were made with and run this again (their resellers are told)."
            )
