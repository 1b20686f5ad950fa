"""The simulated mSpace gateway's behaviour, independent of how a call arrives.

`answer(path)` takes the part of the URL after the base (`balance/username=demo/password=demo`)
and returns a `Reply`, with any injected fault already decided. The HTTP view and the
in-process transport only carry that reply (or its silence) back to the caller.
"""

import json
import logging
import re
import secrets
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F

from messaging import methods
from messaging.sms import measure
from simulator import faults, replies, usage
from simulator.models import UNLIMITED, SimAccount, SimCall, SimFault
from simulator.replies import Reply

log = logging.getLogger(__name__)

# Where the gateway's API starts in a request path.
BASE_PATH = "mspaceservice/wr/sms/"
# The gateway is in Nairobi and stamps its replies with local time.
GATEWAY_TIME_ZONE = ZoneInfo("Africa/Nairobi")
# Tomcat's default limit on a request's head (maxHttpHeaderSize): a longer URL is refused
# with a 400 before the gateway's code sees it.
MAX_REQUEST_LINE = 8192
# The gateway runs on Java: noofsms beyond an int is not a number to it.
_JAVA_INT_MAX = 2_147_483_647
# Faults that answer instead of the gateway: the call is not carried out.
_CANNED = {
    "refuse": lambda fault: replies.empty(),
    "http500": lambda fault: replies.server_error(),
    "html": lambda fault: replies.login_page(),
    "garbage": lambda fault: replies.garbage(),
    "empty": lambda fault: replies.empty(),
    "internal_error": lambda fault: replies.text(replies.INTERNAL_ERROR),
    "sentence": lambda fault: replies.text(fault.reply),
}


@dataclass(frozen=True)
class Call:
    """One parsed gateway call: its method and decoded `key=value` segments."""

    method: str
    params: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.params.get(key, "")


@dataclass(frozen=True)
class Outcome:
    reply: Reply
    credit_moved: bool = False
    message_id: str = ""
    # A list answer's rows, for answering in XML to a client that did not ask for JSON.
    rows: list[dict[str, str]] | None = None


# The XML element names the simulator answers with (see `replies.as_xml`).
_XML_NAMES = {
    methods.SUB_ACCOUNTS.wire: ("subUsers", "subUser"),
    methods.CLIENTS.wire: ("resellerClients", "resellerClient"),
    methods.SEND_TEXT.wire: ("messages", "message"),
}


def parse(path: str) -> Call | None:
    """The call this still-encoded path asks for, or None when the gateway has no such page.

    Segments are split on "/" before each is percent-decoded, so an encoded "/" stays inside
    its value. Like the path template behind the real gateway, segments must come in the
    document's order with nothing extra; a missing username or password is left for the
    method to refuse as a failed login.
    """
    path = path.split("?", 1)[0].lstrip("/")
    segments = path.split("/")
    if len(segments) > 1 and segments[-1] == "":
        segments.pop()  # one trailing slash is forgiven, as by most servers
    method, *rest = segments
    if method not in methods.METHODS:
        return None
    params = {}
    for segment in rest:
        key, sep, value = segment.partition("=")
        if not sep or unquote(key) in params:
            return None
        params[unquote(key)] = unquote(value, errors="replace")
    extra = methods.METHODS[method].segments
    template = ("username", "password", *extra)
    in_template_order = [key for key in template if key in params]
    if list(params) != in_template_order:
        return None
    if any(key not in params for key in extra):
        return None
    # A NUL cannot be stored by every database; the real gateway would choke on it too.
    if any("\x00" in value for value in params.values()):
        return None
    return Call(method, params)


def path_after_base(raw_path: str) -> str | None:
    """The still-encoded part of a request path after `.../mspaceservice/wr/sms/`."""
    raw_path = raw_path.split("?", 1)[0]
    start = raw_path.find(BASE_PATH)
    return None if start < 0 else raw_path[start + len(BASE_PATH) :]


def answer_request(raw_path: str, accept: str = "") -> Reply:
    """The reply to GET `raw_path` (a whole request path) with this `Accept` header (lists
    and sends come as XML unless it asks for JSON, as mSpace's sample says). Never raises.

    A crash inside the simulator reaches the caller as a Tomcat 500 page, as it would from
    the real gateway.
    """
    if len(raw_path) > MAX_REQUEST_LINE:
        return replies.request_too_large()
    rest = path_after_base(raw_path)
    if rest is None:
        return replies.not_found()
    try:
        return answer(rest, accept=accept)
    except Exception:
        log.exception("The simulator failed to answer a %r call", rest.split("/", 1)[0][:40])
        return replies.server_error()


def answer(path: str, *, accept: str = "application/json") -> Reply:
    """The gateway's reply to GET {base}/{path}, with injected faults applied; a list or
    send answer comes as XML unless `accept` asks for JSON.

    Never raises for any path; database trouble propagates.
    """
    call = parse(path)
    if call is None:
        return replies.not_found()
    fault = faults.pick(call.method)
    kind = fault.kind if fault else ""
    # A credit move and its journal row commit together. Reads need no transaction, and
    # holding SQLite's write lock while a 10,000-client list is built would queue every
    # other call behind it.
    with transaction.atomic() if call.method in methods.WRITES else nullcontext():
        if kind in _CANNED:
            outcome = Outcome(_CANNED[kind](fault))
        else:
            # A truncated answer was cut short before the gateway committed anything.
            outcome = HANDLERS[call.method](call, commit=kind != "truncated")
        if outcome.rows is not None and "json" not in accept.casefold():
            outcome = replace(outcome, reply=replies.as_xml(outcome.rows, *_XML_NAMES[call.method]))
        _journal(call, outcome, kind)
    return _shape(outcome.reply, fault)


def _shape(reply: Reply, fault: SimFault | None) -> Reply:
    if fault is None:
        return reply
    if fault.kind == "truncated":
        reply = replies.truncated(reply)
    disconnect = fault.kind if fault.kind in ("hang", "reset", "refuse") else None
    delay = fault.delay if fault.kind in ("slow", "hang") else 0.0
    drip = fault.delay if fault.kind == "drip" else 0.0
    size = (fault.size or replies.HUGE_REPLY_BYTES) if fault.kind == "huge" else 0
    return replace(
        reply, delay=delay, disconnect=disconnect, fault=fault.kind, drip=drip, size=size
    )


# --- The methods -------------------------------------------------------------------------


def _authenticate(call: Call) -> SimAccount | None:
    username, password = call.get("username"), call.get("password")
    if not username:
        return None
    # Top-level accounts first: a client of some book may share a reseller's username. Like
    # mSpace, one account answers to its username in any case ("CaseUser", "caseuser").
    candidates = SimAccount.objects.filter(username__iexact=username).order_by(
        F("parent").asc(nulls_first=True), "id"
    )
    return next((a for a in candidates if a.check_password(password)), None)


def _balance(call: Call, *, commit: bool) -> Outcome:
    account = _authenticate(call)
    if account is None:
        return Outcome(replies.text(replies.BALANCE_AUTH_FAILURE))
    account = usage.spend_own(account)
    return Outcome(replies.text(account.balance_text()))


def _login(call: Call, *, commit: bool) -> Outcome:
    account = _authenticate(call)
    return Outcome(replies.text(replies.USER_EXISTS if account else replies.READ_AUTH_FAILURE))


def _book(relation: str, name_key: str, *, resellers_only: bool) -> Callable[..., Outcome]:
    def read_book(call: Call, *, commit: bool) -> Outcome:
        account = _authenticate(call)
        if account is None:
            return Outcome(replies.text(replies.READ_AUTH_FAILURE))
        if resellers_only and not account.is_reseller:
            return Outcome(replies.text("[]"))
        usage.spend_book(account, relation)
        rows = SimAccount.objects.filter(parent=account, relation=relation).order_by("id")
        book = [
            {"smsBalance": row.balance_text(), name_key: row.username}
            for row in rows.only("username", "balance")
        ]
        return Outcome(replies.text(json.dumps(book, ensure_ascii=False)), rows=book)

    return read_book


def _top_up(relation: str, name_key: str) -> Callable[..., Outcome]:
    def top_up(call: Call, *, commit: bool) -> Outcome:
        account = _authenticate(call)
        if account is None:
            return Outcome(replies.text(replies.WRITE_AUTH_FAILURE))
        if account.suspended:
            return Outcome(replies.text(replies.CONTACT_PROVIDERS))
        if relation == SimAccount.CLIENT and not account.is_reseller:
            return Outcome(replies.text(replies.NOT_AUTHORIZED_CONTACT_PROVIDERS))
        amount = _whole_number(call.get("noofsms"))
        if amount is None:
            return Outcome(replies.text(replies.TOP_UP_NOT_SUCCESSFUL))
        name = call.get(name_key)
        target = SimAccount.objects.filter(parent=account, relation=relation, username=name)
        if not target.exists():
            return Outcome(replies.text(replies.top_up_failed(name)))
        if not _take_credit(account, amount, commit=commit):
            return Outcome(replies.text(replies.INSUFFICIENT_BALANCE))
        if commit:
            # An unlimited account stays unlimited.
            target.exclude(balance=UNLIMITED).update(balance=F("balance") + amount)
        return Outcome(replies.text(replies.top_up_succeeded(amount, name)), credit_moved=commit)

    return top_up


def _send_text(call: Call, *, commit: bool) -> Outcome:
    account = _authenticate(call)
    if account is None:
        return Outcome(replies.text(replies.WRITE_AUTH_FAILURE))
    if call.get("senderid") not in account.allowed_sender_ids():
        return Outcome(replies.text(replies.INVALID_SENDER_ID))
    if not _take_credit(account, _cost(call.get("message")), commit=commit):
        return Outcome(replies.text(replies.INSUFFICIENT_BALANCE))
    message_id = str(10**11 + secrets.randbelow(9 * 10**11))
    response_time = datetime.now(GATEWAY_TIME_ZONE)
    receipt = [
        {
            "messageId": message_id,
            "responseTime": response_time.strftime("%Y-%m-%d %H:%M:%S:")
            + f"{response_time.microsecond // 1000:03d}",
            "status": "successful",
        }
    ]
    return Outcome(
        replies.text(json.dumps(receipt)), credit_moved=commit, message_id=message_id, rows=receipt
    )


def _take_credit(account: SimAccount, amount: int, *, commit: bool) -> bool:
    """Take `amount` off the account unless that would go below zero; True if it could.
    An unlimited account always can, and keeps its unlimited balance."""
    if account.unlimited:
        return True
    if not commit:
        return account.balance >= amount
    # One conditional UPDATE: two concurrent top-ups can never both spend the same credit.
    return bool(
        SimAccount.objects.filter(pk=account.pk, balance__gte=amount).update(
            balance=F("balance") - amount
        )
    )


def _cost(message: str) -> int:
    # Even an empty message is billed as one SMS.
    return max(1, measure(message).parts)


def _whole_number(text: str) -> int | None:
    if not re.fullmatch(r"[0-9]{1,10}", text):
        return None
    number = int(text)
    return number if 0 < number <= _JAVA_INT_MAX else None


HANDLERS: dict[str, Callable[..., Outcome]] = {
    methods.BALANCE.wire: _balance,
    methods.LOGIN.wire: _login,
    methods.SUB_ACCOUNTS.wire: _book(SimAccount.SUBACCOUNT, "subUserName", resellers_only=False),
    methods.CLIENTS.wire: _book(SimAccount.CLIENT, "clientname", resellers_only=True),
    methods.CLIENT_TOP_UP.wire: _top_up(SimAccount.CLIENT, methods.CLIENT_TOP_UP.target),
    methods.SUB_ACCOUNT_TOP_UP.wire: _top_up(
        SimAccount.SUBACCOUNT, methods.SUB_ACCOUNT_TOP_UP.target
    ),
    methods.SEND_TEXT.wire: _send_text,
}


# --- The journal -------------------------------------------------------------------------


def _journal(call: Call, outcome: Outcome, fault_kind: str) -> SimCall:
    """Record the call, without its password, in the same transaction as any credit move."""
    method = methods.METHODS[call.method]
    target_key = method.target
    amount, parts = None, None
    if method is methods.SEND_TEXT:
        parts = measure(call.get("message")).parts
        amount = _cost(call.get("message"))
    elif target_key:
        amount = _whole_number(call.get("noofsms"))
    return SimCall.objects.create(
        method=call.method,
        username=call.get("username")[:150],
        target=call.get(target_key)[:200] if target_key else "",
        sender_id=call.get("senderid")[:50],
        amount=amount,
        parts=parts,
        credit_moved=outcome.credit_moved,
        message_id=outcome.message_id,
        status=outcome.reply.status,
        # Lists can run to megabytes; the start is enough to recognise an answer.
        reply=outcome.reply.body[:500],
        fault=fault_kind,
    )
