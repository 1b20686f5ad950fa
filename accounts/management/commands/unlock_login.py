from django.core.management.base import BaseCommand, CommandError

from accounts import throttle


class Command(BaseCommand):
    help = (
        "Lift the login pause on a username at once: on the reseller login (every device) and "
        "on the admin login. The username may be typed in any case. Example: "
        "python manage.py unlock_login alice"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the mSpace (or admin) username to unlock")

    def handle(self, *args, username, **options):
        if not username.strip():
            raise CommandError("Give the username to unlock.")
        removed = throttle.unlock(username)
        if removed:
            self.stdout.write(f"Unlocked {username!r}: {removed} failure record(s) removed.")
        else:
            self.stdout.write(f"{username!r} had no failed logins on record: nothing to unlock.")
