"""`make bench` (its M-Pesa part; `make bench-paybill` alone): how fast a payment becomes SMS.

In one process, against the in-process simulators, on a temporary SQLite database:

1. The confirmation itself while mSpace hangs (every gateway call would wait 60 s): 200
   notices posted through the whole Django stack; goal p95 <= 50 ms. Nothing in the answer
   may wait for mSpace.
2. From confirmation received to credit moved, with 100 ms injected into every gateway call:
   a real huey consumer (one worker thread, as `manage.py run_huey` runs) takes the queued
   payments while notices keep arriving (one a second, a busy Paybill); the time from each payment's
   `received_at` to its ledger entry's `completed_at`; goal p95 <= 1 s.

Results: bench/results/paybill-latest.json. The machine may be shared: say so beside figures.
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import in_process  # bench/, on the path as this script's folder

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
CONFIRMATIONS = 200
CREDITS = 40
PACE_SECONDS = 1.0


def setup(tmp: Path) -> None:
    in_process.start_django(tmp, MSPACE_TIMEOUT="60")


def percentile(values, share) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def reseller_ready():
    from decimal import Decimal

    from accounts.models import Reseller
    from billing.prices import profile_of
    from paybill.models import PaybillLink
    from simulator.seed import make_account
    from watch import service

    make_account(
        "paula", "bench-pw", balance=10**8, clients=[(f"Client {n}", 0) for n in range(10)]
    )
    reseller = Reseller.of_username("paula")
    service.start(reseller, "bench-pw", by="bench")
    profile = profile_of(reseller)
    profile.default_price = Decimal("0.35")
    profile.save()
    return PaybillLink.objects.create(reseller=reseller, short_code="600984")


def confirmation_figures(link) -> dict:
    from django.test import Client

    from simulator import daraja, faults

    faults.clear()
    faults.inject("*", "hang", delay=60)
    client = Client(REMOTE_ADDR=daraja.SAFARICOM_ADDRESS)
    url = f"/pay/{link.secret}/confirm"
    bodies = [daraja.pay("600984", f"Client {n % 10}", 100) for n in range(CONFIRMATIONS)]
    client.post(url, data=json.dumps(bodies[0]), content_type="application/json")  # warm-up
    times = []
    for body in bodies[1:]:
        started = time.perf_counter()
        response = client.post(url, data=json.dumps(body), content_type="application/json")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    faults.clear()
    from paybill.models import MpesaPayment

    MpesaPayment.objects.all().delete()  # not credited: the next phase starts clean
    return {
        "notices": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "goal_p95_ms": 50,
    }


def credit_figures(link) -> dict:
    from django.test import Client
    from huey.contrib.djhuey import HUEY

    from paybill.models import MpesaPayment
    from simulator import daraja, faults

    faults.inject("*", "slow", delay=0.1)
    from django.conf import settings

    # The worker as `manage.py run_huey` configures it (without the periodic tasks).
    consumer = HUEY.create_consumer(**{**settings.HUEY["consumer"], "periodic": False})
    consumer.start()
    client = Client(REMOTE_ADDR=daraja.SAFARICOM_ADDRESS)
    url = f"/pay/{link.secret}/confirm"
    started = time.monotonic()
    for n in range(CREDITS):
        body = daraja.pay("600984", f"Client {n % 10}", 100)
        client.post(url, data=json.dumps(body), content_type="application/json")
        time.sleep(max(0.0, started + (n + 1) * PACE_SECONDS - time.monotonic()))
    deadline = time.monotonic() + 120
    done = MpesaPayment.objects.filter(entry__completed_at__isnull=False)
    while done.count() < CREDITS and time.monotonic() < deadline:
        time.sleep(0.2)
    consumer.stop()
    faults.clear()
    latencies = [
        (p.entry.completed_at - p.received_at).total_seconds() * 1000
        for p in done.select_related("entry")
    ]
    return {
        "payments": CREDITS,
        "credited": len(latencies),
        "gateway_latency_ms": 100,
        "pace_per_second": round(1 / PACE_SECONDS, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "goal_p95_ms": 1000,
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        setup(tmp)
        link = reseller_ready()
        figures = {
            "confirmation_while_mspace_hangs": confirmation_figures(link),
            "confirmation_to_credit": credit_figures(link),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "paybill-latest.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    met = (
        figures["confirmation_while_mspace_hangs"]["p95_ms"] <= 50
        and figures["confirmation_to_credit"]["p95_ms"] <= 1000
        and figures["confirmation_to_credit"]["credited"] == CREDITS
    )
    print("goals met" if met else "goals MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
