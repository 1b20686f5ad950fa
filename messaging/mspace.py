"""The one seam to the mSpace gateway: it alone builds gateway URLs, sends requests and reads
replies. Plain Python on `requests`; it must never import Django.

Callers get typed results (`Account`, `SendResult`, whole numbers, confirmation sentences) or
an `MspaceError` whose `.message` a reseller can read. Replies are read "fail closed": only a
reply of exactly the documented shape is a success.

Reads (login, balance, the two lists) share one pooled session per process and are tried a
second time, after a short pause, when the connection was refused or dropped. Writes (top-ups
and test SMS) move credit, so each goes out exactly once on a fresh connection; a failure
after the request may have reached mSpace is an `OutcomeUnknownError`, never a plain failure.

Every call has a hard deadline (`timeout`, from connecting to the last byte of the reply) and
a cap on the reply's size, both enforced while the reply streams in: a gateway dripping one
byte at a time, or sending a book of 300 MB, cannot hold a worker or its memory. Past the
deadline a watchdog thread shuts the call's socket, which wakes the thread waiting on it.

A transport `adapter` (the simulator's, in demo mode) replaces the network and nothing else.
To say "nothing was sent" it should raise what requests raises for a refused connection: a
`requests.ConnectionError` wrapping a `ConnectionRefusedError` or urllib3's
`NewConnectionError`. Any other connection error on a write counts as "may have been sent".
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import http.cookiejar
import itertools
import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit
from xml.etree.ElementTree import Element, ParseError  # nosec B405 - parsed by defusedxml

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as xml_from_string
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from messaging import methods

__all__ = [
    "UNLIMITED",
    "UNREADABLE",
    "Account",
    "AuthenticationError",
    "Balance",
    "GatewayError",
    "GatewayUnavailableError",
    "InsufficientBalanceError",
    "InvalidSenderIdError",
    "MspaceClient",
    "MspaceError",
    "NotAuthorizedError",
    "OutcomeUnknownError",
    "RequestRefusedError",
    "SendResult",
    "TopUpFailedError",
    "probe",
]

log = logging.getLogger("messaging.mspace")

USER_AGENT = "mspace-reseller-admin/1.0"
READ_RETRY_PAUSE = 0.2  # seconds before a read's second and last try
_CONNECT_TIMEOUT_CAP = 3.05  # a gateway that cannot even accept a connection in 3 s is down
_REPLY_PREVIEW_CHARS = 200
# Failure sentences and echoed passwords are looked for in this much of a reply, never more:
# every documented sentence is short, and scanning a huge reply would cost the worker dearly.
_SCAN_CHARS = 4096
# Longer passwords are not looked for in replies (no pattern is built from them): the whole
# reply is withheld instead. The login form never lets one through.
_REDACTABLE_PASSWORD_CHARS = 1024
# Reply size caps, checked as the reply streams in. A list is the only big answer: 24 MB is a
# 100,000-account book at ~240 bytes an account (names of 200 characters). Every other answer
# is a number, a sentence or one receipt.
BOOK_REPLY_LIMIT = 24 * 1024 * 1024
SMALL_REPLY_LIMIT = 64 * 1024
_CHUNK_BYTES = 64 * 1024
_LARGEST_COUNT = 10**15 - 1  # beyond any real SMS balance; also keeps int() cheap
# How the two balances that are not a number of SMS count in every rule (see `Balance`).
UNLIMITED = _LARGEST_COUNT + 1
UNREADABLE = -1

# No layer below us may repeat a request: a repeated top-up moves credit twice. `read=False`
# (as in requests' own default) lets a read timeout surface as requests' ReadTimeout instead
# of being wrapped as a "max retries" ConnectionError.
_NO_RETRIES = Retry(total=0, connect=0, read=False, redirect=0, status=0, other=0)
# One pooled session serves every reseller, so the gateway must not be able to plant a cookie
# that a later call on someone else's behalf would carry.
_NO_COOKIES = http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
_WRITE_HEADERS = {"Connection": "close"}
# mSpace's own sample asks for JSON: its server picks JSON or XML (lists, sends) by this
# header, and requests' default "*/*" lets it pick XML.
_ACCEPT = "application/json"
_Parser = Callable[[str], Any]  # reply text -> result, or raises MspaceError


class Balance(int):
    """An SMS balance mSpace did not write as a plain whole number; ordinary balances stay
    plain `int`s (a 10,000-client book is mostly those, and each of these costs more memory).

    As an int it is the number every rule counts with, so callers that compare, sort or cap
    by balance need nothing new; `.shown` is what mSpace sent:

    - unlimited: mSpace's own code stores an unlimited account as "-1". It counts as
      `UNLIMITED`, more SMS than any real balance: sorted as the largest, never low, never
      the cap of a top-up or a send. Show it as "Unlimited", never as this number.
    - a decimal ("49.5"; mSpace's code reads balances as floating point): counts as its
      whole part, 49, as rules must; shown as sent.
    - unreadable (only in a list, see `MspaceClient.reseller_clients`): counts as
      `UNREADABLE`, below every real balance, and is never low: nobody knows what it holds.

    Not part of a sum: `is_countable` says whether a balance is a real number of SMS.
    """

    shown: str

    def __new__(cls, count: int, shown: str) -> Balance:
        balance = super().__new__(cls, count)
        balance.shown = shown
        return balance

    @property
    def unlimited(self) -> bool:
        return self == UNLIMITED

    @property
    def readable(self) -> bool:
        return self != UNREADABLE

    def __repr__(self) -> str:
        return f"Balance({int(self)}, {self.shown!r})"

    def __reduce__(self):
        return (Balance, (int(self), self.shown))


def is_countable(balance: int) -> bool:
    """Whether `balance` is a real number of SMS (not unlimited, not unreadable)."""
    return 0 <= balance < UNLIMITED


def exact_balance(balance: int) -> int | Decimal:
    """A countable balance exactly as mSpace gave it: 49.5 stays Decimal("49.5")."""
    shown = getattr(balance, "shown", None)
    return Decimal(shown) if shown is not None and is_countable(balance) else int(balance)


@dataclass(frozen=True, slots=True)
class Account:
    """A reseller client or sub-account, with its SMS balance (an int or a `Balance`).

    `name` is "" for a list row whose name could not be read (its balance is unreadable).
    """

    name: str
    balance: int


@dataclass(frozen=True, slots=True)
class SendResult:
    message_id: str
    status: str
    response_time: str


# --- Errors ---------------------------------------------------------------------------------


class MspaceError(Exception):
    """Base of every error raised here. `.message` is plain words for the reseller; `.reply`
    is mSpace's own reply text (shortened, password masked), or "" when there was none.
    `.kind` is a short slug for records and logs."""

    kind = "error"
    default_message = "mSpace could not complete the request."

    def __init__(self, message: str | None = None, *, reply: str = "") -> None:
        self.message = message or self.default_message
        self.reply = reply
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class AuthenticationError(MspaceError):
    kind = "auth"
    default_message = "mSpace did not accept the username or password."


class InsufficientBalanceError(MspaceError):
    kind = "insufficient"
    default_message = "Your mSpace balance is too low for this."


class InvalidSenderIdError(MspaceError):
    kind = "sender"
    default_message = "mSpace did not accept this sender ID."


class NotAuthorizedError(MspaceError):
    kind = "not_authorized"
    default_message = "mSpace says your account is not authorized to make this transaction."


class TopUpFailedError(MspaceError):
    kind = "topup_failed"
    default_message = "mSpace did not carry out the top-up."


class GatewayError(MspaceError):
    """mSpace answered, but not with anything this site recognises."""

    kind = "gateway"
    default_message = "mSpace gave an answer this site could not understand."


class RequestRefusedError(GatewayError):
    """mSpace (or a server in front of it) refused the request itself as too large or
    malformed (HTTP 400, 413, 414, 431): what was sent, not the gateway, is at fault."""

    kind = "refused_request"
    default_message = "mSpace refused the request as too large or malformed."


class GatewayUnavailableError(MspaceError):
    """No usable answer came back from mSpace."""

    kind = "unavailable"
    default_message = "mSpace could not be reached. Please try again in a moment."


class OutcomeUnknownError(GatewayUnavailableError):
    """A top-up or send that may have reached mSpace: a person must check before retrying."""

    kind = "unknown"
    default_message = (
        "mSpace did not confirm whether this went through. Check the balances before trying again."
    )


# Documented failure sentences, matched on their distinctive words in a reply reduced to
# lower-case words (see `_words`). Order matters: the first match wins, specific causes first.
_FAILURES: list[tuple[re.Pattern[str], type[MspaceError], str | None]] = [
    (re.compile(r"\bau?th?enti\w*cation fail|\berror 100\b"), AuthenticationError, None),
    (re.compile(r"\binsufficient\b"), InsufficientBalanceError, None),
    (re.compile(r"\binvalid sender"), InvalidSenderIdError, None),
    (re.compile(r"\bnot authori[sz]ed\b"), NotAuthorizedError, None),
    (
        re.compile(r"\bcontact (?:the )?providers?\b"),
        TopUpFailedError,
        "mSpace did not carry out the top-up and asks you to contact mSpace for help.",
    ),
    (
        re.compile(r"\bfail(?:ed)? to deduct\b"),
        TopUpFailedError,
        "mSpace could not deduct the SMS from your own balance, so the top-up did not go through.",
    ),
    (
        re.compile(r"\bfail(?:ed)? to top ?up\b"),
        TopUpFailedError,
        "mSpace failed to top up that account.",
    ),
    (
        re.compile(r"\btop ?up (?:was )?(?:not successful|unsuccessful)\b"),
        TopUpFailedError,
        "mSpace says the top-up was not successful.",
    ),
    (
        re.compile(r"\binternal (?:service |server )?error\b"),
        GatewayError,
        "mSpace reported an internal error. Please try again later.",
    ),
]

_UNAVAILABLE = {
    "refused": "mSpace could not be reached. Please try again in a moment.",
    "connect timeout": "mSpace could not be reached in time. Please try again in a moment.",
    "read timeout": "mSpace did not answer in time.",
    "dropped": "mSpace closed the connection without answering.",
}
_UNKNOWN = {
    "read timeout": "mSpace did not answer in time",
    "dropped": "The connection to mSpace broke after the request was sent",
    "garbled": "mSpace's answer could not be decoded",
    "too large": "mSpace's answer was far larger than any real one and was not read",
}
_UNKNOWN_TAIL = ", so it is not known whether it went through. Check before trying again."


# --- Results and the client -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    text: str


class MspaceClient:
    """One reseller's view of the gateway. Every method raises `MspaceError` subclasses only
    (besides ValueError/TypeError for arguments that cannot be sent at all)."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 10.0,
        adapter: BaseAdapter | None = None,
    ) -> None:
        if not timeout > 0:
            raise ValueError("The mSpace timeout must be a positive number of seconds.")
        self._base = _checked_base_url(base_url)
        self.username = username
        self._password = password
        self._timeout = timeout
        self._timeouts = (min(timeout, _CONNECT_TIMEOUT_CAP), timeout)
        self._own_session = _new_session(adapter, self._base + "/") if adapter else None

    def __repr__(self) -> str:
        return f"MspaceClient(username={self.username!r})"

    def login(self) -> None:
        """Return when mSpace says the user exists; raise AuthenticationError when it refuses."""
        self._call(methods.LOGIN, _parse_login)

    def balance(self) -> int:
        """The reseller's own SMS balance: an int, or a `Balance` when unlimited or a decimal."""
        return self._call(methods.BALANCE, _parse_balance)

    def sub_accounts(self) -> list[Account]:
        """Every sub-account with its balance, in mSpace's order (maybe empty).

        A row that cannot be read stays in its place with an unreadable balance (see
        `Balance`), so one odd row never hides the rest; a list with no readable row at all
        is a `GatewayError`. JSON or XML, whichever mSpace sends."""
        return self._call(
            methods.SUB_ACCOUNTS,
            lambda text: _parse_accounts(text, "subUserName"),
            limit=BOOK_REPLY_LIMIT,
        )

    def reseller_clients(self) -> list[Account]:
        """Every client with its balance, in mSpace's order (maybe empty); as `sub_accounts`."""
        return self._call(
            methods.CLIENTS,
            lambda text: _parse_accounts(text, "clientname"),
            limit=BOOK_REPLY_LIMIT,
        )

    def top_up_client(self, name: str, amount: int) -> str:
        """Move `amount` SMS to the client `name`; return mSpace's confirmation sentence."""
        return self._top_up(methods.CLIENT_TOP_UP, name, amount)

    def top_up_sub_account(self, name: str, amount: int) -> str:
        """Move `amount` SMS to the sub-account `name`; return mSpace's confirmation sentence."""
        return self._top_up(methods.SUB_ACCOUNT_TOP_UP, name, amount)

    def send_text(self, sender_id: str, recipient: str, message: str) -> SendResult:
        """Send one SMS as given (the forms check it first); return mSpace's receipt (read from
        JSON or XML)."""
        fields = zip(methods.SEND_TEXT.segments, (sender_id, recipient, message), strict=True)
        return self._call(methods.SEND_TEXT, _parse_send, tuple(fields))

    def _top_up(self, method: methods.Method, name: str, amount: int) -> str:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError("A top-up amount must be a whole number of SMS.")
        return self._call(
            method,
            lambda text: _parse_top_up(text, name, amount),
            tuple(zip(method.segments, (name, amount), strict=True)),
        )

    def _call(
        self,
        method: methods.Method,
        parse: _Parser,
        fields=(),
        *,
        limit: int = SMALL_REPLY_LIMIT,
    ):
        """Ask mSpace once (reads: at most twice), parse its reply, log one line."""
        write = method.moves_credit
        started = time.monotonic()
        outcome = "error"
        try:
            result = self._result(method, parse, fields, write, limit)
        except MspaceError as error:
            outcome = error.kind
            raise
        else:
            outcome = "ok"
            return result
        finally:
            # A credit-moving call or a failure is an event worth a line; a routine read is
            # not (three per dashboard, from three threads, on one log handler).
            routine = logging.INFO if write else logging.DEBUG
            level = routine if outcome == "ok" else logging.WARNING
            elapsed_ms = (time.monotonic() - started) * 1000
            log.log(
                level,
                "mSpace %s for %r: %s in %.0f ms",
                method.wire,
                self.username,
                outcome,
                elapsed_ms,
            )

    def _result(self, method: methods.Method, parse: _Parser, fields, write: bool, limit: int):
        # No URL, password or requests exception is in scope here, so none can end up in the
        # error's traceback, __cause__ or __context__.
        reply = self._fetch(method, fields, write, limit)
        if isinstance(reply, str):
            raise _transport_error(reply, write)
        try:
            return parse(_checked_status(reply))
        except MspaceError as error:
            error.reply = self._redact(reply.text[:_SCAN_CHARS]).strip()[:_REPLY_PREVIEW_CHARS]
            error.message = self._redact(error.message)
            error.args = (error.message,)
            raise

    def _fetch(self, method: methods.Method, fields, write: bool, limit: int) -> _Reply | str:
        """The reply, or how the transport failed (see `_classify`)."""
        url = self._url(method, fields)
        deadline = _Deadline(self._timeout)  # one for the call, a read's second try included
        _watchdog.watch(deadline)
        try:
            reply = self._attempt(url, write, limit, deadline)
            if (
                not write
                and reply in ("refused", "dropped")
                and deadline.remaining() > READ_RETRY_PAUSE
            ):
                time.sleep(READ_RETRY_PAUSE)
                if deadline.remaining() > 0:
                    reply = self._attempt(url, write, limit, deadline)
            return reply
        finally:
            deadline.stop_watching()

    def _attempt(self, url: str, write: bool, limit: int, deadline: _Deadline) -> _Reply | str:
        """One request, within what is left of `deadline`, its reply read up to `limit` bytes."""
        remaining = deadline.remaining()
        if remaining <= 0:
            return "read timeout"
        session, throwaway = self._session_for(write)
        _calling.deadline = deadline  # our connections register their sockets with it
        try:
            response = session.get(
                url,
                headers=_WRITE_HEADERS if write else None,
                timeout=(min(remaining, _CONNECT_TIMEOUT_CAP), remaining),
                allow_redirects=False,
                stream=True,
            )
            with response:
                if not isinstance(response.raw, BaseHTTPResponse):
                    # An in-process adapter's body: it stops when told to.
                    deadline.on_expiry(getattr(response.raw, "shutdown", response.close))
                body = _read_body(response, limit, deadline)
            if deadline.expired:
                return "read timeout"  # whatever arrived may be cut short: never parse it
            if body is None:
                return "too large"
            return _Reply(response.status_code, body.decode("utf-8-sig", "replace"))
        except _TRANSPORT_ERRORS as exc:
            # The exception (and the URL it carries) stops here. A refusal is a refusal even
            # at the deadline: nothing was sent, nothing was waited for.
            failure = _classify(exc)
            if deadline.expired and failure not in ("refused", "connect timeout"):
                return "read timeout"
            return failure
        finally:
            _calling.deadline = None
            # This attempt's sockets may go back to the pool for someone else's call.
            deadline.forget_stops()
            if throwaway:
                session.close()

    def _session_for(self, write: bool) -> tuple[requests.Session, bool]:
        if self._own_session is not None:
            return self._own_session, False
        if write:
            # A fresh connection: a stale pooled one could fail after sending and turn a clean
            # refusal into a false "outcome unknown".
            adapter = _DeadlineAdapter(pool_connections=1, pool_maxsize=1, max_retries=_NO_RETRIES)
            return _new_session(adapter), True
        return _shared_session(), False

    def _url(self, method: methods.Method, fields: Iterable[tuple[str, Any]]) -> str:
        segments = [("username", self.username), ("password", self._password), *fields]
        return f"{self._base}/{method.wire}/" + "/".join(_segment(k, v) for k, v in segments)

    def _redact(self, text: str) -> str:
        """`text` (short: a reply's beginning or a message) with the password masked."""
        if len(self._password) > _REDACTABLE_PASSWORD_CHARS:
            return "(not shown: it might contain the password)" if text else text
        secret = _secret_pattern(self._password)
        return secret.sub("***", text) if secret else text


def probe(base_url: str, *, timeout: float = 3.0, adapter: BaseAdapter | None = None) -> bool:
    """Whether anything answers HTTP at `base_url` (any status counts). Sends no credentials;
    never raises."""
    try:
        base = _checked_base_url(base_url)
    except ValueError:
        return False
    session = _new_session(adapter, base + "/") if adapter else _shared_session()
    timeouts = (min(timeout, _CONNECT_TIMEOUT_CAP), timeout)
    started = time.monotonic()
    deadline = _Deadline(timeout)
    _watchdog.watch(deadline)
    _calling.deadline = deadline
    try:
        # Only the status line matters: the body is never read.
        with session.get(base + "/", timeout=timeouts, allow_redirects=False, stream=True):
            answered = True
    except _TRANSPORT_ERRORS:
        answered = False
    finally:
        _calling.deadline = None
        deadline.stop_watching()
    elapsed_ms = (time.monotonic() - started) * 1000
    log.info("mSpace probe: %s in %.0f ms", "answered" if answered else "no answer", elapsed_ms)
    return answered


# --- Building requests ----------------------------------------------------------------------


def _checked_base_url(base_url: str) -> str:
    parts = urlsplit(str(base_url))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("The mSpace address must look like http://HOST/mspaceservice/wr/sms/.")
    return str(base_url).rstrip("/")


def _segment(key: str, value: Any) -> str:
    # Nothing left unescaped: a "/" in a value must never become a new path segment.
    return f"{key}={quote(str(value), safe='')}"


def _secret_pattern(password: str) -> re.Pattern[str] | None:
    """Every form in which a gateway might echo the password back at us."""
    forms = {str(password), quote(str(password), safe=""), quote_plus(str(password))} - {""}
    if not forms:
        return None
    longest_first = sorted(forms, key=len, reverse=True)
    return re.compile("|".join(re.escape(form) for form in longest_first), re.IGNORECASE)


# --- Sessions -------------------------------------------------------------------------------

_shared: requests.Session | None = None
_shared_lock = threading.Lock()


def _new_session(adapter: BaseAdapter, mount_at: str | None = None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc from the environment: calls go where we say
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = _ACCEPT
    session.cookies.set_policy(_NO_COOKIES)
    for prefix in [mount_at] if mount_at else ["http://", "https://"]:
        session.mount(prefix, adapter)
    return session


def _shared_session() -> requests.Session:
    """The process's pooled session for reads, created on first use."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                # Room for every read a busy worker has in flight (128 threads, three reads
                # each); past it, connections are opened and dropped instead of reused.
                adapter = _DeadlineAdapter(
                    pool_maxsize=384, pool_block=False, max_retries=_NO_RETRIES
                )
                _shared = _new_session(adapter)
    return _shared


def _forget_shared_session() -> None:
    # A forked worker must not share its parent's sockets (or a lock held at fork time), and
    # the watchdog thread does not survive a fork.
    global _shared, _shared_lock, _watchdog
    _shared, _shared_lock = None, threading.Lock()
    _watchdog = _Watchdog()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_shared_session)


# --- Deadlines and size caps ---------------------------------------------------------------


class _Deadline:
    """The moment one call must be over by, and how to stop it when it is not.

    The watchdog thread calls `expire` at that moment; it runs every stop registered so far
    (shutting sockets, closing in-process bodies), and any registered later runs at once.
    """

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self.finished = False
        self._stops: list[Callable[[], Any]] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def on_expiry(self, stop: Callable[[], Any]) -> None:
        with self._lock:
            if not self.expired:
                self._stops.append(stop)
                return
        _quietly(stop)

    def expire(self) -> None:
        with self._lock:
            if self.finished or self.expired:
                return
            self.expired = True
            stops, self._stops = self._stops, []
        for stop in stops:
            _quietly(stop)

    def forget_stops(self) -> None:
        with self._lock:
            self._stops = []

    def stop_watching(self) -> None:
        with self._lock:
            self.finished = True
            self._stops = []


def _quietly(stop: Callable[[], Any]) -> None:
    # Already closed, or never opened: either way it no longer holds anyone.
    with contextlib.suppress(OSError, ValueError, RuntimeError, AttributeError):
        stop()


class _Watchdog:
    """One daemon thread per process that expires deadlines as they fall due.

    Deadlines are kept in a heap; a finished one is dropped when it reaches the top, so
    watching a call costs a heap push and, rarely, a wake-up.
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, _Deadline]] = []
        self._order = itertools.count()
        self._wake = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None

    def watch(self, deadline: _Deadline) -> None:
        with self._wake:
            heapq.heappush(self._due, (deadline.at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="mspace-deadlines", daemon=True
                )
                self._thread.start()
            if self._due[0][2] is deadline:
                self._wake.notify()  # sooner than whatever the thread is waiting for

    def _run(self) -> None:
        while True:
            with self._wake:
                while True:
                    while self._due and self._due[0][2].finished:
                        heapq.heappop(self._due)
                    if not self._due:
                        self._wake.wait()
                        continue
                    wait = self._due[0][0] - time.monotonic()
                    if wait <= 0:
                        due = heapq.heappop(self._due)[2]
                        break
                    self._wake.wait(wait)
            due.expire()


_watchdog = _Watchdog()
# The deadline of the call this thread is making, for our connections to register with.
_calling = threading.local()


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown, even for TLS: it wakes a thread blocked reading this
    # socket, where SSLSocket's would first drop its TLS state under that thread's feet.
    socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _DeadlineHTTPConnection(HTTPConnection):
    """Hands its socket to the current call's deadline before waiting for the reply, so the
    watchdog can end the wait wherever it is (status line, headers or body)."""

    def getresponse(self, *args, **kwargs):
        deadline = getattr(_calling, "deadline", None)
        if deadline is not None and self.sock is not None:
            deadline.on_expiry(lambda sock=self.sock: _shut(sock))
        return super().getresponse(*args, **kwargs)


class _DeadlineHTTPSConnection(_DeadlineHTTPConnection, HTTPSConnection):
    pass


class _DeadlineHTTPPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with connections whose reply waits obey the call's deadline."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _DeadlineHTTPPool,
            "https": _DeadlineHTTPSPool,
        }


def _read_body(response: requests.Response, limit: int, deadline: _Deadline) -> bytes | None:
    """The reply's body, or None as soon as it proves larger than `limit` bytes.

    A declared Content-Length over the limit is refused before reading anything; otherwise
    the body is counted as it streams in, so at most `limit` bytes (plus one chunk) are held.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    for chunk in response.iter_content(_CHUNK_BYTES):
        body += chunk
        if len(body) > limit:
            return None
        if deadline.expired:
            break
    return bytes(body)


# --- Transport failures ---------------------------------------------------------------------

# requests' own errors are OSErrors; the others can leak from a custom adapter.
_TRANSPORT_ERRORS = (OSError, Urllib3Error, http.client.HTTPException)


def _classify(exc: BaseException) -> str:
    """How a request failed, judged from every exception it wraps: "refused" or
    "connect timeout" (nothing was sent), "read timeout", "dropped" or "garbled" (the
    request may have reached mSpace). Anything unrecognised counts as "dropped"."""
    wrapped = list(_wrapped(exc))

    def found(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in wrapped)

    if found(NewConnectionError, ConnectionRefusedError, socket.gaierror):
        return "refused"
    if found(requests.ConnectTimeout, ConnectTimeoutError):
        return "connect timeout"
    if found(requests.Timeout, ReadTimeoutError, TimeoutError):
        return "read timeout"
    if found(requests.exceptions.ContentDecodingError):
        return "garbled"
    return "dropped"


def _wrapped(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        links = [*current.args, getattr(current, "reason", None), current.__cause__]
        todo.extend(link for link in links if isinstance(link, BaseException))


def _transport_error(failure: str, write: bool) -> MspaceError:
    if write and failure in _UNKNOWN:
        return OutcomeUnknownError(_UNKNOWN[failure] + _UNKNOWN_TAIL)
    if failure == "garbled":
        return GatewayError("mSpace sent an answer that could not be decoded.")
    if failure == "too large":
        return GatewayError("mSpace sent an answer far larger than any real one; it was not read.")
    return GatewayUnavailableError(_UNAVAILABLE[failure])


# --- Reading replies ------------------------------------------------------------------------

_NON_WORD = re.compile(r"[^0-9a-z]+")
# A balance as mSpace's code writes one: whole, or with a fraction ("49.5"), or "-1".
_BALANCE = re.compile(r"(?P<whole>[0-9]{1,15})(?:\.(?P<fraction>[0-9]{1,15}))?")
_UNLIMITED_MARK = re.compile(r"-1(?:\.0{1,15})?")
_CONFIRMATION = re.compile(
    r"successful top[ -]?up of (?P<amount>[0-9]{1,15}) sms to (?P<name>.+)", re.IGNORECASE
)
_NOT_JSON = object()
_NOT_XML = object()
_UNREADABLE_BALANCE = Balance(UNREADABLE, "")
_UNREADABLE_LIST = "mSpace sent a list of accounts this site could not read."


# What a server says to a request line or URL it will not take (Tomcat: 400; nginx: 414).
_REQUEST_REFUSED = {400, 413, 414, 431}


def _checked_status(reply: _Reply) -> str:
    if reply.status == 200:
        return reply.text
    if reply.status in _REQUEST_REFUSED:
        raise RequestRefusedError(
            f"mSpace refused the request as too large or malformed (HTTP {reply.status})."
        )
    if 300 <= reply.status < 400:
        raise GatewayError(f"mSpace answered with a redirect (HTTP {reply.status}), not a result.")
    raise GatewayError(f"mSpace answered with an error (HTTP {reply.status}).")


def _parse_login(text: str) -> None:
    if _words(text) != "user exists":
        raise _failure(text)


def _parse_balance(text: str) -> int:
    balance = _balance_of(_plain(text))
    if balance is None:
        raise _failure(text)
    return balance


def _parse_accounts(text: str, name_key: str) -> list[Account]:
    # Each JSON object becomes an `Account` the moment it is read, so a large book never
    # exists as dicts and accounts at once: reading 10,000 clients peaks at ~1.4 MB of
    # objects instead of ~3.9 MB. A worker's memory hardly shrinks after a peak, so the
    # peak is what stays.
    def row_read(pairs: list[tuple[str, Any]]) -> Account | dict:
        return _account_or_object(pairs, name_key)

    rows = _json(text, object_pairs_hook=row_read, parse_float=Decimal)
    if rows is _NOT_JSON:
        # The same rows as XML, for a gateway that ignores our Accept header.
        records = _xml_records(text)
        if isinstance(records, list):
            rows = [row_read(list(record.items())) for record in records]
    if not isinstance(rows, list):
        raise _failure(text)
    readable = 0
    for place, row in enumerate(rows):
        if type(row) is Account and row.balance is not _UNREADABLE_BALANCE:
            readable += 1
        else:
            # Kept in its place, so the list shows where mSpace sent something odd.
            rows[place] = _unreadable_row(row, name_key)
    if rows and not readable:
        raise GatewayError(_UNREADABLE_LIST)
    return rows


def _account_or_object(pairs: list[tuple[str, Any]], name_key: str) -> Account | dict:
    """An object of a list reply: an `Account` when it has a name and a balance, else the
    object as a dict (which `_parse_accounts` then shows as an unreadable row)."""
    row = dict(pairs)  # a key given twice counts once, the last time, as in json's dicts
    name, balance = row.get(name_key), _balance_of(row.get("smsBalance"))
    if isinstance(name, str) and name and balance is not None:
        return Account(name, balance)
    return row


def _unreadable_row(row: Any, name_key: str) -> Account:
    name = row.get(name_key) if isinstance(row, dict) else None
    return Account(name if isinstance(name, str) else "", _UNREADABLE_BALANCE)


def _parse_top_up(text: str, name: str, amount: int) -> str:
    confirmed = _CONFIRMATION.fullmatch(_plain(text))
    if confirmed is None:
        raise _failure(text, write=True)
    if int(confirmed["amount"]) != amount or not _same_name(confirmed["name"], name):
        raise OutcomeUnknownError(
            "mSpace confirmed a different top-up from the one asked for. "
            "A person must check both accounts before trying again."
        )
    return text.strip()


def _parse_send(text: str) -> SendResult:
    data = _json(text)
    if data is _NOT_JSON:
        data = _xml_records(text)
    if not (isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict)):
        raise _failure(text, write=True)
    status = data[0].get("status")
    if not isinstance(status, str):
        raise GatewayError("mSpace's answer to the test SMS had no status.")
    if _words(status) != "successful":
        shown = " ".join(status.split())[:60]
        raise _failure(status, write=True, otherwise=f"mSpace did not send it (status: {shown}).")
    message_id, response_time = data[0].get("messageId"), data[0].get("responseTime", "")
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not (isinstance(message_id, str) and message_id and isinstance(response_time, str)):
        raise OutcomeUnknownError(
            "mSpace said the message was sent but gave no message ID. "
            "Check the handset before sending again."
        )
    return SendResult(message_id, status, response_time)


def _failure(text: str, *, write: bool = False, otherwise: str | None = None) -> MspaceError:
    """The error a reply that is not the expected success stands for (judged on the reply's
    beginning: every documented sentence is short)."""
    words = _words(text[:_SCAN_CHARS])
    if write and words.startswith("success"):
        # Reads as a success we cannot check: credit may have moved, so never call it failed.
        return OutcomeUnknownError(
            "mSpace answered with a success this site could not check. "
            "A person must check the balances before trying again."
        )
    for pattern, error, message in _FAILURES:
        if pattern.search(words):
            return error(message)
    if not words:
        return GatewayError(otherwise or "mSpace sent an empty answer.")
    return GatewayError(otherwise)


def _words(text: str) -> str:
    """`text` lower-cased with punctuation dropped: "Error 100: Authentication Failure!" is
    "error 100 authentication failure"."""
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def _plain(text: str) -> str:
    """The reply with whitespace collapsed and one pair of surrounding quotes removed."""
    text = " ".join(text.split())
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return text


def _json(text: str, **options) -> Any:
    try:
        return json.loads(text, **options)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _xml_records(text: str) -> list[dict[str, Any]] | object:
    """The records of an XML reply, each as {field: text}, or `_NOT_XML`.

    Nobody outside mSpace has published its XML, so element names are not relied on: a
    root whose children have fields of their own is a list of those children (an empty
    root is an empty list); a root with only plain fields is a list of one. A field's
    value is its text, or None when it holds more elements. Attributes count as fields.
    DTDs and entities are refused (defusedxml), so no reply can expand or fetch anything.
    """
    text = text.strip()
    if not text.startswith("<"):
        return _NOT_XML
    try:
        root = xml_from_string(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError, RecursionError):
        return _NOT_XML
    children = list(root)
    if any(len(child) or child.attrib for child in children):
        return [_xml_record(child) for child in children]
    if children or root.attrib:
        return [_xml_record(root)]
    # <string>Authentication failure</string> is a sentence, not an empty list.
    return _NOT_XML if (root.text or "").strip() else []


def _xml_record(element: Element) -> dict[str, Any]:
    record: dict[str, Any] = {_local_name(k): v for k, v in element.attrib.items()}
    for field in element:
        record[_local_name(field.tag)] = None if len(field) else (field.text or "").strip()
    return record


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]  # "{namespace}clientname" is "clientname"


def _balance_of(value: Any) -> int | None:
    """A balance as mSpace writes one ("20", 20, "20.0", "49.5", 49.5, "-1"): a plain int
    for a whole number, a `Balance` for a decimal or unlimited, None for anything else."""
    if isinstance(value, str):
        if value.isdigit() and value.isascii() and len(value) <= 15:  # the usual "20", fast
            return int(value)
        text = value.strip()
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int):
        if not -1 <= value <= _LARGEST_COUNT:
            return None
        text = str(value)
    elif isinstance(value, float | Decimal):
        text = str(value)  # never written with an exponent below 1e16, so the checks hold
    else:
        return None
    if _UNLIMITED_MARK.fullmatch(text):
        return Balance(UNLIMITED, text)
    number = _BALANCE.fullmatch(text)
    if number is None:
        return None
    whole = int(number["whole"])
    if not (number["fraction"] or "").strip("0"):
        return whole
    return Balance(whole, text)


def _same_name(confirmed: str, name: str) -> bool:
    wanted = " ".join(str(name).split()).casefold()
    return " ".join(confirmed.split()).casefold() in (wanted, wanted + ".")


# --- Keeping the password out of library logs -----------------------------------------------

_PASSWORD_IN_PATH = re.compile(r"(?i)(password(?:=|%3D))[^/\s'\"&?#]*")


class _MaskPasswordSegments(logging.Filter):
    """urllib3 logs request paths at DEBUG, and ours carry the password: mask it at source,
    whatever handlers the project configures."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break the request
            return True
        masked = _PASSWORD_IN_PATH.sub(r"\1***", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def _mask_library_logs(names: Iterable[str]) -> None:
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _MaskPasswordSegments) for f in logger.filters):
            logger.addFilter(_MaskPasswordSegments())


_mask_library_logs(["urllib3.connectionpool", "urllib3.util.retry"])
