"""`make bench` (its bulk top-up part; `make bench-batch` alone): how long a batch takes.

Issue 18's goal: a 50-account batch against the simulator with 1 s of latency on every
top-up finishes in about 50 / BULK_CONCURRENCY (4) = 12.5 s, every account credited exactly
once (the simulator's journal is the witness).

In one process, on a temporary SQLite database, against the in-process simulator: the batch
is written as a confirm writes it and run as the worker runs it (`batches.runner.run`). The
figure is its wall time against the ideal of 50 / 4 seconds of latency.

Results: bench/results/batch-latest.json. The machine may be shared: say so beside figures.
"""

import json
import tempfile
import time
import uuid
from pathlib import Path

from watch_bench import setup  # the same temporary SQLite database and settings

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
ACCOUNTS = 50
LATENCY = 1.0
GOAL = 1.15  # wall time / ideal: "about" 50 / 4 s


def run_batch() -> dict:
    from django.conf import settings

    from accounts.models import Reseller
    from batches import plan, runner, service
    from batches.models import Batch
    from messaging.books import CLIENTS
    from messaging.models import LedgerEntry
    from simulator import faults
    from simulator.models import SimCall
    from simulator.seed import make_account
    from watch import service as watch_service

    names = [f"Bench client {n:02d}" for n in range(ACCOUNTS)]
    make_account("bencher", "bench-pass", balance=10**6, clients=[(n, 0) for n in names])
    reseller = Reseller.of_username("bencher")
    watch_service.start(reseller, "bench-pass", by="bencher")
    faults.inject("resellerclienttopup", "slow", delay=LATENCY)
    lines = [plan.Line(name, 0, 100) for name in names]
    batch, _created = service.start(
        reseller,
        CLIENTS,
        form_key=uuid.uuid4(),
        rule="add",
        add=100,
        lines=lines,
        balance_before=10**6,
        by="bencher",
    )
    started = time.perf_counter()
    runner.run(batch.pk)
    seconds = time.perf_counter() - started
    ideal = ACCOUNTS / settings.BULK_CONCURRENCY * LATENCY
    credited = SimCall.objects.filter(method="resellerclienttopup", credit_moved=True)
    per_account = {name: credited.filter(target=name).count() for name in names}
    statuses = list(LedgerEntry.objects.values_list("status", flat=True))
    return {
        "accounts": ACCOUNTS,
        "latency_s": LATENCY,
        "concurrency": settings.BULK_CONCURRENCY,
        "seconds": round(seconds, 2),
        "ideal_seconds": ideal,
        "ratio": round(seconds / ideal, 3),
        "goal_ratio": GOAL,
        "credited_exactly_once": all(count == 1 for count in per_account.values()),
        "succeeded": statuses.count("succeeded"),
        "finished": Batch.objects.get(pk=batch.pk).finished_at is not None,
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        setup(Path(tmp))
        result = run_batch()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "batch-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    met = result["ratio"] <= GOAL and result["credited_exactly_once"]
    print(
        f"bulk top-up of {result['accounts']} accounts at {result['latency_s']} s latency, "
        f"{result['concurrency']} at once: {result['seconds']} s "
        f"(ideal {result['ideal_seconds']} s, ratio {result['ratio']}, goal <= {GOAL}); "
        f"every account credited exactly once: {result['credited_exactly_once']} "
        f"({result['succeeded']} succeeded) -> {'met' if met else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
