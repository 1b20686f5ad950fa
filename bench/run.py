"""`make bench`: the app under gunicorn against the simulator with injected latency.

Everything runs on 127.0.0.1 with its own temporary databases: SQLite files, or for the app,
with BENCH_DATABASE_URL=postgres://USER@HOST:PORT/DB, a PostgreSQL database of its own made
on that server for the run and dropped after it:

- the simulator, as its own gunicorn process (a separate database, MSPACE_BASE_URL unset so
  it is mounted at /mspaceservice/wr/sms/, hundreds of threads so it never queues), seeded
  with 160 resellers with a 10-client book each and one with a 10,000-client book;
- the app, with the shipped gunicorn.conf.py and MSPACE_BASE_URL pointing at the simulator;
- a bare Django site (bench/bare_site.py) under the same gunicorn configuration, the
  yardstick for the app's own CPU per page;
- locust (bench/loadgen.py), one process per phase, closed loop, each user its own reseller.

Each figure is a ratio of two things measured in the same run; the table shows the median of
--runs runs. Results go to bench/results/latest.json. Every process started here is stopped
on the way out, error or not; the whole run stays within --budget seconds.
"""

import argparse
import atexit
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
RESULTS = BENCH / "results"
SIM_PATH = "/mspaceservice/wr/sms/"
ONE_CALL = SIM_PATH + "balance/username={username}/password={password}"
# The dashboard's three reads, as it sends them.
DASHBOARD_CALLS = [
    SIM_PATH + method + "/username={username}/password={password}"
    for method in ("balance", "resellerclients", "subusers")
]
# The dashboard, forcing its three gateway reads every time (see bench/README.md).
DASHBOARD = "/?refresh=1"
# A logged-in page that never asks the gateway: the app's fixed cost per page.
APP_PAGE_WITHOUT_GATEWAY = "/activity/"
CLIENT_LIST_PAGES = ("/clients/", "/clients/?sort=-balance", "/clients/?page=2")
BIG_BOOK_TOUR = (
    "/clients/",
    "/clients/?sort=balance",
    "/clients/?page=150",
    "/clients/?q=Client%2009",
    "/clients/?format=csv",
)

GOALS = {
    "dashboard_p50_ratio": ("<=", 1.05),
    "dashboard_p95_ratio": ("<=", 1.2),
    "throughput_32_ratio": (">=", 0.9),
    "throughput_128_ratio": (">=", 0.8),
    "client_list_10k_ratio": ("<=", 1.2),
    "worker_rss_mb": ("<=", 70.0),
    "cpu_per_dashboard_ratio": ("<=", 3.0),
}
LABELS = {
    "dashboard_p50_ratio": "dashboard time / one gateway call, p50",
    "dashboard_p95_ratio": "dashboard time / one gateway call, p95",
    "throughput_32_ratio": "throughput, 32 resellers / (32 / one call)",
    "throughput_128_ratio": "throughput, 128 resellers / (128 / one call)",
    "client_list_10k_ratio": "client list, 10,000-client / 10-client book",
    "worker_rss_mb": "worker RSS after the 10,000-client book, MB",
    "cpu_per_dashboard_ratio": "app CPU per dashboard / bare Django view",
}

# The simulator and locust stand in for the outside world (mSpace's servers, the resellers'
# browsers), which in real life have CPUs of their own. Here all three share 2 cores, so the
# app and the bare site run at a lower CPU priority: whenever the stand-ins need the CPU they
# get it, and any waiting that shows up in the figures is the app's own. This can only make
# the app look slower, never faster.
APP_NICE = ("nice", "-n", "10")

_children: list[subprocess.Popen] = []


# --- Processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(name, argv, env, logs: Path) -> subprocess.Popen:
    log = open(logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        argv,
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped as one, never orphaned
    )
    log.close()  # the child holds its own copy
    process.bench_name = name
    _children.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    if process in _children:
        _children.remove(process)


def stop_all() -> None:
    for process in list(reversed(_children)):
        stop(process)


def run(argv, env, *, timeout=300, logs: Path | None = None, name="step"):
    """Run a command to completion; its output goes to the log (shown if it fails)."""
    process = start(name, argv, env, logs)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        raise SystemExit(f"{name} took longer than {timeout} s; see {logs}/{name}.log") from None
    _children.remove(process)
    if code != 0:
        tail = (logs / f"{name}.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"{name} failed (exit {code}):\n{tail}")


def wait_until_answering(url: str, process: subprocess.Popen, timeout=60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.bench_name} exited (code {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback
                answer.read()
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{process.bench_name} did not answer {url} within {timeout} s")


def worker_pids(master: subprocess.Popen) -> list[int]:
    """gunicorn's worker processes (children of the master)."""
    pids = []
    for task in Path(f"/proc/{master.pid}/task").iterdir():
        children = (task / "children").read_text().split()
        pids.extend(int(pid) for pid in children)
    return sorted(pids)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- The world ------------------------------------------------------------------------------


class World:
    """The three servers and the files they use, for one `make bench`."""

    def __init__(self, args, tmp: Path):
        self.args = args
        self.tmp = tmp
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.secret = secrets.token_urlsafe(50)
        self.sim_port, self.app_port, self.bare_port = free_port(), free_port(), free_port()
        self.sim_host = f"http://127.0.0.1:{self.sim_port}"
        self.app_host = f"http://127.0.0.1:{self.app_port}"
        self.bare_host = f"http://127.0.0.1:{self.bare_port}"

    def base_env(self, database_url):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MSPACE_", "DJANGO_", "GUNICORN_", "WEB_CONCURRENCY"))
            and key not in ("DATABASE_URL", "PORT", "HOST", "DEBUG", "FORCE_HTTPS", "SECRET_KEY")
        }
        env.update(
            {
                "DJANGO_ENV_FILE": "",  # a developer's .env never applies
                "DJANGO_SETTINGS_MODULE": "mspace_admin.settings",
                "SECRET_KEY": self.secret,
                "DEBUG": "false",
                "FORCE_HTTPS": "false",
                "DATABASE_URL": database_url,
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        return env

    def sim_env(self, *, serving=False):
        env = self.base_env(f"sqlite:///{self.tmp / 'simulator.sqlite3'}?conn_max_age=600")
        if serving:
            env["DJANGO_SETTINGS_MODULE"] = "simulator_settings"
            env["PYTHONPATH"] = str(BENCH)
        return env

    def app_env(self):
        database = self.args.app_database or "sqlite:///{tmp}/app.sqlite3"
        env = self.base_env(database.format(tmp=self.tmp))
        env.update(
            {
                "MSPACE_BASE_URL": f"{self.sim_host}{SIM_PATH}",
                "HOST": "127.0.0.1",
                "PORT": str(self.app_port),
            }
        )
        # Settings-level levers under measurement (see --app-env).
        for pair in self.args.app_env:
            key, _, value = pair.partition("=")
            env[key] = value
        return env

    def manage(self, env, *command, name):
        run([PY, "manage.py", *command], env, logs=self.logs, name=name, timeout=180)

    def build(self):
        step("migrating and seeding the simulator's database")
        self.manage(self.sim_env(), "migrate", "--noinput", "-v0", name="sim-migrate")
        run(
            [
                PY,
                str(BENCH / "seed.py"),
                str(self.tmp),
                "--resellers",
                str(self.args.resellers),
                "--big-book",
                str(self.args.big_book),
            ],
            self.sim_env(),
            logs=self.logs,
            name="sim-seed",
        )
        self.small = self.tmp / "small.tsv"
        self.big = self.tmp / "big.tsv"

        step("migrating the app's database, collecting static files")
        self.manage(self.app_env(), "migrate", "--noinput", "-v0", name="app-migrate")
        self.manage(self.app_env(), "collectstatic", "--noinput", "-v0", name="app-static")

        step("starting the simulator, the app and the bare site")
        sim_argv = [
            GUNICORN,
            "mspace_admin.wsgi",
            "--bind",
            f"127.0.0.1:{self.sim_port}",
            "--no-control-socket",
            "--worker-class",
            self.args.sim_worker_class,
            "--workers",
            str(self.args.sim_workers),
            "--threads",
            str(self.args.sim_threads),
            "--worker-connections",
            "4000",
            "--backlog",
            "4096",
            "--timeout",
            "120",
        ]
        self.sim = start("simulator", sim_argv, self.sim_env(serving=True), self.logs)
        self.start_app()
        wait_until_answering(self.sim_host + SIM_PATH, self.sim)

    def start_app(self):
        """The app and the bare site, freshly started: every run begins with new workers,
        so that one run's threads and caches never reach the next run's memory figure."""
        self.app = start(
            "app",
            [*APP_NICE, GUNICORN, "-c", str(REPO / "gunicorn.conf.py"), "mspace_admin.wsgi"],
            self.app_env(),
            self.logs,
        )
        bare_env = self.base_env("sqlite://:memory:")
        bare_env.update(
            {
                "DJANGO_SETTINGS_MODULE": "bare_site",
                "HOST": "127.0.0.1",
                "PORT": str(self.bare_port),
            }
        )
        for pair in self.args.app_env:  # the same gunicorn levers as the app
            key, _, value = pair.partition("=")
            if key in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_CMD_ARGS"):
                bare_env[key] = value
        self.bare = start(
            "bare",
            [
                *APP_NICE,
                GUNICORN,
                "-c",
                str(REPO / "gunicorn.conf.py"),
                "--pythonpath",
                str(BENCH),
                "bare_site:application",
            ],
            bare_env,
            self.logs,
        )
        wait_until_answering(self.app_host + "/accounts/login/", self.app)
        wait_until_answering(self.bare_host + "/", self.bare)

    def restart_app(self):
        stop(self.app)
        stop(self.bare)
        self.start_app()

    def latency(self, seconds: float) -> None:
        """Every gateway method answers after `seconds` (0: no fault at all)."""
        if getattr(self, "_latency", None) == seconds:
            return
        env = self.sim_env()
        self.manage(env, "simulator_fault", "--clear", name="sim-fault")
        if seconds > 0:
            self.manage(
                env, "simulator_fault", "*", "slow", "--delay", str(seconds), name="sim-fault"
            )
        self._latency = seconds

    def load(
        self,
        name,
        host,
        *,
        users,
        paths,
        credentials=None,
        login=True,
        duration,
        warmup=2.0,
        stagger=0.0,
        cpu=None,
        body_check=True,
        side_by_side=False,
        pair=None,
    ):
        out = self.tmp / f"{name}.json"
        argv = [
            PY,
            str(BENCH / "loadgen.py"),
            "--host",
            host,
            "--users",
            str(users),
            "--credentials",
            str(credentials or self.small),
            "--paths",
            *paths,
            "--duration",
            str(duration),
            "--warmup",
            str(warmup),
            "--stagger",
            str(stagger),
            "--out",
            str(out),
        ]
        if not login:
            argv.append("--no-login")
        if not body_check:
            argv.append("--no-body-check")
        if side_by_side:
            argv.append("--side-by-side")
        if pair:
            argv += ["--pair", str(pair)]
        for label, process in (cpu or {}).items():
            argv += ["--cpu", f"{label}={process.pid}"]
        run(
            argv,
            os.environ.copy(),
            logs=self.logs,
            name=f"load-{name}",
            timeout=duration + warmup + stagger + 120,
        )
        return json.loads(out.read_text())

    def all_cpu(self):
        return {"app": self.app, "simulator": self.sim}


# --- Phases -----------------------------------------------------------------------------------

PHASES = ("latency", "throughput", "lists", "cpu")


def one_call(world, latency, *, users, duration, name="call"):
    """The simulator alone: one gateway call's latency, as the app would see it.

    `users` closed loops of `balance` calls; few users measure the latency, 3 x N users check
    that the simulator keeps up with what N resellers' dashboards ask of it.
    """
    world.latency(latency)
    return world.load(
        f"{name}-{latency}-{users}",
        world.sim_host,
        users=users,
        paths=[ONE_CALL],
        login=False,
        body_check=False,
        duration=duration,
        stagger=latency,
        cpu={"simulator": world.sim},
    )


def dashboards(world, latency, users, duration):
    world.latency(latency)
    return world.load(
        f"dashboard-{latency}-{users}",
        world.app_host,
        users=users,
        paths=[DASHBOARD],
        duration=duration,
        warmup=2.0 + latency,
        stagger=latency if users > 1 else 0.0,
        cpu=world.all_cpu(),
    )


def one_run(world, index, args):
    result = {}
    latency = args.latency_ms / 1000
    if "latency" in args.phases:
        step(f"run {index}: one gateway call, simulator alone ({args.latency_ms:g} ms injected)")
        result["call"] = one_call(world, latency, users=4, duration=args.phase_seconds)
        # The floor for a dashboard: its three reads side by side, the simulator alone.
        result["three_calls"] = world.load(
            "three-calls",
            world.sim_host,
            users=1,
            paths=DASHBOARD_CALLS,
            login=False,
            body_check=False,
            side_by_side=True,
            duration=args.phase_seconds,
            cpu={"simulator": world.sim},
        )
        step(f"run {index}: one reseller's dashboard ({args.latency_ms:g} ms)")
        result["dashboard_1"] = dashboards(world, latency, 1, args.phase_seconds * 1.5)

    if "lists" in args.phases:
        step(f"run {index}: client lists, 10,000 vs 10 clients ({args.latency_ms:g} ms, cache on)")
        world.latency(latency)
        # One user, logged in as both resellers, asks each page for the 10,000-client book
        # and then for the 10-client one, turn about.
        result["lists"] = world.load(
            "lists",
            world.app_host,
            users=1,
            paths=list(CLIENT_LIST_PAGES),
            credentials=world.big,
            pair=world.small,
            duration=args.phase_seconds * 1.5,
            warmup=1.0,
        )
        # Every worker serves the big book (several users spread over the workers), with the
        # pages most likely to hold everything at once: the last page, a search, the CSV.
        result["big_tour"] = world.load(
            "big-tour",
            world.app_host,
            users=4,
            paths=list(BIG_BOOK_TOUR),
            credentials=world.big_repeated,
            duration=4.0,
            warmup=0.5,
        )
        result["worker_rss_mb"] = {str(pid): rss_mb(pid) for pid in worker_pids(world.app)}

    if "cpu" in args.phases:
        step(f"run {index}: CPU per page at zero latency: dashboard vs bare Django view")
        world.latency(0)
        result["cpu_dashboard"] = world.load(
            "cpu-dashboard",
            world.app_host,
            users=args.cpu_users,
            paths=[DASHBOARD],
            duration=args.phase_seconds,
            cpu=world.all_cpu(),
        )
        result["cpu_bare"] = world.load(
            "cpu-bare",
            world.bare_host,
            users=args.cpu_users,
            paths=["/"],
            login=False,
            duration=args.phase_seconds,
            cpu={"app": world.bare},
        )
        # Where the dashboard's CPU goes: a page of the app that asks the gateway nothing
        # (middleware, session, user, base template), and the dashboard from the cache.
        for key, path in (("cpu_app_page", APP_PAGE_WITHOUT_GATEWAY), ("cpu_cached", "/")):
            result[key] = world.load(
                key.replace("_", "-"),
                world.app_host,
                users=args.cpu_users,
                paths=[path],
                duration=args.phase_seconds / 2,
                cpu=world.all_cpu(),
            )
    extra_started = time.monotonic()
    if args.profile and index == 1:
        profile(world, args)
    result["extra_seconds"] = time.monotonic() - extra_started

    if "throughput" in args.phases:
        for users, ms in ((32, args.latency_32_ms), (128, args.latency_128_ms)):
            seconds = ms / 1000
            duration = max(args.phase_seconds, 3 * seconds)
            step(f"run {index}: {users} resellers at once ({ms:g} ms): one call, then dashboards")
            result[f"call_for_{users}"] = one_call(
                world, seconds, users=8, duration=max(args.phase_seconds, 2 * seconds)
            )
            if index == 1:
                # Can the simulator alone carry what these dashboards ask of it?
                extra_started = time.monotonic()
                result[f"simulator_for_{users}"] = one_call(
                    world, seconds, users=3 * users, duration=duration, name="simulator-load"
                )
                result["extra_seconds"] += time.monotonic() - extra_started
            result[f"dashboard_{users}"] = dashboards(world, seconds, users, duration)
        # What concurrency costs: every in-flight dashboard holds threads whose stacks stay
        # resident afterwards.
        result["worker_rss_after_128_mb"] = {
            str(pid): rss_mb(pid) for pid in worker_pids(world.app)
        }

    return result


def profile(world, args):
    """py-spy on every app worker while resellers load dashboards at zero latency.

    Its own load, after the measured phases, so that the sampler's cost never reaches a
    figure. Writes a summary of where the workers' active threads were
    (bench/profile_summary.py) next to the results; the raw stacks stay in the temporary
    folder (--keep keeps them).
    """
    step("profiling the app's workers (py-spy) while dashboards load at zero latency")
    world.latency(0)
    seconds = max(int(args.phase_seconds), 4)
    raw_files, samplers = [], []
    for pid in worker_pids(world.app):
        raw = world.tmp / f"profile-{pid}.txt"
        raw_files.append(raw)
        samplers.append(
            subprocess.Popen(
                [
                    str(Path(PY).with_name("py-spy")),
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    "200",
                    "--duration",
                    str(seconds),
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    world.load(
        "profiled",
        world.app_host,
        users=args.cpu_users,
        paths=[DASHBOARD],
        duration=seconds + 1,
        warmup=0.5,
    )
    for sampler in samplers:
        try:
            sampler.wait(timeout=30)
        except subprocess.TimeoutExpired:
            sampler.kill()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    merged = world.tmp / "profile-dashboard.raw.txt"
    merged.write_text("".join(f.read_text() for f in raw_files if f.exists()))
    summary = subprocess.run(
        [
            PY,
            str(BENCH / "profile_summary.py"),
            str(merged),
            "--top",
            "60",
            "--focus",
            "_WorkItem.run",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    (args.out.parent / "profile-dashboard.txt").write_text(
        "py-spy, every app worker, dashboards with refresh at zero gateway latency; only "
        "stacks of threads doing work (request and read-pool threads).\n" + summary.stdout
    )


def _ratio(a, b):
    """a / b, or None when either is missing (a phase that served nothing)."""
    return a / b if a is not None and b else None


def _errors(phase) -> int:
    return phase["errors"] + phase["login_errors"]


def figures(result) -> dict:
    """The figures of one run (only those whose phases ran)."""
    fig = {}
    if "call" in result:
        call, one = result["call"], result["dashboard_1"]
        fig.update(
            {
                "call_p50_ms": call["p50_ms"],
                "call_p95_ms": call["p95_ms"],
                "dashboard_p50_ms": one["p50_ms"],
                "dashboard_p95_ms": one["p95_ms"],
                "dashboard_p50_ratio": _ratio(one["p50_ms"], call["p50_ms"]),
                "dashboard_p95_ratio": _ratio(one["p95_ms"], call["p95_ms"]),
                "three_calls_p50_ms": result["three_calls"]["p50_ms"],
                "three_calls_p95_ms": result["three_calls"]["p95_ms"],
                "latency_errors": _errors(call) + _errors(one) + _errors(result["three_calls"]),
            }
        )
    for users in (32, 128):
        if f"dashboard_{users}" not in result:
            continue
        run_, call = result[f"dashboard_{users}"], result[f"call_for_{users}"]
        ideal = users / (call["p50_ms"] / 1000) if call["p50_ms"] else None
        app_cpu = run_["cpu_s"]["app"] / max(run_["requests"], 1)
        fig.update(
            {
                f"throughput_{users}_call_p50_ms": call["p50_ms"],
                f"throughput_{users}_per_s": run_["throughput_per_s"],
                f"throughput_{users}_ideal_per_s": ideal,
                f"throughput_{users}_ratio": _ratio(run_["throughput_per_s"], ideal),
                f"throughput_{users}_errors": _errors(run_) + _errors(call),
                f"throughput_{users}_p50_ms": run_["p50_ms"],
                f"throughput_{users}_p95_ms": run_["p95_ms"],
                f"throughput_{users}_app_cpu_ms": app_cpu * 1000,
                f"throughput_{users}_machine_cpu_share": sum(run_["cpu_s"].values())
                / run_["window_s"]
                / (os.cpu_count() or 1),
            }
        )
        sim = result.get(f"simulator_for_{users}")
        if sim:
            fig[f"simulator_for_{users}_ratio"] = _ratio(
                sim["throughput_per_s"], ideal and 3 * ideal
            )
            fig[f"simulator_for_{users}_p50_ms"] = sim["p50_ms"]
    if "worker_rss_after_128_mb" in result:
        fig["worker_rss_after_128_mb"] = max(result["worker_rss_after_128_mb"].values())
    if "lists" in result:
        missing = {"p50_ms": None, "p95_ms": None}
        pages = result["lists"]["pages"]
        big, small = pages.get("A", missing), pages.get("B", missing)
        fig.update(
            {
                "client_list_10k_p50_ms": big["p50_ms"],
                "client_list_10_p50_ms": small["p50_ms"],
                "client_list_10k_p95_ms": big["p95_ms"],
                "client_list_10_p95_ms": small["p95_ms"],
                "client_list_10k_ratio": _ratio(big["p50_ms"], small["p50_ms"]),
                "client_list_errors": _errors(result["lists"]) + _errors(result["big_tour"]),
                "worker_rss_mb": max(result["worker_rss_mb"].values()),
            }
        )
    if "cpu_dashboard" in result:
        dash, bare = result["cpu_dashboard"], result["cpu_bare"]
        dash_cpu = dash["cpu_s"]["app"] / max(dash["requests"], 1)
        bare_cpu = bare["cpu_s"]["app"] / max(bare["requests"], 1)
        fig.update(
            {
                "cpu_per_dashboard_ms": dash_cpu * 1000,
                "cpu_per_bare_ms": bare_cpu * 1000,
                "cpu_per_dashboard_ratio": dash_cpu / bare_cpu if bare_cpu else None,
                "simulator_cpu_per_dashboard_ms": dash["cpu_s"]["simulator"]
                / max(dash["requests"], 1)
                * 1000,
                "cpu_errors": _errors(dash) + _errors(bare),
            }
        )
        for key in ("cpu_app_page", "cpu_cached"):
            if key in result:
                page = result[key]
                fig[f"{key}_ms"] = page["cpu_s"]["app"] / max(page["requests"], 1) * 1000
    return fig


ERRORS_FOR = {
    "dashboard_p50_ratio": "latency_errors",
    "dashboard_p95_ratio": "latency_errors",
    "throughput_32_ratio": "throughput_32_errors",
    "throughput_128_ratio": "throughput_128_errors",
    "client_list_10k_ratio": "client_list_errors",
    "worker_rss_mb": "client_list_errors",
    "cpu_per_dashboard_ratio": "cpu_errors",
}


def met(fig, name):
    """Whether the figure reached its goal, with no errors in the phases behind it."""
    op, goal = GOALS[name]
    value = fig.get(name)
    if value is None or fig.get(ERRORS_FOR[name], 0):
        return None if value is None else False
    return value <= goal if op == "<=" else value >= goal


def machine():
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def step(text):
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def _shown(value):
    if value is None:
        return "n/a"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def print_table(summary):
    fig = summary["figures"]
    config = summary["config"]
    machine_ = summary["machine"]
    print()
    print(
        f"machine: nproc {machine_['nproc']}, {machine_['cpu_model']}; "
        f"median of {summary['runs']} run(s)"
    )
    print(f"{'figure':<50} {'value':>8} {'goal':>8}  result")
    for name, (op, goal) in GOALS.items():
        if name not in fig:
            continue
        verdict = {True: "met", False: "MISSED", None: "n/a"}[met(fig, name)]
        print(f"{LABELS[name]:<50} {_shown(fig[name]):>8} {op + ' ' + str(goal):>8}  {verdict}")
    print()
    if "call_p50_ms" in fig:
        print(
            f"- {config['latency_ms']:g} ms injected: one call p50 {fig['call_p50_ms']:.1f} / "
            f"p95 {fig['call_p95_ms']:.1f} ms (simulator alone); one reseller's dashboard "
            f"p50 {fig['dashboard_p50_ms']:.1f} / p95 {fig['dashboard_p95_ms']:.1f} ms; "
            f"its three reads side by side, simulator alone: p50 {fig['three_calls_p50_ms']:.1f}"
            f" / p95 {fig['three_calls_p95_ms']:.1f} ms"
        )
    for users in (32, 128):
        if f"throughput_{users}_per_s" not in fig:
            continue
        line = (
            f"- {users} resellers, {config[f'latency_{users}_ms']:g} ms injected: "
            f"{fig[f'throughput_{users}_per_s']:.1f} dashboards/s of "
            f"{fig[f'throughput_{users}_ideal_per_s']:.1f}/s possible, "
            f"p50 {fig[f'throughput_{users}_p50_ms']:.0f} / "
            f"p95 {fig[f'throughput_{users}_p95_ms']:.0f} ms, "
            f"{int(fig[f'throughput_{users}_errors'])} errors; machine CPU "
            f"{100 * fig[f'throughput_{users}_machine_cpu_share']:.0f}% busy"
        )
        if f"simulator_for_{users}_ratio" in fig:
            line += (
                f"; simulator alone at {3 * users} calls at once: "
                f"{fig[f'simulator_for_{users}_ratio']:.2f} of ideal"
            )
        print(line)
    if "client_list_10k_p50_ms" in fig:
        print(
            f"- client list p50: {fig['client_list_10k_p50_ms']:.1f} ms (10,000 clients) vs "
            f"{fig['client_list_10_p50_ms']:.1f} ms (10 clients)"
        )
    if "cpu_per_dashboard_ms" in fig:
        print(
            f"- CPU per page at zero latency: dashboard {fig['cpu_per_dashboard_ms']:.2f} ms in "
            f"the app (+ {fig['simulator_cpu_per_dashboard_ms']:.2f} ms in the simulator), "
            f"bare Django view {fig['cpu_per_bare_ms']:.2f} ms"
        )
    if "cpu_app_page_ms" in fig:
        print(
            f"  of which every logged-in page pays {fig['cpu_app_page_ms']:.2f} ms "
            f"({APP_PAGE_WITHOUT_GATEWAY}, no gateway call); a dashboard from the cache costs "
            f"{fig['cpu_cached_ms']:.2f} ms"
        )
    if "worker_rss_mb" in fig:
        line = f"- worker RSS: {fig['worker_rss_mb']:.1f} MB after the 10,000-client book"
        if fig.get("worker_rss_after_128_mb"):
            line += f", {fig['worker_rss_after_128_mb']:.1f} MB after 128 resellers at once"
        print(line)


def serve(world, args, started):
    """Keep the three servers up for profiling by hand, until Ctrl-C or the budget ends."""
    world.latency(args.latency_ms / 1000)
    (world.tmp / "hosts.json").write_text(
        json.dumps(
            {
                "app": world.app_host,
                "simulator": world.sim_host,
                "bare": world.bare_host,
                "app_workers": worker_pids(world.app),
                "simulator_workers": worker_pids(world.sim),
                "bare_workers": worker_pids(world.bare),
                "credentials": str(world.small),
                "big_book": str(world.big),
                "simulator_env": world.sim_env(),
            },
            indent=1,
        )
    )
    step(f"serving; details in {world.tmp / 'hosts.json'}; Ctrl-C stops")
    try:
        while time.monotonic() - started < args.budget:
            time.sleep(1)
    except KeyboardInterrupt:
        pass


@contextlib.contextmanager
def database_of_its_own(server_url: str | None):
    """A fresh PostgreSQL database for the app on BENCH_DATABASE_URL's server, dropped on
    the way out; yields its DATABASE_URL (None: the app's temporary SQLite file)."""
    if not server_url:
        yield None
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"BENCH_DATABASE_URL must be a postgres:// URL, not {server_url!r}")
    name = f"mspace_bench_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(server_url.split("?")[0], autocommit=True, connect_timeout=10)
    except psycopg.Error as error:
        raise SystemExit(f"PostgreSQL (BENCH_DATABASE_URL) cannot be reached: {error}") from None
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--latency-32-ms", type=float, default=1000)
    parser.add_argument("--latency-128-ms", type=float, default=4000)
    parser.add_argument(
        "--phases", nargs="+", choices=PHASES, default=list(PHASES), help="default: all"
    )
    parser.add_argument("--phase-seconds", type=float, default=8.0)
    parser.add_argument("--cpu-users", type=int, default=4)
    parser.add_argument("--resellers", type=int, default=160)
    parser.add_argument("--big-book", type=int, default=10_000)
    parser.add_argument("--sim-worker-class", default="gthread")
    parser.add_argument("--sim-workers", type=int, default=2)
    parser.add_argument("--sim-threads", type=int, default=768)
    parser.add_argument(
        "--app-database",
        help="DATABASE_URL for the app; {tmp} is the temporary folder "
        "(default: sqlite:///{tmp}/app.sqlite3, or a database of its own on "
        "BENCH_DATABASE_URL's PostgreSQL server)",
    )
    parser.add_argument(
        "--app-env",
        action="append",
        default=[],
        help="KEY=VALUE for the app's environment, e.g. GUNICORN_THREADS=32 (levers to measure)",
    )
    parser.add_argument("--budget", type=float, default=590, help="seconds for the whole run")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    parser.add_argument(
        "--serve", action="store_true", help="only start the servers, for profiling by hand"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile the app's workers with py-spy (results/profile-dashboard.txt)",
    )
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    started = time.monotonic()
    atexit.register(stop_all)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(1))
    tmp = Path(tempfile.mkdtemp(prefix="mspace-bench-"))
    postgres = None if args.app_database else os.environ.get("BENCH_DATABASE_URL", "").strip()
    database = database_of_its_own(postgres)
    try:
        args.app_database = database.__enter__() or args.app_database
        world = World(args, tmp)
        world.build()
        big_user = world.big.read_text()
        world.big_repeated = tmp / "big-repeated.tsv"
        world.big_repeated.write_text(big_user * 8)
        setup_s = time.monotonic() - started
        if args.serve:
            serve(world, args, started)
            return
        results = []
        for index in range(1, args.runs + 1):
            run_started = time.monotonic()
            if index > 1:
                world.restart_app()
            results.append(one_run(world, index, args))
            # Run 1 also checks the simulator and profiles; the next runs do not.
            per_run = time.monotonic() - run_started - results[-1].get("extra_seconds", 0)
            left = args.budget - (time.monotonic() - started)
            if index < args.runs and left < per_run * 1.1:
                step(f"stopping after {index} run(s): another would exceed the budget")
                break
        per_run_figures = [figures(r) for r in results]
        median = {}
        for key in per_run_figures[0]:
            values = [f[key] for f in per_run_figures if f.get(key) is not None]
            median[key] = statistics.median(values) if values else None
        summary = {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine(),
            "runs": len(results),
            "config": {
                "latency_ms": args.latency_ms,
                "latency_32_ms": args.latency_32_ms,
                "latency_128_ms": args.latency_128_ms,
                "phases": args.phases,
                "sim_path_settings": "bench/simulator_settings.py",
                "phase_seconds": args.phase_seconds,
                "cpu_users": args.cpu_users,
                "resellers": args.resellers,
                "big_book": args.big_book,
                "simulator": f"gunicorn {args.sim_worker_class} x{args.sim_workers}, "
                f"{args.sim_threads} threads",
                "app_database": (
                    "postgresql (BENCH_DATABASE_URL, its own database)"
                    if postgres
                    else "custom"
                    if args.app_database
                    else "sqlite (temporary)"
                ),
                "app_env": args.app_env,
                "dashboard_path": DASHBOARD,
                "setup_seconds": round(setup_s, 1),
                "total_seconds": round(time.monotonic() - started, 1),
            },
            "figures": median,
            "goals": {
                name: {"goal": f"{op} {goal}", "value": median.get(name), "met": met(median, name)}
                for name, (op, goal) in GOALS.items()
                if name in median
            },
            "per_run_figures": per_run_figures,
            "raw": results,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=1) + "\n")
        try:
            print_table(summary)
        except (TypeError, KeyError):  # a phase that served nothing has no percentiles
            print("\nsome phases served nothing; see the errors in the JSON and --keep logs")
        print(
            f"\nwrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}"
            f" in {summary['config']['total_seconds']:.0f} s"
        )
    finally:
        stop_all()
        database.__exit__(None, None, None)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
