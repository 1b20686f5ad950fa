"""Test configuration: the production settings with the few changes tests need."""

import os
import tempfile
import time

import environ
from django.core.exceptions import ImproperlyConfigured

# Set before the real settings read the environment. A developer's .env never applies here.
os.environ["DJANGO_ENV_FILE"] = ""
os.environ.pop("MSPACE_BASE_URL", None)  # always the simulator
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-that-is-long-enough-0123456789")
os.environ["DEBUG"] = "false"
os.environ["FORCE_HTTPS"] = "false"
os.environ.setdefault("MSPACE_TIMEOUT", "2")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + live_server
# A fixed key for standing credentials in tests (never used anywhere else).
os.environ.setdefault("WATCH_KEYS", "Tm90LWEtcmVhbC1rZXktdGVzdHMtb25seS0wMTIzNDU=")

from mspace_admin.settings import *  # noqa: E402,F403

# Local passwords only exist for superusers; a fast hasher keeps the suite quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests do not run collectstatic: serve files from the app folders as they are.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# Which database the suite runs on: SQLite (the embedded default, nothing to install), or,
# with TEST_DATABASE_URL (`make test-postgres`), the PostgreSQL that production uses.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
# Several runs go on at once on one machine (developers' worktrees, CI), and pytest-xdist
# starts one process per worker: each process gets databases of its own, named after its
# process id (pytest-django adds the worker's name as well).
_RUN = f"{os.getpid()}_{int(time.time())}"
if TEST_DATABASE_URL:
    DATABASES = {"default": environ.Env.db_url_config(TEST_DATABASE_URL)}
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured(
            f"TEST_DATABASE_URL must be a postgres:// URL, but it is {TEST_DATABASE_URL!r}."
        )
    # The URL names the database to connect to first (to create the test one); every run
    # makes its own and drops it at the end.
    DATABASES["default"]["TEST"] = {"NAME": f"test_mspace_{_RUN}"}
    # An address that swallows packets must fail the run in seconds, not hang it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 10)
else:
    # A file-backed test database: threads (the dashboard's side-by-side reads, the live
    # server) each get their own connection and must see committed rows the way production
    # does.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"mspace-test-{_RUN}.sqlite3")
    }
# The worker's queue is in memory in tests and nothing consumes it: a test that wants queued
# work done runs it (tests/watch_helpers.py, run_queued_tasks); each test starts with it empty.
HUEY = {"name": "mspace-admin-tests", "huey_class": "huey.MemoryHuey", "immediate": False}
