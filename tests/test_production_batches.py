"""A bulk top-up in the production shape: the confirm posted on both nodes at once, the batch
run by a real `manage.py run_huey` worker, that worker killed (SIGKILL) mid-batch and
started again. The gateway's journal (`SimCall`) is the witness: every account is credited
exactly once. Runs in `make test-postgres`.
"""

import re

import pytest

from batches.models import Batch
from messaging.models import LedgerEntry
from simulator import faults
from simulator.models import SimAccount, SimCall
from simulator.seed import make_account
from tests.batch_helpers import confirm_data
from tests.production_browser import Browser, at_once
from tests.production_helpers import wait_for

pytestmark = [pytest.mark.production_shape, pytest.mark.xdist_group("production_shape")]

PASSWORD = "Bulk/pa ss%é"
CLIENTS = [f"Client {number:02d}" for number in range(50)]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def credited():
    return SimCall.objects.filter(method="resellerclienttopup", credit_moved=True)


# Three servers and two workers start here; on a busy 2-core machine that alone can take a
# minute, past the suite's default 120 s for one test.
@pytest.mark.timeout(300)
def test_a_worker_killed_mid_batch_credits_every_account_exactly_once(production):
    make_account("wanjiru", PASSWORD, balance=100_000, clients=[(n, 0) for n in CLIENTS])
    shape = production.start(FORCE_HTTPS="false", MSPACE_TIMEOUT=20)
    a, b = shape.nodes["a"], shape.nodes["b"]
    wanjiru = Browser()
    assert wanjiru.log_in(a, "wanjiru", PASSWORD).status_code == 302
    keep_watch = {**wanjiru.form(f"{a}/watch/"), "password": PASSWORD, "consent": "on"}
    assert wanjiru.post(f"{a}/watch/", keep_watch).status_code in (302, 303)
    # mSpace moves the credit at once and answers a second later (the 1 s latency):
    # 4 calls are always in flight, so the kill below lands with calls made, not yet answered.
    faults.inject("resellerclienttopup", "slow", delay=1.0)

    preview = wanjiru.get(f"{a}/clients/bulk-topup/?below=100&up_to=500")
    confirm = {**confirm_data(preview), "csrfmiddlewaretoken": _CSRF.search(preview.text)[1]}
    assert confirm["name"] == CLIENTS
    # The confirm posted twice at once, on both nodes: one batch, both shown it.
    answers = at_once(
        lambda: wanjiru.tab().post(f"{a}/clients/bulk-topup/", confirm),
        lambda: wanjiru.tab().post(f"{b}/clients/bulk-topup/", confirm),
    )
    assert [r.status_code for r in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    batch = Batch.objects.get()

    shape.start_worker("worker")
    wait_for(lambda: credited().count() >= 5, "five top-ups reached mSpace")
    shape.processes.kill("worker")
    claimed = LedgerEntry.objects.filter(form_key__in=batch.rows.values("key"))
    assert claimed.filter(status=LedgerEntry.Status.PENDING).exists()  # cut off mid-call
    assert claimed.count() < len(CLIENTS)

    shape.start_worker("worker-again")
    wait_for(
        lambda: Batch.objects.filter(pk=batch.pk, finished_at__isnull=False).exists(),
        "the restarted worker finished the batch",
        seconds=60,
    )

    for name in CLIENTS:
        assert credited().filter(target=name).count() == 1, name
    assert SimCall.objects.filter(method="resellerclienttopup").received().count() == len(CLIENTS)
    balances = SimAccount.objects.filter(parent__username="wanjiru").values_list(
        "balance", flat=True
    )
    assert set(balances) == {500}
    # The calls cut off by the kill were checked from the balances: none is left unknown.
    entries = LedgerEntry.objects.filter(form_key__in=batch.rows.values("key"))
    assert entries.count() == len(CLIENTS)
    assert set(entries.values_list("status", flat=True)) == {LedgerEntry.Status.SUCCEEDED}
    assert entries.exclude(reconciled_by="").exists()  # some went through a balance check
    figures = wanjiru.get(f"{b}/batches/{batch.pk}/?format=json").json()
    assert figures == {
        "total": len(CLIENTS),
        "done": len(CLIENTS),
        "succeeded": len(CLIENTS),
        "failed": 0,
        "unknown": 0,
        "cancelled": 0,
        "finished": True,
    }
