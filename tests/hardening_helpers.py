"""Helpers for the hardening tests: what a safe response looks like, where a password could
hide, and a way to hear every log record the app writes.

The hardening tests look at the whole app from outside (HTTP in, database file, logs out),
so these helpers know nothing about how any one page is built.
"""

import io
import logging
import os
import re
import subprocess
import traceback
from pathlib import Path
from urllib.parse import quote, quote_plus

from django.conf import settings
from django.db import connection
from django.test import Client

from mspace_admin.logging import MaskGatewayPasswords

LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"

# What Python and Django's technical error pages put into a page. Any of them in a response
# means our own internals reached a reseller. (The gateway's own Tomcat error text may
# appear, escaped, where a ledger entry shows what mSpace answered: that is its data.)
TRACEBACK_SIGNS = (
    "Traceback (most recent call last)",
    'File "/',
    "Exception Value",
    "Exception Type",
    "Exception Location",
    "Request Method:",
    "You're seeing this error because you have",
    "Server Error (500)",
)
_FORM_KEY = re.compile(r'name="form_key" value="([0-9a-f-]{36})"')


def body_of(response) -> bytes:
    """The whole body, also of a streamed response (a CSV export)."""
    if getattr(response, "streaming", False):
        # Reading a streamed body consumes it: keep it for whoever looks next.
        content = b"".join(response.streaming_content)
        response.streaming_content = [content]
        return content
    return response.content


def text_of(response) -> str:
    return body_of(response).decode("utf-8", "replace")


def traceback_signs(text: str) -> list[str]:
    """The traceback or internals markers found in a page's text."""
    return [sign for sign in TRACEBACK_SIGNS if sign in text]


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def header_problems(response, *, logged_in: bool) -> list[str]:
    """What a response lacks of SPEC §5's headers; empty when it has them all.

    Every response: nosniff, no framing, a referrer policy. HTML: a Content-Security-Policy
    whose scripts cannot be inline (neither in script-src nor in a default-src it falls back
    to). A reseller's pages, whatever their type: never stored (no-store).
    """
    problems = []
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {response.get('X-Frame-Options')!r}, not DENY")
    if not response.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    if is_html(response):
        policy = csp_directives(response.get("Content-Security-Policy", ""))
        if not policy:
            problems.append("no Content-Security-Policy")
        scripts = policy.get("script-src", policy.get("default-src"))
        if scripts is None:
            problems.append("the CSP does not restrict scripts")
        elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(scripts):
            problems.append(f"the CSP lets scripts in from anywhere or inline: {scripts}")
        if policy.get("frame-ancestors") != ["'none'"]:
            problems.append("the CSP lets other sites frame the page")
    if logged_in:
        cache_control = {
            part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")
        }
        if "no-store" not in cache_control:
            problems.append(f"Cache-Control {response.get('Cache-Control')!r} lacks no-store")
    return problems


def csp_directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


# --- Logging in and filling in forms -----------------------------------------------------


def log_in(client: Client, username: str, password: str):
    """Log in through the real login page; the response (a 302 when it worked)."""
    return client.post(LOGIN_URL, {"username": username, "password": password})


def form_key_in(response) -> str | None:
    """The one-time key of the form on a page, or None when the page shows no form."""
    match = _FORM_KEY.search(text_of(response))
    return match[1] if match else None


def csrf_token_of(client: Client) -> str:
    """The CSRF secret in the client's cookie (valid as a form token, unmasked)."""
    return client.cookies[settings.CSRF_COOKIE_NAME].value


# --- Where a password could hide ---------------------------------------------------------


def forms_of(password: str) -> dict[str, str]:
    """Every shape the password takes on its way to the gateway or into a page."""
    shapes = {
        "plain": password,
        "percent-encoded": quote(password, safe=""),
        "percent-encoded, lower case": _lower_escapes(quote(password, safe="")),
        "URL-quoted": quote(password),
        "form-encoded": quote_plus(password),
        "HTML-escaped": password.replace("&", "&amp;"),
        "JSON-escaped": password.encode("ascii", "backslashreplace").decode(),
    }
    return {name: shape for name, shape in shapes.items() if shape}


def _lower_escapes(encoded: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), encoded)


def leaks_in(content, passwords) -> list[str]:
    """`password (shape)` for each shape of each password found in `content` (str or bytes).

    Bytes are searched as UTF-8 and as the raw UTF-8 encoding of each shape, so a password
    inside a binary file (the database) is found even amid bytes that are not text.
    """
    found = []
    if isinstance(content, bytes | bytearray | memoryview):
        raw = bytes(content)
        for password in passwords:
            for name, shape in forms_of(password).items():
                if shape.encode() in raw:
                    found.append(f"{password!r} ({name})")
        return found
    text = str(content)
    for password in passwords:
        for name, shape in forms_of(password).items():
            if shape in text:
                found.append(f"{password!r} ({name})")
    return found


def database_files() -> dict[str, bytes]:
    """What a copy of the test database holds, as bytes, by name.

    SQLite: the main file and its write-ahead log, after a checkpoint. A checkpoint copies
    the log into the main file, but the log keeps its old frames until it is reused: both
    are read, as a thief with a copy of the disk would.
    PostgreSQL: the database's own dump (`pg_dump`), every row of every table as a backup
    holds it.
    """
    if connection.vendor == "postgresql":
        return {"pg_dump": pg_dump()}
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(FULL)")
    name = Path(settings.DATABASES["default"]["NAME"])
    files = {}
    for path in (name, Path(f"{name}-wal"), Path(f"{name}-journal")):
        if path.exists():
            files[path.name] = path.read_bytes()
    return files


def pg_dump() -> bytes:
    """The PostgreSQL test database as `pg_dump` writes it (plain SQL, rows as COPY data)."""
    database = connection.settings_dict
    command = ["pg_dump", "--no-owner", "--dbname", database["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database[key]:
            command += [option, str(database[key])]
    environment = {**os.environ, "PGPASSWORD": database["PASSWORD"] or ""}
    dump = subprocess.run(command, capture_output=True, check=True, timeout=120, env=environment)
    # A dump without the sessions table would make any hunt through it pass.
    assert b"COPY public.django_session " in dump.stdout, dump.stderr[-2000:]
    return dump.stdout


def cookie_texts(client_or_response) -> list[str]:
    """Each cookie as the browser would store it (name, value and attributes)."""
    return [morsel.OutputString() for morsel in client_or_response.cookies.values()]


class EveryRecord(logging.Handler):
    """Keeps every record fully formatted (traceback included) before any filter touches it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.texts = []

    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:  # a broken format string in some library: keep what it said
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        self.texts.append(text + (record.exc_text or "") + (record.stack_info or ""))


class EveryLogLine:
    """Every logger at DEBUG, heard twice: raw (`records`) and as the real console handler
    writes it after its password filter (`console`). Use as a context manager."""

    def __init__(self):
        self.records = EveryRecord()
        self._console = io.StringIO()

    @property
    def console(self) -> str:
        return self._console.getvalue()

    @property
    def everything(self) -> list[str]:
        return [*self.records.texts, self.console]

    def __enter__(self):
        names = ("", *logging.root.manager.loggerDict)
        self._loggers = [
            logger
            for logger in (logging.getLogger(name) for name in names)
            if isinstance(logger, logging.Logger)
        ]
        self._levels = {logger: logger.level for logger in self._loggers}
        self._consoles = [
            handler
            for logger in self._loggers
            for handler in logger.handlers
            if any(isinstance(f, MaskGatewayPasswords) for f in handler.filters)
        ]
        self._consoles = list(dict.fromkeys(self._consoles))
        assert self._consoles, "the console handler with the password filter is configured"
        self._streams = [handler.setStream(self._console) for handler in self._consoles]
        # Loggers that keep records to themselves ("django") need the raw handler too.
        self._hosts = [logging.root] + [
            logger for logger in self._loggers if logger.handlers and not logger.propagate
        ]
        for logger in self._loggers:
            logger.setLevel(logging.DEBUG)
        for logger in self._hosts:
            # First in line: the console filter rewrites the records it masks.
            logger.handlers.insert(0, self.records)
        return self

    def __exit__(self, *exc):
        for logger in self._hosts:
            logger.removeHandler(self.records)
        for logger, level in self._levels.items():
            logger.setLevel(level)
        for handler, stream in zip(self._consoles, self._streams, strict=True):
            handler.setStream(stream)
        return False
