"""The leak hunt, extended to keep watch: the worker's logs, the queue's storage, and the
database after watch is stopped.

The hunter turns watch on, the worker's rounds run under every fault the simulator knows,
mSpace then refuses the stored password (automatic stop), the hunter turns watch on again
and off. The password is then searched for, in every encoding the first hunt knows, in every
log record (SQL statements with their parameters), the console, a real huey queue file the
round was scheduled through, and two database dumps; after the stop, the dump must not even
hold the ciphertext.
"""

import base64
import sqlite3

import pytest
from huey import SqliteHuey

from simulator import faults
from simulator.models import SimAccount
from simulator.seed import make_account
from tests.test_accounts_password_hunt import (  # noqa: F401 (every_log_line is a fixture)
    FAULTS,
    HUNTED,
    body_of,
    database_dump,
    every_log_line,
    leaks_in,
)
from tests.watch_helpers import start_watching
from watch import rounds, service
from watch.models import StandingCredential, WatchEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_password_is_nowhere_after_watching_under_faults(
    every_log_line,  # noqa: F811 (the fixture, imported above)
    tmp_path,
    monkeypatch,
    client,
):
    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0)
    capture, console_output = every_log_line
    make_account("hunter", HUNTED, balance=900, clients=[("Hunter Client", 10)])
    hunter = start_watching("hunter", HUNTED)
    token = StandingCredential.objects.get().ciphertext

    # A real queue in a file, as production's default: the round is scheduled through it.
    queue = SqliteHuey("hunt", filename=str(tmp_path / "huey.sqlite3"))
    round_task = queue.task()(lambda: rounds.run_round().resellers)
    for kind, options in FAULTS:
        faults.inject("*", kind, **options)
        round_task()
        assert queue.execute(queue.dequeue()) == 1  # its result is kept in the file too
        faults.clear()
    assert StandingCredential.objects.exists(), "faults never stop watch"

    mid_watch = database_dump()
    # mSpace refuses the stored password: watch stops by itself.
    account = SimAccount.objects.get(username="hunter")
    account.set_password(HUNTED + "-new")
    account.save()
    rounds.run_round()
    assert not StandingCredential.objects.exists()
    account.set_password(HUNTED)
    account.save()
    client.post("/accounts/login/", {"username": "hunter", "password": HUNTED})
    page = client.post("/watch/", {"password": HUNTED, "consent": "on"}, follow=True)
    second_token = StandingCredential.objects.get().ciphertext
    stop_page = client.post("/watch/stop/", follow=True)
    after_stop = database_dump()

    assert list(WatchEvent.objects.filter(reseller=hunter).values_list("kind", flat=True)) == [
        "stopped",
        "started",
        "auto_stopped",
        "started",
    ]
    found = []
    for when, dump in (("mid-watch", mid_watch), ("after stop", after_stop)):
        found += [(f"database {when}: {c}", leak) for c, v in dump for leak in leaks_in(v)]
    # After the stop, no trace of the credential at all: not even its ciphertext, in any form.
    traces = [token, second_token]
    traces += [base64.urlsafe_b64decode(t)[9:25].hex() for t in traces]  # its IV, as hex
    for column, value in after_stop:
        text = value.hex() if isinstance(value, bytes | memoryview) else str(value)
        found += [(f"after stop: {column}", "ciphertext") for t in traces if t in text]
    queue_file = (tmp_path / "huey.sqlite3").read_bytes()
    found += [("the queue file", leak) for leak in leaks_in(queue_file)]
    with sqlite3.connect(tmp_path / "huey.sqlite3") as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608
                found += [(f"queue {table}", leak) for cell in row for leak in leaks_in(cell)]
    found += [
        ("a log record", leak)
        for text in capture.texts
        if not ('"simulator_sim' in text and "'sentence'" in text)
        for leak in leaks_in(text)
    ]
    found += [("the console log", leak) for leak in leaks_in(console_output.getvalue())]
    for response in (page, stop_page):
        found += [("a page", leak) for leak in leaks_in(body_of(response))]

    assert any("watch round" in text for text in capture.texts), "the worker logged"
    assert found == []


def test_stopping_leaves_no_ciphertext_in_a_database_dump(client):
    make_account("hunter", HUNTED, balance=1)
    hunter = start_watching("hunter", HUNTED)
    token = StandingCredential.objects.get().ciphertext
    assert any(token in str(value) for _, value in database_dump())  # the dump would see it

    service.stop(hunter, by="hunter")

    assert not any(token in str(value) for _, value in database_dump())
