from django.core.management.base import BaseCommand

from languages import catalog


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/django.po into the .mo files Django reads (Babel)."

    def handle(self, *args, **options):
        for path in catalog.compile_all():
            self.stdout.write(f"compiled {path.relative_to(catalog.LOCALE_DIR.parent)}")
