"""The app as the in-process benchmarks (keep watch, M-Pesa) run it: Django set up in this
process with fixed settings and its own SQLite database in a temporary folder, migrated, its
static files collected."""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def start_django(tmp: Path, **settings: str) -> None:
    """Set Django up on a fresh database in `tmp`; `settings` adds or overrides environment
    settings (e.g. MSPACE_TIMEOUT)."""
    os.environ.update(
        {
            "DJANGO_ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "mspace_admin.settings",
            "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DEBUG": "false",
            "FORCE_HTTPS": "false",
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "WATCH_KEYS": "YmVuY2gtb25seS1rZXktbmV2ZXItdXNlZC1lbHNld2g=",
            "ALLOWED_HOSTS": "testserver",
            **settings,
        }
    )
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Pages render with DEBUG off, so through the static files' manifest: without this,
    # `make bench-watch` alone failed on a checkout where `make bench` or `make run` never ran.
    call_command("collectstatic", interactive=False, verbosity=0)
