"""Several app nodes, one PostgreSQL database: what one process promised, two must keep.

The simulated gateway and two app nodes ("a" and "b") run as separate gunicorn processes on
this test's PostgreSQL database; the gateway's own journal (`SimCall`) is the witness of
what reached mSpace. Runs in `make test-postgres`.
"""

import datetime
import threading

import pytest
from django.db.models import F

from messaging.models import LedgerEntry
from simulator import faults
from simulator.models import SimCall
from simulator.seed import make_account
from tests.production_browser import Browser, at_once
from tests.production_helpers import wait_for
from tests.topup_helpers import account, reseller
from watch.models import StandingCredential

pytestmark = [
    pytest.mark.production_shape,
    # One test at a time starts its processes: two cores, and one static folder.
    pytest.mark.xdist_group("production_shape"),
]

PASSWORD = "N0des/pa ss%é"
TOP_UP = "/clients/topup/"
COPIES = 5


def calls(method):
    return SimCall.objects.filter(method=method).received()


@pytest.fixture
def nodes(production):
    make_account(
        "amina",
        PASSWORD,
        balance=5000,
        clients=[("Mama Mboga Traders", 1200), ("Jinja Fish", 0)],
        sender_ids=("AMINASHOP",),
    )
    # The gateway timeout outlasts the "hang" below; three failed logins lock a pair.
    return production.start(
        FORCE_HTTPS="false", MSPACE_TIMEOUT=20, MSPACE_CACHE_SECONDS=30, LOGIN_FAILURE_LIMIT=3
    )


@pytest.fixture
def amina(nodes):
    browser = Browser()
    assert browser.log_in(nodes.nodes["a"], "amina", PASSWORD).status_code == 302
    return browser


def test_one_form_posted_five_times_at_once_over_both_nodes_reaches_mspace_once(nodes, amina):
    a, b = nodes.nodes["a"], nodes.nodes["b"]
    # The call takes a moment, so the copies arrive while the first is still at the gateway.
    faults.inject("resellerclienttopup", "slow", delay=1.0)
    faults.inject("sendtext", "slow", delay=1.0)
    top_up = {**amina.form(f"{a}{TOP_UP}"), "name": "Mama Mboga Traders", "noofsms": "500"}
    send = {
        **amina.form(f"{b}/send/"),
        "senderid": "AMINASHOP",
        "recipient": "0712 345 678",
        "message": "Once, please",
    }
    # Each copy in a tab of its own, alternating between the nodes.
    tabs = [(amina.tab(), (a, b)[index % 2]) for index in range(COPIES)]

    top_ups = at_once(*[lambda t=t, n=n: t.post(f"{n}{TOP_UP}", top_up) for t, n in tabs])
    sends = at_once(*[lambda t=t, n=n: t.post(f"{n}/send/", send) for t, n in tabs])

    assert calls("resellerclienttopup").count() == 1
    assert calls("sendtext").count() == 1
    # Every copy is shown the one outcome.
    top_up_entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.CLIENT_TOP_UP)
    assert {r.headers.get("Location") for r in top_ups} == {f"/topups/{top_up_entry.pk}/"}
    send_entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.TEST_SMS)
    assert {r.headers.get("Location") for r in sends} == {f"/send/{send_entry.pk}/"}
    assert account("amina", "Mama Mboga Traders").balance == 1700


def test_two_forms_topping_up_one_client_at_once_on_both_nodes_make_one_call(nodes, amina):
    a, b = nodes.nodes["a"], nodes.nodes["b"]
    faults.inject("resellerclienttopup", "slow", delay=2.0)
    first = {**amina.form(f"{a}{TOP_UP}"), "name": "Jinja Fish", "noofsms": "100"}
    second = {**amina.form(f"{b}{TOP_UP}"), "name": "Jinja Fish", "noofsms": "250"}
    assert first["form_key"] != second["form_key"]
    on_a, on_b = amina.tab(), amina.tab()

    answers = at_once(
        lambda: on_a.post(f"{a}{TOP_UP}", first), lambda: on_b.post(f"{b}{TOP_UP}", second)
    )

    # One went to mSpace; the other was refused while the first was open, and says why.
    assert calls("resellerclienttopup").count() == 1
    assert sorted(answer.status_code for answer in answers) == [200, 303]
    refused = next(answer for answer in answers if answer.status_code == 200)
    assert "Settle the last top-up of this client first" in refused.text
    assert LedgerEntry.objects.count() == 1
    assert account("amina", "Jinja Fish").balance in (100, 250)


def test_a_top_up_on_one_node_shows_on_the_other_nodes_dashboard_at_once(nodes, amina):
    a, b = nodes.nodes["a"], nodes.nodes["b"]
    assert amina.balance_on_dashboard(b) == 5000  # b now holds a copy for 30 seconds
    reads_before = calls("balance").count()
    assert amina.balance_on_dashboard(b) == 5000
    assert calls("balance").count() == reads_before, "b answered from its copy"

    top_up = {**amina.form(f"{a}{TOP_UP}"), "name": "Mama Mboga Traders", "noofsms": "500"}
    assert amina.post(f"{a}{TOP_UP}", top_up).status_code == 303

    # b's copy is older than the ledger's newest change: b asks mSpace again.
    assert amina.balance_on_dashboard(b) == 4500
    assert reseller("amina").balance == 4500


def test_failed_logins_on_both_nodes_count_together(nodes):
    a, b = nodes.nodes["a"], nodes.nodes["b"]
    guesser = Browser()

    statuses = [guesser.log_in(node, "amina", "a-wrong-guess").status_code for node in (a, b, a)]

    assert statuses == [200, 200, 429]
    # Locked on both nodes, even with the right password; mSpace was asked only for the
    # three that counted.
    assert guesser.log_in(b, "amina", PASSWORD).status_code == 429
    assert guesser.log_in(a, "amina", PASSWORD).status_code == 429
    assert calls("login").count() == 3


def test_a_session_made_on_one_node_works_on_the_other_until_logged_out(nodes, amina):
    a, b = nodes.nodes["a"], nodes.nodes["b"]
    logins = calls("login").count()

    dashboard = amina.get(f"{b}/")
    assert dashboard.status_code == 200
    assert "amina" in dashboard.text
    assert calls("login").count() == logins, "b used a's session, not a new login"

    assert amina.log_out(a).status_code == 302
    after = amina.tab().get(f"{b}/")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/accounts/login/")


def test_a_node_killed_mid_top_up_loses_nothing_and_never_calls_twice(nodes, amina):
    a, b = nodes.nodes["a"], nodes.nodes["b"]
    # Amina keeps watch (issue 16): the standing credential is what lets `reconcile_unknown`,
    # run by an operator with no browser, ask mSpace about her balances.
    keep_watch = {**amina.form(f"{b}/watch/"), "password": PASSWORD, "consent": "on"}
    assert amina.post(f"{b}/watch/", keep_watch).status_code in (302, 303)
    assert StandingCredential.objects.filter(reseller__username="amina").exists()
    # mSpace carries out the top-up, then never answers: node a's thread waits on it.
    faults.inject("resellerclienttopup", "hang", delay=60, times=1)
    top_up = {**amina.form(f"{a}{TOP_UP}"), "name": "Mama Mboga Traders", "noofsms": "300"}
    threading.Thread(
        target=lambda: _ignore_errors(lambda: amina.tab().post(f"{a}{TOP_UP}", top_up)),
        daemon=True,
    ).start()
    wait_for(lambda: calls("resellerclienttopup").exists(), "the call reached mSpace")

    nodes.processes.kill("node-a")

    # The row was written before the call, and it outlives the process.
    entry = LedgerEntry.objects.get()
    assert entry.status == LedgerEntry.Status.PENDING
    assert account("amina", "Mama Mboga Traders").balance == 1500  # mSpace did it
    # Until it is old enough to be overdue, nobody touches it: its call may still be running.
    assert "No unknown outcomes" in nodes.manage("reconcile_unknown", "--older-than", "1").stdout
    # As if the gateway timeout and its margin had passed: node a will never settle it now.
    LedgerEntry.objects.filter(pk=entry.pk).update(
        created_at=F("created_at") - datetime.timedelta(minutes=5)
    )

    page = amina.get(f"{b}/activity/{entry.pk}/")
    assert page.status_code == 200
    assert "Check now" in page.text  # needs checking
    # The same form again, on b, and a new form for the same client: neither reaches mSpace.
    assert amina.post(f"{b}{TOP_UP}", top_up).headers.get("Location") == f"/topups/{entry.pk}/"
    again = {**amina.form(f"{b}{TOP_UP}"), "name": "Mama Mboga Traders", "noofsms": "300"}
    assert amina.post(f"{b}{TOP_UP}", again).status_code == 200

    settled = nodes.manage("reconcile_unknown", "--older-than", "1")

    assert settled.returncode == 0, settled.stdout + settled.stderr
    assert f"settled #{entry.pk} as succeeded" in settled.stdout
    entry.refresh_from_db()
    assert entry.status == LedgerEntry.Status.SUCCEEDED, entry.reconcile_note
    assert "rose by exactly 300" in entry.reconcile_note
    assert calls("resellerclienttopup").count() == 1
    assert PASSWORD not in settled.stdout + settled.stderr
    # Settled once: the next run finds nothing left, and b's page no longer offers a check.
    assert "No unknown outcomes" in nodes.manage("reconcile_unknown", "--older-than", "0").stdout
    assert "Check now" not in amina.get(f"{b}/activity/{entry.pk}/").text


def _ignore_errors(call):
    try:
        call()
    except Exception:  # the node is killed under this request: its answer never comes
        return
