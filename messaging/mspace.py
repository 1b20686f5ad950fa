"""The one seam to the mSpace gateway: it alone builds gateway URLs, sends requests and reads
replies. Plain Python on `requests`; it must never import Django.

Callers get typed results (`Account`, `SendResult`, whole numbers, confirmation sentences) or
an `MspaceError` whose `.message` a reseller can read. Replies are read "fail closed": only a
reply of exactly the documented shape is a success.

Reads (login, balance, the two lists) share one pooled session per process and are tried a
second time, after a short pause, when the connection was refused or dropped. Writes (top-ups
and test SMS) move credit, so each goes out exactly once on a fresh connection; a failure
after the request may have reached mSpace is an `OutcomeUnknownError`, never a plain failure.

A transport `adapter` (the simulator's, in demo mode) replaces the network and nothing else.
To say "nothing was sent" it should raise what requests raises for a refused connection: a
`requests.ConnectionError` wrapping a `ConnectionRefusedError` or urllib3's
`NewConnectionError`. Any other connection error on a write counts as "may have been sent".
"""

from __future__ import annotations

import http.client
import http.cookiejar
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
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.retry import Retry

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
    "SendResult",
    "TopUpFailedError",
    "probe",
]

log = logging.getLogger("messaging.mspace")

USER_AGENT = "mspace-reseller-admin/1.0"
READ_RETRY_PAUSE = 0.2  # seconds before a read's second and last try
_CONNECT_TIMEOUT_CAP = 3.05  # a gateway that cannot even accept a connection in 3 s is down
_REPLY_PREVIEW_CHARS = 200
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
        self._timeouts = (min(timeout, _CONNECT_TIMEOUT_CAP), timeout)
        self._secret = _secret_pattern(password)
        self._own_session = _new_session(adapter, self._base + "/") if adapter else None

    def __repr__(self) -> str:
        return f"MspaceClient(username={self.username!r})"

    def login(self) -> None:
        """Return when mSpace says the user exists; raise AuthenticationError when it refuses."""
        self._call("login", _parse_login)

    def balance(self) -> int:
        """The reseller's own SMS balance: an int, or a `Balance` when unlimited or a decimal."""
        return self._call("balance", _parse_balance)

    def sub_accounts(self) -> list[Account]:
        """Every sub-account with its balance, in mSpace's order (maybe empty).

        A row that cannot be read stays in its place with an unreadable balance (see
        `Balance`), so one odd row never hides the rest; a list with no readable row at all
        is a `GatewayError`. JSON or XML, whichever mSpace sends."""
        return self._call("subusers", lambda text: _parse_accounts(text, "subUserName"))

    def reseller_clients(self) -> list[Account]:
        """Every client with its balance, in mSpace's order (maybe empty); as `sub_accounts`."""
        return self._call("resellerclients", lambda text: _parse_accounts(text, "clientname"))

    def top_up_client(self, name: str, amount: int) -> str:
        """Move `amount` SMS to the client `name`; return mSpace's confirmation sentence."""
        return self._top_up("resellerclienttopup", "clientname", name, amount)

    def top_up_sub_account(self, name: str, amount: int) -> str:
        """Move `amount` SMS to the sub-account `name`; return mSpace's confirmation sentence."""
        return self._top_up("subacctopup", "subaccname", name, amount)

    def send_text(self, sender_id: str, recipient: str, message: str) -> SendResult:
        """Send one SMS as given (the forms check it first); return mSpace's receipt (read from
        JSON or XML)."""
        fields = (("senderid", sender_id), ("recipient", recipient), ("message", message))
        return self._call("sendtext", _parse_send, fields, write=True)

    def _top_up(self, method: str, name_key: str, name: str, amount: int) -> str:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError("A top-up amount must be a whole number of SMS.")
        return self._call(
            method,
            lambda text: _parse_top_up(text, name, amount),
            ((name_key, name), ("noofsms", amount)),
            write=True,
        )

    def _call(self, method: str, parse: _Parser, fields=(), *, write: bool = False):
        """Ask mSpace once (reads: at most twice), parse its reply, log one line."""
        started = time.monotonic()
        outcome = "error"
        try:
            result = self._result(method, parse, fields, write)
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
                level, "mSpace %s for %r: %s in %.0f ms", method, self.username, outcome, elapsed_ms
            )

    def _result(self, method: str, parse: _Parser, fields, write: bool):
        # No URL, password or requests exception is in scope here, so none can end up in the
        # error's traceback, __cause__ or __context__.
        reply = self._fetch(method, fields, write)
        if isinstance(reply, str):
            raise _transport_error(reply, write)
        try:
            return parse(_checked_status(reply))
        except MspaceError as error:
            error.reply = self._redact(reply.text).strip()[:_REPLY_PREVIEW_CHARS]
            error.message = self._redact(error.message)
            error.args = (error.message,)
            raise

    def _fetch(self, method: str, fields, write: bool) -> _Reply | str:
        """The reply, or how the transport failed (see `_classify`)."""
        url = self._url(method, fields)
        reply = self._attempt(url, write)
        if not write and reply in ("refused", "dropped"):
            time.sleep(READ_RETRY_PAUSE)
            reply = self._attempt(url, write)
        return reply

    def _attempt(self, url: str, write: bool) -> _Reply | str:
        session, throwaway = self._session_for(write)
        try:
            response = session.get(
                url,
                headers=_WRITE_HEADERS if write else None,
                timeout=self._timeouts,
                allow_redirects=False,
            )
            return _Reply(response.status_code, response.content.decode("utf-8-sig", "replace"))
        except _TRANSPORT_ERRORS as exc:
            return _classify(exc)  # the exception (and the URL it carries) stops here
        finally:
            if throwaway:
                session.close()

    def _session_for(self, write: bool) -> tuple[requests.Session, bool]:
        if self._own_session is not None:
            return self._own_session, False
        if write:
            # A fresh connection: a stale pooled one could fail after sending and turn a clean
            # refusal into a false "outcome unknown".
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=_NO_RETRIES)
            return _new_session(adapter), True
        return _shared_session(), False

    def _url(self, method: str, fields: Iterable[tuple[str, Any]]) -> str:
        segments = [("username", self.username), ("password", self._password), *fields]
        return f"{self._base}/{method}/" + "/".join(_segment(k, v) for k, v in segments)

    def _redact(self, text: str) -> str:
        return self._secret.sub("***", text) if self._secret else text


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
    try:
        session.get(base + "/", timeout=timeouts, allow_redirects=False)
        answered = True
    except _TRANSPORT_ERRORS:
        answered = False
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
                adapter = HTTPAdapter(pool_maxsize=384, pool_block=False, max_retries=_NO_RETRIES)
                _shared = _new_session(adapter)
    return _shared


def _forget_shared_session() -> None:
    # A forked worker must not share its parent's sockets (or a lock held at fork time).
    global _shared, _shared_lock
    _shared, _shared_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_shared_session)


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


def _checked_status(reply: _Reply) -> str:
    if reply.status == 200:
        return reply.text
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
    """The error a reply that is not the expected success stands for."""
    words = _words(text)
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
