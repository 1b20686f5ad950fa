"""One load phase of `make bench`, driven by locust (headless, as a library).

Run by bench/run.py as its own process, so that locust's gevent monkey-patching never touches
the orchestrator. Each simulated user is a closed loop: it logs in once as its own reseller
(app mode) and then requests its pages back to back, with no think time.

Locust's own statistics round response times above 100 ms to 10 ms buckets, too coarse for a
"within 5 % of 100 ms" figure, so every response time is also kept exactly (request event
hook) and the percentiles are computed here. Only requests completed inside the measurement
window count: logins and the warm-up are left out.

Prints nothing but errors; writes one JSON document to --out.
"""

import argparse
import itertools
import json
import os
import re
import sys
import time
from urllib.parse import quote

import gevent
from locust import FastHttpUser, constant, events, task
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN_FORM = b'name="password"'
# What a page must never show when every gateway read worked (see bench/README.md).
PAGE_PROBLEMS = (b"alert-error", b"alert-warning", b"Traceback")

STATE = {
    "measuring": False,
    "samples": {},  # request name -> [ms, ...] completed inside the window
    "errors": 0,
    "error_examples": [],
    "logged_in": 0,
    "staggered": 0,
    "login_errors": 0,
    "login_error_examples": [],
}


def _note_error(kind, detail):
    if STATE["measuring"]:
        STATE["errors"] += 1
        if len(STATE["error_examples"]) < 5:
            STATE["error_examples"].append(f"{kind}: {detail}"[:300])


@events.request.add_listener
def _on_request(name, response_time, exception, **_):
    if not STATE["measuring"] or name == "login":
        return
    if name == "part":  # one of several side-by-side requests: only their slowest counts
        if exception is not None:
            _note_error(name, repr(exception))
        return
    if exception is not None:
        _note_error(name, repr(exception))
        return
    STATE["samples"].setdefault(name, []).append(response_time)


class Reseller(FastHttpUser):
    """Logs in as the next reseller in --usernames, then loops over --paths."""

    wait_time = constant(0)
    # Connections per user: a browser tab loads one page at a time; the side-by-side probe
    # sends three requests at once.
    concurrency = 4
    network_timeout = 60.0
    connection_timeout = 10.0

    credentials = iter(())
    paths = ("/",)
    check_body = True
    side_by_side = False
    stagger = 0.0
    user_count = 1
    needs_login = True
    # With --pair: each user also logs in as a second reseller and requests every page for
    # both, alternately (samples named "A <path>" and "B <path>").
    pair_credentials = None

    def on_start(self):
        self._next_path = itertools.cycle(self.paths)
        username, password = next(self.credentials)
        self.username = username
        self.password = password
        if not self.needs_login:
            self._stagger()
            return
        try:
            self._log_in(self.client, username, password)
            if self.pair_credentials is not None:
                self.pair = FastHttpSession(
                    self.host, request_event=self.environment.events.request, user=self
                )
                self.pair_username, pair_password = next(self.pair_credentials)
                self._log_in(self.pair, self.pair_username, pair_password)
        except Exception as exc:  # noqa: BLE001 - reported, and this user stops
            STATE["login_errors"] += 1
            if len(STATE["login_error_examples"]) < 5:
                STATE["login_error_examples"].append(f"{username}: {exc}"[:300])
            self.stop()
            return
        STATE["logged_in"] += 1
        self._stagger()

    def _log_in(self, session, username, password):
        page = session.get("/accounts/login/", name="login")
        token = CSRF_FIELD.search(page.content or b"")
        if page.status_code != 200 or token is None:
            raise RuntimeError(f"login page answered {page.status_code}")
        answer = session.post(
            "/accounts/login/",
            name="login",
            data={
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": password,
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
        )
        if answer.status_code != 200 or LOGIN_FORM in (answer.content or b""):
            raise RuntimeError(f"login refused (HTTP {answer.status_code})")
        if not any(c.name == "sessionid" for c in session.cookiejar):
            raise RuntimeError("no session cookie after logging in")

    def _stagger(self):
        if self.stagger:
            # Spread evenly by arrival order rather than at random: with a fixed gateway
            # latency the phases then stay evenly spread, and a window of any length sees
            # completions at a steady rate.
            STATE["staggered"] += 1
            gevent.sleep(self.stagger * (STATE["staggered"] - 1) / self.user_count)

    @task
    def page(self):
        if self.side_by_side:
            self._side_by_side()
            return
        path = next(self._next_path)
        if self.pair_credentials is None:
            self._get(path)
            return
        # The same page for both resellers, one after the other: the two books are compared
        # under the same conditions, whatever else the machine is doing meanwhile.
        self._get(path, f"A {path}")
        self._get(path, f"B {path}", session=self.pair)

    def _side_by_side(self):
        """All the paths at once, as the dashboard asks mSpace: one sample, the slowest."""
        started = time.perf_counter()
        requests = [gevent.spawn(self._get, path, "part") for path in self.paths]
        gevent.joinall(requests)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if STATE["measuring"]:
            STATE["samples"].setdefault("side by side", []).append(elapsed_ms)

    def _get(self, path, name=None, session=None):
        path = path.format(
            username=quote(self.username, safe=""), password=quote(self.password, safe="")
        )
        name = name or next_name(path)
        session = session or self.client
        with session.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif self.check_body:
                body = response.content or b""
                problem = next((p for p in PAGE_PROBLEMS if p in body), None)
                if problem is not None:
                    response.failure(f"page shows {problem.decode()}")
                elif LOGIN_FORM in body:
                    response.failure("sent back to the login page")


def next_name(path):
    # Simulator paths carry the username: group them by method.
    return re.sub(r"username=[^/]*/password=[^/]*", "username=U/password=P", path)


def percentile(sorted_values, fraction):
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _stat(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return [
            int(f) if f.lstrip("-").isdigit() else f for f in stat.read().rsplit(")", 1)[1].split()
        ]


def _children(pid):
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found.extend(int(child) for child in children.read().split())
    except OSError:
        pass
    return found


def worker_cpu_seconds(master):
    """CPU time (user + system) of a gunicorn master's workers, past and present, in seconds.

    Live workers count their own time; workers that exited (a `max_requests` recycle) are in
    the master's "children" counters once reaped, so a recycle inside the window neither
    loses nor double-counts anything. The master's own time (the arbiter) is left out.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        fields = _stat(master)
    except OSError:
        return 0.0
    total = fields[13] + fields[14]  # cutime, cstime (fields 16 and 17)
    for child in _children(master):
        try:
            child_fields = _stat(child)
        except OSError:
            continue
        total += child_fields[11] + child_fields[12]  # utime, stime (fields 14 and 15)
    return total / ticks


def own_cpu_seconds():
    times = os.times()
    return times.user + times.system


def parse_args(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument(
        "--credentials", required=True, help="file: one 'username<TAB>password' a line"
    )
    parser.add_argument("--paths", nargs="+", default=["/"])
    parser.add_argument("--no-login", action="store_true", help="simulator or bare site")
    parser.add_argument(
        "--pair", help="file like --credentials: a second reseller per user, pages alternate"
    )
    parser.add_argument("--no-body-check", action="store_true")
    parser.add_argument(
        "--side-by-side", action="store_true", help="request all --paths at once, as one sample"
    )
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument(
        "--stagger",
        type=float,
        default=0.0,
        help="each user waits up to this long (uniformly spread) before its first page, so "
        "that users who logged in together do not all ask at the same instant",
    )
    parser.add_argument("--login-timeout", type=float, default=60.0)
    parser.add_argument(
        "--cpu",
        action="append",
        default=[],
        help="NAME=PID of a gunicorn master: its workers' CPU time over the window",
    )
    parser.add_argument("--out", required=True)
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    with open(args.credentials) as lines:
        credentials = [tuple(line.rstrip("\n").split("\t", 1)) for line in lines if line.strip()]
    if args.no_login:
        # Gateway calls and the bare site need no session: accounts may be shared.
        credentials = list(itertools.islice(itertools.cycle(credentials), args.users))
    if len(credentials) < args.users:
        sys.exit(f"need {args.users} resellers, have {len(credentials)}")
    Reseller.credentials = iter(credentials[: args.users])
    if args.pair:
        with open(args.pair) as lines:
            pairs = [tuple(line.rstrip("\n").split("\t", 1)) for line in lines if line.strip()]
        Reseller.pair_credentials = iter(pairs)
    Reseller.paths = tuple(args.paths)
    Reseller.check_body = not args.no_body_check
    Reseller.side_by_side = args.side_by_side
    Reseller.needs_login = not args.no_login
    Reseller.host = args.host
    Reseller.stagger = args.stagger
    Reseller.user_count = args.users

    env = Environment(user_classes=[Reseller], events=events, host=args.host)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(args.users, spawn_rate=max(args.users, 1) * 4)

    # Everyone logged in (or gave up), then a warm-up, then the window.
    if Reseller.needs_login:
        while STATE["logged_in"] + STATE["login_errors"] < args.users:
            if time.monotonic() - started > args.login_timeout:
                break
            gevent.sleep(0.05)
    else:
        while runner.user_count < args.users and time.monotonic() - started < 10:
            gevent.sleep(0.05)
    login_seconds = time.monotonic() - started
    gevent.sleep(args.warmup + args.stagger)

    masters = {}
    for spec in args.cpu:
        name, _, pid = spec.partition("=")
        masters[name] = int(pid)

    def cpu_now():
        now = {name: worker_cpu_seconds(pid) for name, pid in masters.items()}
        now["loadgen"] = own_cpu_seconds()
        return now

    cpu_before = cpu_now()
    STATE["measuring"] = True
    window_start = time.monotonic()
    gevent.sleep(args.duration)
    STATE["measuring"] = False
    window = time.monotonic() - window_start
    cpu_after = cpu_now()
    runner.quit()

    pages = {}
    total = 0
    for name, values in STATE["samples"].items():
        values.sort()
        total += len(values)
        pages[name] = {
            "count": len(values),
            "p50_ms": percentile(values, 0.50),
            "p95_ms": percentile(values, 0.95),
            "p99_ms": percentile(values, 0.99),
            "mean_ms": sum(values) / len(values),
            "max_ms": values[-1],
        }
    for side in ("A", "B"):
        values = sorted(
            itertools.chain.from_iterable(
                v for name, v in STATE["samples"].items() if name.startswith(side + " ")
            )
        )
        if values:
            pages[side] = {
                "count": len(values),
                "p50_ms": percentile(values, 0.50),
                "p95_ms": percentile(values, 0.95),
                "mean_ms": sum(values) / len(values),
            }
    all_values = sorted(itertools.chain.from_iterable(STATE["samples"].values()))
    result = {
        "users": args.users,
        "logged_in": STATE["logged_in"],
        "login_errors": STATE["login_errors"],
        "login_error_examples": STATE["login_error_examples"],
        "login_seconds": login_seconds,
        "window_s": window,
        "requests": total,
        "errors": STATE["errors"],
        "error_examples": STATE["error_examples"],
        "throughput_per_s": total / window,
        "p50_ms": percentile(all_values, 0.50),
        "p95_ms": percentile(all_values, 0.95),
        "p99_ms": percentile(all_values, 0.99),
        "pages": pages,
        "cpu_s": {name: cpu_after[name] - cpu_before[name] for name in cpu_before},
    }
    with open(args.out, "w") as out:
        json.dump(result, out, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
