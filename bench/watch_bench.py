"""`make bench` (its keep-watch part; `make bench-watch` alone): what watching costs.

In one process, against the in-process simulator, on a temporary SQLite database:

1. One watch round for 1 and for 100 watching resellers (each 50 clients, 5 sub-accounts),
   with 100 ms of gateway latency injected into every call: the round's wall time and the
   gateway calls it made (three per reseller, none retried).
2. Database growth per month for a reseller with 10,000 clients: rounds every 15 minutes
   (2,880 a month) are recorded for a sample of rounds in which one client in ten changed
   balance (active clients send in bursts), and the growth of the database file per round is
   scaled to a month. The worst case (every client changes every round) is shown too.
3. The 10,000-client list page with its Days left column (14 days of history for every
   client) against the 10-client page, median time of the Django view in process.

Results: bench/results/watch-latest.json. The machine may be shared: say so beside figures.
"""

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import in_process  # bench/, on the path as this script's folder

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
ROUNDS_A_MONTH = 30 * 24 * 60 // 15
SAMPLE_ROUNDS = 12


def setup(tmp: Path) -> None:
    in_process.start_django(tmp, MSPACE_CACHE_SECONDS="30")


def db_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA freelist_count")
        free = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return (pages - free) * cursor.fetchone()[0]


def rounds_figures() -> dict:
    from simulator import faults
    from simulator.models import SimCall
    from simulator.seed import make_account
    from watch import rounds, service
    from watch.models import StandingCredential

    clients = [(f"Client {n:03d}", 1000 + n) for n in range(50)]
    subs = [(f"branch-{n}", 100 + n) for n in range(5)]
    users = []
    for n in range(100):
        make_account(f"watcher{n:03d}", f"pw-{n}", balance=5000, clients=clients, subaccounts=subs)
    from accounts.models import Reseller

    for n in range(100):
        users.append(Reseller.of_username(f"watcher{n:03d}"))
    faults.inject("*", "slow", delay=0.1)
    result = {}
    for count in (1, 100):
        StandingCredential.objects.all().delete()
        for n, user in enumerate(users[:count]):
            service.start(user, f"pw-{n}", by="bench")
        before = SimCall.objects.exclude(method="login").count()
        started = time.perf_counter()
        report = rounds.run_round()
        seconds = time.perf_counter() - started
        calls = SimCall.objects.exclude(method="login").count() - before
        result[f"round_{count}"] = {
            "resellers": report.resellers,
            "read_fully": report.read_fully,
            "seconds": round(seconds, 3),
            "gateway_calls": calls,
        }
    faults.clear()
    return result


def growth_figures() -> dict:
    from django.utils import timezone

    from accounts.models import Reseller
    from watch import history

    user = Reseller.of_username("bigbook")
    names = [f"bench-client-{n:05d}" for n in range(10_000)]
    balances = {name: 5000 for name in names}
    start = timezone.now() - timedelta(days=10)
    out = {}
    for label, share in (("one_in_ten_change", 10), ("all_change", 1)):
        if label == "all_change":
            user = Reseller.of_username("bigbook-worst")
        at = start
        history.record_reads(user.pk, at, source="worker", books={"clients": balances.items()})
        size = db_bytes()
        timings = []
        for r in range(SAMPLE_ROUNDS):
            at += timedelta(minutes=15)
            for i, name in enumerate(names):
                if (i + r) % share == 0:
                    balances[name] -= 1 + (i % 7)
            t = time.perf_counter()
            history.record_reads(user.pk, at, source="worker", books={"clients": balances.items()})
            timings.append(time.perf_counter() - t)
        grown = db_bytes() - size
        per_round = grown / SAMPLE_ROUNDS
        out[label] = {
            "bytes_per_round": round(per_round),
            "mb_per_month": round(per_round * ROUNDS_A_MONTH / 1e6, 1),
            "record_seconds_median": round(statistics.median(timings), 3),
        }
    return out


def list_figures() -> dict:
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Reseller
    from simulator.seed import make_account
    from watch.models import DailyUse, WatchedAccount

    big = [(f"bench-client-{n:05d}", (n * 7919) % 5000) for n in range(10_000)]
    make_account("listbig", "pw-big", balance=10, clients=big)
    make_account("listsmall", "pw-small", balance=10, clients=big[:10])
    now = timezone.now()
    browsers = {}
    for username, password in (("listsmall", "pw-small"), ("listbig", "pw-big")):
        browsers[username] = Client()  # logging in makes the reseller's user, as in real life
        browsers[username].post("/accounts/login/", {"username": username, "password": password})
    for username, book in (("listbig", big), ("listsmall", big[:10])):
        user = Reseller.of_username(username)
        accounts = WatchedAccount.objects.bulk_create(
            WatchedAccount(
                reseller=user,
                book="clients",
                name=name,
                balance=balance,
                first_seen=now - timedelta(days=30),
                changed_at=now,
                seen_at=now,
            )
            for name, balance in book
        )
        DailyUse.objects.bulk_create(
            DailyUse(account=a, day=timezone.localdate() - timedelta(days=d), used=5 + i % 40)
            for i, a in enumerate(accounts)
            for d in range(14)
        )
    out = {}
    for username, client in browsers.items():
        for page in ("/clients/", "/clients/?sort=days_left"):
            client.get(page)  # the first read fills the caches, as for the busy day's pages
            times = []
            for _ in range(60):
                t = time.perf_counter()
                response = client.get(page)
                times.append(time.perf_counter() - t)
                assert response.status_code == 200, (response.status_code, response.get("Location"))
                assert b"Days left" in response.content
            out[f"{username} {page}"] = round(statistics.median(times) * 1000, 2)
    out["ratio_name_sort"] = round(out["listbig /clients/"] / out["listsmall /clients/"], 3)
    out["ratio_days_left_sort"] = round(
        out["listbig /clients/?sort=days_left"] / out["listsmall /clients/?sort=days_left"], 3
    )
    return out


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="watch-bench-") as tmp:
        setup(Path(tmp))
        import logging

        logging.disable(logging.WARNING)  # the slow-gateway warnings are expected here
        result = {
            "rounds": rounds_figures(),
            "growth": growth_figures(),
            "list": list_figures(),
            "load": os.getloadavg(),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "watch-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    r, g, li = result["rounds"], result["growth"], result["list"]
    print("keep watch                                   measured")
    for count in (1, 100):
        f = r[f"round_{count}"]
        print(
            f"one round, {count:>3} reseller(s), 100 ms latency   "
            f"{f['seconds']} s, {f['gateway_calls']} gateway calls ({f['read_fully']} read fully)"
        )
    for label, f in g.items():
        print(
            f"10,000 clients, {label:<18} {f['mb_per_month']} MB a month "
            f"({f['bytes_per_round']} bytes a round, {f['record_seconds_median']} s to record)"
        )
    print(
        f"list 10,000 ÷ 10 clients, Days left column   {li['ratio_name_sort']} by name, "
        f"{li['ratio_days_left_sort']} by days left (goal ≤ 1.2)"
    )
    print(f"load average while measuring: {result['load']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
