"""Fill the benchmark's own simulator database with resellers (run by bench/run.py).

`python bench/seed.py OUT_DIR --resellers N --big-book M` (with DATABASE_URL pointing at the
simulator's temporary database) makes N resellers with a 10-client book each and one more
with an M-client book, through the simulator's own `make_account`, and writes their
credentials to OUT_DIR/small.tsv and OUT_DIR/big.tsv for the load generator.
"""

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SMALL_BOOK = 10
# A password that needs percent-encoding in every gateway URL, as real ones often do.
PASSWORD = "b3nch/p@ss&?{n}"  # noqa: S105 - a simulator account made for this run


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--resellers", type=int, default=160)
    parser.add_argument("--big-book", type=int, default=10_000)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mspace_admin.settings")
    import django

    django.setup()
    from simulator.seed import make_account

    small = []
    for n in range(1, args.resellers + 1):
        username, password = f"bench-reseller-{n:03d}", PASSWORD.format(n=n)
        make_account(
            username,
            password,
            balance=1_000_000,
            clients=[(f"Client {c:02d} of {n}", (c * 731 + n) % 3000) for c in range(SMALL_BOOK)],
            subaccounts=[(f"{username}-branch-{b}", 500 * b) for b in range(1, 3)],
        )
        small.append((username, password))
    big_username, big_password = "bench-big-book", PASSWORD.format(n="big")
    make_account(
        big_username,
        big_password,
        balance=50_000_000,
        # Varied balances (a few low ones) so sorting and "running low" have work to do.
        clients=[(f"Client {c:05d}", (c * 7919) % 5000) for c in range(args.big_book)],
        subaccounts=[("big-branch-1", 1000)],
    )
    _index_usernames()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "small.tsv").write_text("".join(f"{u}\t{p}\n" for u, p in small))
    (args.out_dir / "big.tsv").write_text(f"{big_username}\t{big_password}\n")


def _index_usernames():
    """Every gateway call looks its caller up by username. The simulator's only indexes on
    it are partial (top-level accounts) or composite (parent, username), which that lookup
    cannot use, so with 12,000 accounts each call would scan the table: a cost of the
    stand-in, not of the app, and one that bench/README.md reports to the simulator."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS bench_simaccount_username "
            "ON simulator_simaccount (username)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
