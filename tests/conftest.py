"""Shared people and helpers for the tests.

alice is a reseller with clients and sub-accounts; bob is another reseller; charlie is an
mSpace user who resells nothing. Each test builds them in the simulator, so the whole
gateway path (client, transport, simulator) runs for real.
"""

import contextlib

import pytest

# The production shape (gunicorn nodes on PostgreSQL, nginx) for `make test-postgres`; the
# alert tests' SMTP server and watching reseller.
pytest_plugins = ["tests.production_helpers", "tests.alerts_helpers", "tests.team_helpers"]

ALICE_PASSWORD = "Al1ce/pa ss%&?#+é🎉"  # hostile on purpose: every character must survive
BOB_PASSWORD = "b0b-secret"
CHARLIE_PASSWORD = "charlie-secret"


def pytest_sessionstart(session):
    """Compile the translations (Babel, no system gettext) before any page is rendered, so a
    test run straight from pytest speaks the Kiswahili of the .po files it was given."""
    _stop_unless_postgresql_answers()
    from languages import catalog

    catalog.compile_all()


@pytest.fixture(autouse=True)
def _default_language_in_every_test():
    """Each test starts in the default language, whatever ran before it in this process: a
    request leaves its language active in the thread (LocaleMiddleware never deactivates
    it), so a Kiswahili page would otherwise make a later form or note test speak Kiswahili."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright drives Debian's Chromium; playwright cannot download its own here."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Caches live in process memory; no test may see another's."""
    from django.core.cache import cache

    cache.clear()
    try:
        from messaging import reads

        getattr(reads, "forget_everything", lambda: None)()
    except ImportError:
        pass
    try:
        from huey.contrib.djhuey import HUEY

        HUEY.flush()  # the worker's queue (keep watch): no test sees another's tasks
        from watch import lists

        lists.forget_everything()  # forecasts kept per process
    except ImportError:
        pass
    yield


@pytest.fixture
def alice(db):
    from simulator.seed import make_account

    return make_account(
        "alice",
        ALICE_PASSWORD,
        balance=5000,
        clients=[("Mama Mboga Traders", 1200), ("Kampala Boda Riders", 40), ("Jinja Fish", 0)],
        subaccounts=[("alice-nairobi", 300), ("alice-kampala", 15)],
        sender_ids=("ALICESHOP", "MSPACE"),
    )


@pytest.fixture
def bob(db):
    from simulator.seed import make_account

    return make_account(
        "bob", BOB_PASSWORD, balance=800, clients=[("Bob Client", 10)], subaccounts=[]
    )


@pytest.fixture
def charlie(db):
    from simulator.seed import make_account

    return make_account("charlie", CHARLIE_PASSWORD, balance=50, is_reseller=False)


def log_in(client, username, password):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def alice_client(client, alice):
    """A Django test client logged in as alice through the real login page."""
    return log_in(client, "alice", ALICE_PASSWORD)


@pytest.fixture
def bob_client(alice, bob):
    from django.test import Client

    return log_in(Client(), "bob", BOB_PASSWORD)


@pytest.fixture
def alice_page(page, live_server, alice):
    """A Chromium page logged in as alice through the real login form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", ALICE_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.fixture
def charlie_client(client, charlie):
    return log_in(client, "charlie", CHARLIE_PASSWORD)


def _stop_unless_postgresql_answers():
    """`make test-postgres` fails at once, never skips, when PostgreSQL cannot be reached."""
    from django.conf import settings

    if not settings.configured or not getattr(settings, "TEST_DATABASE_URL", ""):
        return
    import psycopg

    database = settings.DATABASES["default"]
    where = f"{database['HOST']}:{database['PORT']}"
    try:
        psycopg.connect(
            dbname=database["NAME"],
            user=database["USER"],
            password=database["PASSWORD"] or None,
            host=database["HOST"],
            port=database["PORT"] or None,
            connect_timeout=10,
        ).close()
    except psycopg.Error as error:
        pytest.exit(
            f"PostgreSQL at {where} (TEST_DATABASE_URL) cannot be reached: {error}".strip(),
            returncode=3,
        )


def pytest_unconfigure(config):
    """SQLite leaves the test database's -wal/-shm files behind; nothing else should."""
    import glob
    import os

    from django.conf import settings

    if not settings.configured:
        return
    database = settings.DATABASES["default"]
    name = database.get("TEST", {}).get("NAME")
    if name and database["ENGINE"].endswith("sqlite3"):
        for leftover in glob.glob(f"{name}*"):
            with contextlib.suppress(OSError):
                os.remove(leftover)
