"""Test configuration: the production settings with the few changes tests need."""

import os
import tempfile

# Set before the real settings read the environment. A developer's .env never applies here.
os.environ["DJANGO_ENV_FILE"] = ""
os.environ.pop("MSPACE_BASE_URL", None)  # always the simulator
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-that-is-long-enough-0123456789")
os.environ["DEBUG"] = "false"
os.environ["FORCE_HTTPS"] = "false"
os.environ.setdefault("MSPACE_TIMEOUT", "2")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + live_server

from mspace_admin.settings import *  # noqa: E402,F403

# Local passwords only exist for superusers; a fast hasher keeps the suite quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests do not run collectstatic: serve files from the app folders as they are.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# A file-backed test database: threads (the dashboard's side-by-side reads, the live server)
# each get their own connection and must see committed rows the way production does.
# One file per test run (several runs may go on at once on a developer's machine).
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": os.path.join(tempfile.gettempdir(), f"mspace-test-{os.getpid()}.sqlite3")
}
