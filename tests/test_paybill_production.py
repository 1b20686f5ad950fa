"""M-Pesa on the production shape: Daraja's notices reach two app nodes (gunicorn, one
PostgreSQL) at once, two worker processes credit together, and a worker killed mid-call
loses nothing and sends nothing twice. The gateway's journal (`SimCall`) is the witness.
Runs in `make test-postgres`."""

import datetime
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests
from django.db.models import F

from billing.models import BusinessProfile
from messaging.models import LedgerEntry
from paybill.callbacks import SUCCESS
from paybill.models import MpesaPayment, PaybillLink
from simulator import daraja, faults
from simulator.models import SimCall
from simulator.seed import make_account
from tests.production_browser import Browser, at_once
from tests.production_helpers import REPO, SIMULATOR_PATH, database_url, production_environment
from tests.topup_helpers import account

pytestmark = [
    pytest.mark.production_shape,
    pytest.mark.xdist_group("production_shape"),
    # Two gunicorn nodes, a gateway and up to five manage.py processes each boot Django: on a
    # busy 2-core machine that alone can take a minute and more (every wait below is bounded).
    pytest.mark.timeout(300),
]

PASSWORD = "Pay/bi ll%é"
SHORT_CODE = "600984"


def top_up_calls():
    return SimCall.objects.filter(method="resellerclienttopup").received()


@pytest.fixture
def nodes(production):
    make_account(
        "wanjiru",
        PASSWORD,
        balance=50_000,
        clients=[("Mama Mboga Traders", 1200), ("Jinja Fish", 0), ("Kisumu Water Works", 10)],
    )
    shape = production.start(FORCE_HTTPS="false", MSPACE_TIMEOUT=20)
    browser = Browser()
    assert browser.log_in(shape.nodes["a"], "wanjiru", PASSWORD).status_code == 302
    # Keep watch: the worker tops up with the consented standing credential.
    keep_watch = {
        **browser.form(f"{shape.nodes['a']}/watch/"),
        "password": PASSWORD,
        "consent": "on",
    }
    assert browser.post(f"{shape.nodes['a']}/watch/", keep_watch).status_code in (302, 303)
    browser.get(f"{shape.nodes['a']}/payments/")  # makes the Paybill link
    link = PaybillLink.objects.get(reseller__username="wanjiru")
    PaybillLink.objects.filter(pk=link.pk).update(short_code=SHORT_CODE)
    BusinessProfile.objects.update_or_create(
        reseller=link.reseller, defaults={"default_price": Decimal("0.35")}
    )
    shape.link = PaybillLink.objects.get(pk=link.pk)
    return shape


def worker_environment(shape):
    return production_environment(
        SECRET_KEY=shape.secret,
        WATCH_KEYS=shape.watch_keys,
        DATABASE_URL=database_url(),
        MSPACE_BASE_URL=f"{shape.gateway}{SIMULATOR_PATH}",
        MSPACE_TIMEOUT="20",
        TRUSTED_PROXY_COUNT="0",  # the worker serves no requests
    )


def test_notices_on_both_nodes_at_once_and_two_workers_credit_each_payment_once(nodes):
    a, b = nodes.nodes["a"], nodes.nodes["b"]
    payments = [
        daraja.pay(SHORT_CODE, name, amount)
        for name, amount in (
            ("Jinja Fish", 70),
            ("Mama Mboga Traders", "100.00"),
            ("jinja fish", 35),
        )
    ]
    session = requests.Session()
    # Each notice four times, alternating nodes, all at once: Daraja retrying, twice over.
    sends = [
        (
            lambda body=body, node=node: daraja.deliver(
                f"{node}/pay/{nodes.link.secret}/confirm", body, session=requests.Session()
            )
        )
        for body in payments
        for node in (a, b, a, b)
    ]
    answers = at_once(*sends)
    assert [answer.json() for answer in answers] == [SUCCESS] * len(sends)
    assert MpesaPayment.objects.count() == 3

    runs = at_once(*[lambda: nodes.manage("credit_payments") for _ in range(2)])
    # A payment for a client whose top-up was in flight in the other worker went back to
    # wait, without any call; the next minute's sweep takes it.
    runs.append(nodes.manage("credit_payments"))

    assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
    assert top_up_calls().count() == 3, (
        list(MpesaPayment.objects.values_list("state", "reason")),
        [run.stdout for run in runs],
    )
    assert account("wanjiru", "Jinja Fish").balance == 200 + 100
    assert account("wanjiru", "Mama Mboga Traders").balance == 1200 + 285
    assert set(MpesaPayment.objects.values_list("state", flat=True)) == {"topped_up"}
    assert PASSWORD not in "".join(run.stdout + run.stderr for run in runs)
    session.close()


def test_a_worker_killed_mid_top_up_loses_nothing_and_never_credits_twice(nodes, tmp_path):
    a = nodes.nodes["a"]
    body = daraja.pay(SHORT_CODE, "Kisumu Water Works", 350)
    assert (
        daraja.deliver(
            f"{a}/pay/{nodes.link.secret}/confirm", body, session=requests.Session()
        ).json()
        == SUCCESS
    )
    # mSpace carries the top-up out, then never answers: the worker waits on it, and dies.
    log = tmp_path / "worker.log"
    faults.inject("resellerclienttopup", "hang", delay=60, times=1)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "credit_payments"],
        cwd=REPO,
        env=worker_environment(nodes),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: top_up_calls().exists(), "the top-up reached mSpace", log=log)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    # The ledger row was written before the call and outlives the worker.
    entry = LedgerEntry.objects.get()
    assert entry.status == LedgerEntry.Status.PENDING
    assert MpesaPayment.objects.get().state == MpesaPayment.State.CREDITING
    assert account("wanjiru", "Kisumu Water Works").balance == 10 + 1000  # mSpace did it
    # Daraja sends the notice again, and a worker runs before anything is overdue.
    daraja.deliver(f"{a}/pay/{nodes.link.secret}/confirm", body, session=requests.Session())
    assert nodes.manage("credit_payments").returncode == 0
    assert top_up_calls().count() == 1
    # As if the gateway timeout and its margin had passed: the dead worker will never answer.
    long_ago = datetime.timedelta(minutes=10)
    LedgerEntry.objects.update(created_at=F("created_at") - long_ago)
    MpesaPayment.objects.update(state_at=F("state_at") - long_ago)

    assert nodes.manage("credit_payments").returncode == 0
    paid = MpesaPayment.objects.get()
    assert paid.state == MpesaPayment.State.TOPPED_UP and paid.entry_id == entry.pk
    settled = nodes.manage("reconcile_unknown", "--older-than", "1")
    assert f"settled #{entry.pk} as succeeded" in settled.stdout, settled.stdout + settled.stderr
    nodes.manage("credit_payments")  # the receipt follows the settled entry

    assert top_up_calls().count() == 1
    assert account("wanjiru", "Kisumu Water Works").balance == 10 + 1000
    entry.refresh_from_db()
    assert entry.status == LedgerEntry.Status.SUCCEEDED
    assert entry.sale.receipt_number == 1


def _wait_for(condition, what, seconds=60, log=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"waited {seconds} s for: {what}\n{log.read_text() if log else ''}")
