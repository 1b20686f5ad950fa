from django.conf import settings
from django.core.management.base import BaseCommand

from languages import catalog


class Command(BaseCommand):
    help = (
        "Bring every language's django.po up to date with the strings marked in the code and "
        "templates (Babel; no system gettext), then list what still needs translating."
    )

    def handle(self, *args, **options):
        for code, name in settings.LANGUAGES:
            if code == settings.LANGUAGE_CODE:
                continue  # the source language needs no catalogue
            added, dropped = catalog.update(code)
            self.stdout.write(f"{name}: {added} new, {dropped} no longer used")
            for problem in catalog.problems(code):
                self.stdout.write(f"  {problem}")
        catalog.compile_all()
