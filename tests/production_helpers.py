"""The production shape, for `make test-postgres`: the simulated gateway and two app nodes as
separate gunicorn processes on one PostgreSQL database, and the shipped nginx site in front.

The test database pytest-django made for the test is that one database: the test reads the
gateway's journal (`SimCall`) and the ledger through the ORM while the nodes write them.
Every process started here runs in its own process group and is killed when the test ends,
pass or fail; every wait is bounded.
"""

import base64
import contextlib
import datetime
import ipaddress
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection

REPO = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SIMULATOR_PATH = "/mspaceservice/wr/sms/"
NGINX_SITE = REPO / "deploy" / "nginx" / "mspace-admin.conf"
STATIC_ROOT = REPO / "staticfiles"
# Long enough for a gunicorn to boot on a busy 2-core machine, short enough to fail a run.
START_SECONDS = 60


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test's own PostgreSQL database, as a DATABASE_URL for the nodes."""
    database = connection.settings_dict
    assert connection.vendor == "postgresql", "the production shape runs on PostgreSQL only"
    user = quote(database["USER"] or "", safe="")
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{database['NAME']}"


def production_environment(**settings) -> dict[str, str]:
    """The environment of a production process: only what is set here, no developer .env."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "VIRTUAL_ENV")
    }
    environment.update(
        {
            "DJANGO_ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "mspace_admin.settings",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DEBUG": "false",
        }
    )
    environment.update({key: str(value) for key, value in settings.items()})
    return environment


class Processes:
    """The servers of one test, each in its own process group, all stopped on `stop_all`."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], environment: dict[str, str], *, listening=None):
        """Start `argv`; `listening` is a socket the process inherits and serves on."""
        with open(self.logs / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                argv,
                cwd=REPO,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own group: workers die with their master
                pass_fds=(listening.fileno(),) if listening else (),
            )
        if listening:
            listening.close()  # the child holds its own copy
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group at once, as the out-of-memory killer would."""
        process = self.running[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        # SIGINT: gunicorn's and nginx's quick shutdown (SIGTERM would wait for keep-alives).
        for process in self.running.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGINT)
        deadline = time.monotonic() + 10
        for process in self.running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            # The group too: a worker outliving a master that was killed must go as well.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)

    def wait_until_answering(self, name: str, url: str, **request_options) -> None:
        """Until `url` gives any HTTP answer; fails with the process's log otherwise."""
        process = self.running[name]
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"{name} exited ({process.returncode}):\n{self.log(name)[-3000:]}")
            try:
                requests.get(url, timeout=5, allow_redirects=False, **request_options)
                return
            except requests.RequestException:
                time.sleep(0.2)
        pytest.fail(f"{name} did not answer {url} in {START_SECONDS} s:\n{self.log(name)[-3000:]}")


def wait_for(condition, what: str, seconds: float = 30) -> None:
    """Until `condition()` is true; fails saying `what` was waited for after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"waited {seconds} s for: {what}")


def listening_socket() -> tuple[socket.socket, str]:
    """A socket already bound to a free port and listening, and its http:// address.

    Handed to gunicorn as it is: between asking the OS for a free port and a server binding
    it, another test run on this machine could take the port, and this test would then talk
    to that run's server.
    """
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(128)
    listening.set_inheritable(True)
    return listening, f"http://127.0.0.1:{listening.getsockname()[1]}"


def gunicorn(listening: socket.socket, *, threads: int) -> list[str]:
    """The shipped gunicorn configuration on `listening`, one worker (a node's caches are
    its own)."""
    return [
        GUNICORN,
        "-c",
        str(REPO / "gunicorn.conf.py"),
        "--no-control-socket",
        "--bind",
        f"fd://{listening.fileno()}",
        "--workers",
        "1",
        "--threads",
        str(threads),
        "mspace_admin.wsgi",
    ]


class Shape:
    """The simulated gateway and app nodes "a" and "b", on one database."""

    def __init__(self, processes: Processes, tmp: Path):
        self.processes = processes
        self.tmp = tmp
        self.secret = secrets.token_urlsafe(50)
        # Keep watch's key (a Fernet key): every node and the operator's manage.py share it.
        self.watch_keys = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self.gateway_socket, self.gateway = listening_socket()
        self.nodes: dict[str, str] = {}

    def start_gateway(self):
        environment = production_environment(
            SECRET_KEY=self.secret, FORCE_HTTPS="false", DATABASE_URL=database_url()
        )
        # Threads to spare: a "hang" fault holds one for as long as it lasts.
        listening = self.gateway_socket
        self.processes.start(
            "gateway", gunicorn(listening, threads=32), environment, listening=listening
        )

    def start_node(self, name: str, **settings):
        listening, url = listening_socket()
        environment = production_environment(
            SECRET_KEY=self.secret,
            WATCH_KEYS=self.watch_keys,
            DATABASE_URL=database_url(),
            MSPACE_BASE_URL=f"{self.gateway}{SIMULATOR_PATH}",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            **settings,
        )
        self.processes.start(
            f"node-{name}", gunicorn(listening, threads=16), environment, listening=listening
        )
        self.nodes[name] = url
        return url

    def wait_until_answering(self):
        self.processes.wait_until_answering("gateway", f"{self.gateway}{SIMULATOR_PATH}")
        for name, url in self.nodes.items():
            self.processes.wait_until_answering(f"node-{name}", f"{url}/healthz")

    def start_worker(self, name: str = "worker"):
        """`manage.py run_huey`, as the worker unit runs it, on the same database."""
        argv = [sys.executable, "manage.py", "run_huey"]
        return self.processes.start(name, argv, self._on_the_node())

    def _on_the_node(self) -> dict[str, str]:
        """The environment of an operator's command run on a node, against the same database."""
        return production_environment(
            SECRET_KEY=self.secret,
            WATCH_KEYS=self.watch_keys,
            DATABASE_URL=database_url(),
            MSPACE_BASE_URL=f"{self.gateway}{SIMULATOR_PATH}",
            TRUSTED_PROXY_COUNT="0",  # run on the node itself, with no proxy in front
        )

    def manage(self, *command) -> subprocess.CompletedProcess:
        """`manage.py` as an operator runs it on a node, against the same database."""
        return subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=REPO,
            env=self._on_the_node(),
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="session")
def static_files():
    """collectstatic, when static/ changed since the last one: production settings need its
    manifest to render a page, and nginx serves the files from it."""
    manifest = STATIC_ROOT / "staticfiles.json"
    sources = [path.stat().st_mtime for path in (REPO / "static").rglob("*") if path.is_file()]
    if manifest.exists() and manifest.stat().st_mtime > max(sources, default=0):
        return STATIC_ROOT
    environment = production_environment(SECRET_KEY="collectstatic-only", FORCE_HTTPS="false")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=environment,
        check=True,
        timeout=300,
    )
    return STATIC_ROOT


@pytest.fixture
def production(transactional_db, static_files, tmp_path):
    """Start the gateway and nodes with `production.start(**node_settings)`; all stop after."""
    processes = Processes(tmp_path)
    shape = Shape(processes, tmp_path)

    def start(**node_settings):
        shape.start_gateway()
        shape.start_node("a", **node_settings)
        shape.start_node("b", **node_settings)
        shape.wait_until_answering()
        return shape

    shape.start = start
    try:
        yield shape
    finally:
        processes.stop_all()
        shape.gateway_socket.close()
        _until_only_this_process_uses_the_database()


def _until_only_this_process_uses_the_database(seconds=15):
    """The nodes' server-side sessions outlive a killed node for a moment; pytest-django
    cannot empty or drop the test database while they last. The database is this test run's
    own, so what is left after `seconds` is ended."""
    others = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(others)
            if not cursor.fetchall():
                return
            time.sleep(0.2)
        cursor.execute(f"SELECT pg_terminate_backend(pid) FROM ({others}) AS left_over")  # noqa: S608


# --- nginx ---------------------------------------------------------------------------------


def nginx_binary() -> str:
    for candidate in ("nginx", "/usr/sbin/nginx"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run([candidate, "-v"], capture_output=True, check=True, timeout=10)
            return candidate
    pytest.fail("nginx is not installed: `make test-postgres` installs it (make nginx)")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for localhost and 127.0.0.1, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def replace_once(text: str, pattern: str, replacement: str) -> str:
    """Replace what must be in the shipped site exactly once: the test runs that very file."""
    changed, count = re.subn(pattern, lambda _: replacement, text, flags=re.MULTILINE)
    assert count >= 1, f"deploy/nginx/mspace-admin.conf no longer has {pattern!r}"
    return changed


def site_for_test(*, http_port, https_port, nodes, cert, key) -> str:
    """The shipped site with this machine's ports, certificate, nodes and static folder."""
    site = NGINX_SITE.read_text()
    site = replace_once(site, r"^\s*listen \[::\]:.*$\n", "")  # IPv6 may be off here
    site = replace_once(site, r"listen 80;", f"listen 127.0.0.1:{http_port};")
    site = replace_once(site, r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    site = replace_once(site, r"ssl_certificate \S+;", f"ssl_certificate {cert};")
    site = replace_once(site, r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};")
    site = replace_once(site, r"alias \S+/staticfiles/;", f"alias {STATIC_ROOT}/;")
    servers = "".join(f"    server {url.removeprefix('http://')};\n" for url in nodes)
    site = replace_once(site, r"(^\s*server 127\.0\.0\.1:\d+[^;]*;\n)+", servers)
    return site


def start_nginx(processes: Processes, folder: Path, nodes: list[str]) -> tuple[int, int, Path]:
    """The shipped site under nginx, in the foreground, with a prefix of its own.

    Returns (http port, https port, certificate to trust).
    """
    folder.mkdir()
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir()
    cert, key = self_signed_certificate(folder)
    http_port, https_port = free_port(), free_port()
    (folder / "site.conf").write_text(
        site_for_test(http_port=http_port, https_port=https_port, nodes=nodes, cert=cert, key=key)
    )
    # Root starts nginx's workers as "nobody" unless told otherwise; they must read the
    # static files and the temp folders here.
    user = f"user {_user_name()};" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"""
daemon off;
master_process on;
worker_processes 1;
{user}
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""
    )
    nginx = nginx_binary()
    argv = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"]
    check = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    processes.start("nginx", argv, {"PATH": os.environ.get("PATH", "")})
    # Only this nginx holds the throwaway certificate: an answer that verifies is its own.
    processes.wait_until_answering("nginx", f"https://127.0.0.1:{https_port}/healthz", verify=cert)
    plain = requests.get(f"http://127.0.0.1:{http_port}/", timeout=10, allow_redirects=False)
    assert plain.headers.get("Server", "").startswith("nginx"), plain.headers
    assert processes.running["nginx"].poll() is None, processes.log("nginx")[-3000:]
    return http_port, https_port, cert


def _user_name() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name
