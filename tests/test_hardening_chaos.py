"""Chaos: several resellers at once while the gateway misbehaves in every way it knows.

Four resellers, each in a thread with their own browser (and a second tab that replays their
forms), top up, send test SMS, read every page and check unknown outcomes, for a bounded run,
while the simulator injects every fault class at random. Then the books are audited against
what the gateway received, and everything the run left behind is searched for a password:

- no page answered 500 or showed a traceback;
- the ledger and the gateway's journal of credit-moving calls match one to one: every call
  that reached the gateway (or was refused at its door) has exactly one ledger row and every
  row exactly one call, with statuses that agree (a call that moved credit is never "failed",
  a "succeeded" row always moved credit, with mSpace's message id for a send);
- the credit mSpace moved lies between the sum of succeeded rows and that plus the unknown;
- no one-time key was honoured twice, however often its form was replayed or double-clicked;
- no row is left pending;
- no password (nor a mistyped one) is in any log record, the console log, the database file
  or its write-ahead log, a decoded session, a response body or header, a cookie or an e-mail.
"""

import queue
import random
import secrets
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.contrib.messages.storage.cookie import CookieStorage, MessageSerializer
from django.contrib.sessions.models import Session
from django.core import mail, signing
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, override_settings

from messaging.models import LedgerEntry
from simulator import faults
from simulator.models import SimAccount, SimCall
from simulator.seed import make_account
from tests.hardening_helpers import (
    LOGIN_URL,
    LOGOUT_URL,
    EveryLogLine,
    body_of,
    cookie_texts,
    database_files,
    form_key_in,
    is_html,
    leaks_in,
    log_in,
    text_of,
    traceback_signs,
)

pytestmark = pytest.mark.django_db(transaction=True)

Kind, Status = LedgerEntry.Kind, LedgerEntry.Status

OPERATIONS = 300  # across all resellers; the run also stops after SECONDS
# Enough for 150 operations on a 2-core machine that other test runs keep busy (30 s gave
# ~115 there); an idle machine reaches OPERATIONS long before.
SECONDS = 60
GATEWAY_TIMEOUT = 0.5
FAULT_PROBABILITY = 0.04  # each; with 12 of them about 4 calls in 10 misbehave
FAULTS = [
    ("slow", {"delay": 0.05}),  # late, but in time
    ("slow", {"delay": GATEWAY_TIMEOUT + 0.2}),  # carried out, answered after we gave up
    ("hang", {"delay": GATEWAY_TIMEOUT + 0.2}),
    ("reset", {}),
    ("refuse", {}),
    ("http500", {}),
    ("html", {}),
    ("garbage", {}),
    ("empty", {}),
    ("truncated", {}),
    ("internal_error", {}),
    ("sentence", {"reply": "Service temporarily overloaded"}),
]
# Names that must survive the trip into a URL path segment and back.
CLIENT_NAMES = ["Duka la Mama/Ünïcode & Sons #1", "50% Traders?", "Kioo+Glass", "Boda Boda"]
SUB_ACCOUNT_NAMES = ["branch-nairobi", "tawi la Kampala", "dept 3/b"]
# Left alone during the run, so a replay of another reseller's key at the end is a form that
# would otherwise be carried out (no unsettled top-up of it stands in the way).
REPLAY_TARGET = "Replay Target"
MESSAGES = [
    "Chaos test",
    "Habari 🎉 from the chaos test",
    "50% off? #deal / now & later + more",
    "Ŋoma ya leo " * 20,  # Unicode, several parts
    "A long plain message. " * 12,  # GSM-7, two parts
]
READ_PAGES = [
    "/",
    "/?refresh=1",
    "/clients/",
    "/clients/?q=a&sort=-balance",
    "/clients/?format=csv",
    "/subaccounts/?sort=balance&page=2",
    "/subaccounts/?format=csv",
    "/activity/",
    "/activity/?status=unknown",
    "/activity/?format=csv",
]
GATEWAY_METHOD = {
    Kind.CLIENT_TOP_UP: "resellerclienttopup",
    Kind.SUB_ACCOUNT_TOP_UP: "subacctopup",
    Kind.TEST_SMS: "sendtext",
}


@dataclass
class Seen:
    """One response, kept whole for the audit and the leak hunt."""

    who: str
    method: str
    path: str
    status: int
    location: str
    html: bool
    body: bytes
    headers: str
    cookies: list[str]


@dataclass
class Run:
    """What every thread shares: the budget, and everything seen."""

    deadline: float
    operations_left: int = OPERATIONS
    seen: list[Seen] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    logouts: list[str] = field(default_factory=list)
    # (reseller, one-time key, url, status, location) of every credit-moving POST.
    posts: list[tuple] = field(default_factory=list)
    replays: queue.Queue = field(default_factory=queue.Queue)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_turn(self) -> bool:
        with self.lock:
            if self.operations_left <= 0 or time.monotonic() > self.deadline:
                return False
            self.operations_left -= 1
            return True


class Reseller:
    """One reseller's browser, driven at random but reproducibly (a seeded generator)."""

    def __init__(self, run: Run, index: int, username: str, password: str):
        self.run, self.index = run, index
        self.username, self.password = username, password
        self.random = random.Random(f"chaos-{index}")
        self.browser = Client(raise_request_exception=False)
        self.tab = None  # another tab of the same browser, for replays
        self.amounts = 0
        self.sends = 0

    # --- seeing pages ---

    def request(self, method, path, data=None, *, client=None, who=None):
        client = client or self.browser
        try:
            response = client.get(path) if method == "GET" else client.post(path, data or {})
        except Exception as error:  # the test client raised: a crash the app did not handle
            self.run.crashes.append(f"{self.username} {method} {path}: {error!r}")
            return None
        location = self.keep(response, method, path, who=who)
        if location.startswith(LOGIN_URL) and path != LOGOUT_URL:
            self.run.logouts.append(f"{who or self.username} {method} {path}")
            if client is self.browser:
                self.log_in()
        return response

    def keep(self, response, method, path, *, who=None) -> str:
        """Keep the response for the audit and the hunt; returns where it redirects to."""
        location = response.get("Location", "")
        self.run.seen.append(
            Seen(
                who=who or self.username,
                method=method,
                path=path,
                status=response.status_code,
                location=location,
                html=is_html(response),
                body=body_of(response),
                headers=repr(sorted(response.items())),
                cookies=cookie_texts(response) + decoded_messages(response),
            )
        )
        return location

    def log_in(self, attempts=8):
        """Log in through the login page; the gateway may fail some tries."""
        for _ in range(attempts):
            response = log_in(self.browser, self.username, self.password)
            self.keep(response, "POST", LOGIN_URL)
            if response.status_code == 302:
                return
        raise AssertionError(f"{self.username} could not log in")

    # --- what a reseller does ---

    def act(self):
        choice = self.random.random()
        if choice < 0.30:
            self.top_up()
        elif choice < 0.50:
            self.send()
        elif choice < 0.60:
            self.check_an_unknown_outcome()
        else:
            self.read()

    def top_up(self):
        clients = self.random.random() < 0.6
        url = "/clients/topup/" if clients else "/subaccounts/topup/"
        name = self.random.choice(CLIENT_NAMES if clients else SUB_ACCOUNT_NAMES)
        form = self.request("GET", f"{url}?name={quote(name)}")
        key = form_key_in(form) if form else None
        if key is None:
            return  # the page said mSpace could not be read: nothing to send
        self.amounts += 1
        # Unique per reseller, so each call in the gateway's journal names its form.
        amount = self.amounts * 10 + self.index + 1
        self.post_form(url, {"form_key": key, "name": name, "noofsms": str(amount)})

    def send(self):
        form = self.request("GET", "/send/")
        key = form_key_in(form) if form else None
        if key is None:
            return
        self.sends += 1
        self.post_form(
            "/send/",
            {
                "form_key": key,
                # Now and then one mSpace has not registered: a refusal in words.
                "senderid": "CHAOS" if self.random.random() < 0.9 else "NOTOURS",
                # Unique per send, for the same reason as the top-up amounts.
                "recipient": f"071{self.index} {self.sends:06d}",
                "message": self.random.choice(MESSAGES),
            },
        )

    def post_form(self, url, data):
        if self.random.random() < 0.3:
            self.run.replays.put((self, url, data))  # the other tab races this one
        response = self.request("POST", url, data)
        self.note_post(data, url, response)
        if response is not None and self.random.random() < 0.2:
            self.note_post(data, url, self.request("POST", url, data))  # a double click
        if response is not None and response.status_code in (302, 303):
            self.request("GET", response["Location"])

    def note_post(self, data, url, response):
        if response is not None:
            self.run.posts.append(
                (
                    self.username,
                    data["form_key"],
                    url,
                    response.status_code,
                    response.get("Location", ""),
                )
            )

    def check_an_unknown_outcome(self):
        unknown = list(
            LedgerEntry.objects.filter(
                reseller__username=self.username,
                status=Status.UNKNOWN,
                kind__in=[Kind.CLIENT_TOP_UP, Kind.SUB_ACCOUNT_TOP_UP],
            ).values_list("pk", flat=True)
        )
        if not unknown:
            return self.read()
        entry_id = self.random.choice(unknown)
        back = {"back": "outcome"} if self.random.random() < 0.5 else {}
        response = self.request(
            "POST", f"/activity/{entry_id}/reconcile/", {"action": "check", **back}
        )
        if response is not None and response.status_code == 303:
            self.request("GET", response["Location"])

    def read(self):
        own = list(
            LedgerEntry.objects.filter(reseller__username=self.username).values_list("pk", "kind")[
                :20
            ]
        )
        pages = list(READ_PAGES)
        for entry_id, kind in own:
            pages.append(f"/activity/{entry_id}/")
            pages.append(f"/send/{entry_id}/" if kind == Kind.TEST_SMS else f"/topups/{entry_id}/")
        self.request("GET", self.random.choice(pages))

    def work(self):
        try:
            while self.run.take_turn():
                self.act()
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in a thread
            self.run.crashes.append(f"{self.username}'s thread: {error!r}")
        finally:
            connections.close_all()  # this thread's connections only


def replay(run: Run, stop: threading.Event):
    """The second tab: posts each form it is handed again, racing the first tab."""
    try:
        while not (stop.is_set() and run.replays.empty()):
            try:
                reseller, url, data = run.replays.get(timeout=0.05)
            except queue.Empty:
                continue
            response = reseller.request(
                "POST", url, data, client=reseller.tab, who=f"{reseller.username} (tab)"
            )
            reseller.note_post(data, url, response)
    finally:
        connections.close_all()


def same_browser(client: Client) -> Client:
    tab = Client(raise_request_exception=False)
    for name, morsel in client.cookies.items():
        tab.cookies[name] = morsel.value
    return tab


def decoded_messages(response) -> list[str]:
    """The texts in a messages cookie (signed and possibly compressed, so never plain)."""
    morsel = response.cookies.get(CookieStorage.cookie_name)
    if morsel is None or not morsel.value:
        return []
    signer = signing.get_cookie_signer(salt=CookieStorage.key_salt)
    try:
        messages = signer.unsign_object(morsel.value, serializer=MessageSerializer)
    except signing.BadSignature:
        return [f"unreadable messages cookie {morsel.value!r}"]
    return [str(message) for message in messages]


# --- The audit ---------------------------------------------------------------------------


def journal_key(username, method, target, amount):
    # A send is known by its recipient (unique per send here); a top-up by name and amount.
    return (
        (username, method, target) if method == "sendtext" else (username, method, target, amount)
    )


def books_disagreements() -> list[str]:
    """Where the ledger and the gateway's journal of credit-moving calls disagree."""
    rows, calls = defaultdict(list), defaultdict(list)
    for entry in LedgerEntry.objects.select_related("reseller").order_by("id"):
        method = GATEWAY_METHOD[entry.kind]
        rows[journal_key(entry.reseller.username, method, entry.target, entry.amount)].append(entry)
    for call in SimCall.objects.writes().order_by("id"):
        calls[journal_key(call.username, call.method, call.target, call.amount)].append(call)

    problems = []
    for key in sorted(rows.keys() | calls.keys(), key=repr):
        entries, received = rows[key], calls[key]
        if (len(entries), len(received)) != (1, 1):
            problems.append(f"{key}: {len(entries)} ledger rows, {len(received)} gateway calls")
            continue
        entry, call = entries[0], received[0]
        said = f"{key}: ledger {entry.status}, gateway call with fault {call.fault or 'none'}"
        if call.fault == "refuse" and entry.status != Status.FAILED:
            problems.append(f"{said}: refused at the door, so nothing was sent")
        if call.credit_moved and entry.status == Status.FAILED:
            problems.append(f"{said} moved credit but the ledger says failed")
        if entry.status == Status.SUCCEEDED and not call.credit_moved:
            problems.append(f"{said}: succeeded in the ledger but no credit moved")
        if entry.amount != (call.amount or 0):
            problems.append(f"{said}: amounts {entry.amount} and {call.amount}")
        sent = entry.kind == Kind.TEST_SMS and entry.status == Status.SUCCEEDED
        if sent and entry.message_id != call.message_id:
            problems.append(f"{said}: message ids {entry.message_id} and {call.message_id}")
    return problems


@pytest.fixture
def resellers():
    """Four resellers with distinctive passwords (random each run, so nothing else contains
    them by chance) and books whose names are hard to put into a URL."""
    made = []
    for index, username in enumerate(("amani", "baraka", "chausiku", "dalila")):
        password = f"Ch4os-{username}-{secrets.token_hex(6)}/%&?#+ é🎉"
        make_account(
            username,
            password,
            balance=1_000_000,
            clients=[(name, 50) for name in [*CLIENT_NAMES, REPLAY_TARGET]],
            subaccounts=[(name, 20) for name in SUB_ACCOUNT_NAMES],
            sender_ids=("CHAOS",),
        )
        made.append((index, username, password))
    return made


@override_settings(MSPACE_TIMEOUT=GATEWAY_TIMEOUT)
def test_resellers_at_once_under_every_fault_lose_nothing_and_leak_nothing(resellers, monkeypatch):
    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0.01)
    # Every SQL statement of every thread is logged at DEBUG with its parameters: a password
    # in a query would be in the logs too.
    monkeypatch.setattr(BaseDatabaseWrapper, "queries_logged", property(lambda self: True))
    mistyped = f"Wr0ng-{secrets.token_hex(6)}/%é"
    passwords = [password for _, _, password in resellers] + [mistyped]
    run = Run(deadline=time.monotonic() + SECONDS)
    stop = threading.Event()

    with EveryLogLine() as logs:
        people = [Reseller(run, index, name, password) for index, name, password in resellers]
        for person in people:
            person.log_in()
            person.tab = same_browser(person.browser)
        # Someone mistypes a password: it must not be kept anywhere either.
        people[0].request(
            "POST",
            LOGIN_URL,
            {"username": "amani", "password": mistyped},
            client=Client(),
            who="a typo",
        )

        for kind, options in FAULTS:
            faults.inject("*", kind, probability=FAULT_PROBABILITY, **options)
        started = time.monotonic()
        threads = [threading.Thread(target=person.work) for person in people]
        replayer = threading.Thread(target=replay, args=(run, stop))
        for thread in [*threads, replayer]:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        stop.set()
        replayer.join(timeout=30)
        elapsed = time.monotonic() - started
        faults.clear()
        assert not any(t.is_alive() for t in [*threads, replayer]), "a thread is stuck"

        # Another reseller's one-time keys, replayed with their own valid form: refused.
        cross_replays = cross_reseller_replays(people)

        # A copy of the database taken while everyone is logged in, and one after.
        files = {f"{name} (logged in)": data for name, data in database_files().items()}
        sessions = [repr(session.get_decoded()) for session in Session.objects.all()]
        jars = [text for person in people for text in cookie_texts(person.browser)]
        for person in people:
            person.request("POST", LOGOUT_URL)
        files.update({f"{name} (logged out)": data for name, data in database_files().items()})

    faulted = Counter(SimCall.objects.exclude(fault="").values_list("fault", flat=True))
    entries = Counter(LedgerEntry.objects.values_list("status", flat=True))
    print(  # shown with -s: what this run did
        f"\n{OPERATIONS - run.operations_left} operations in {elapsed:.1f} s, "
        f"{len(run.seen)} responses, {SimCall.objects.count()} gateway calls, "
        f"faults {dict(faulted)}, ledger {dict(entries)}, "
        f"{len(run.posts)} credit-moving POSTs, {run.replays.qsize()} replays left"
    )

    # The run did what it set out to do.
    assert run.crashes == []
    assert OPERATIONS - run.operations_left >= 150, "enough happened to prove anything"
    assert set(faulted) == {kind for kind, _ in FAULTS}, "every fault class struck"
    assert entries[Status.SUCCEEDED] and entries[Status.UNKNOWN] and entries[Status.FAILED]
    assert Counter(key for _, key, *_ in run.posts).most_common(1)[0][1] > 1, "forms replayed"

    # No 500s, no tracebacks, nothing but pages, outcomes and redirects.
    assert [s for s in run.seen if s.status >= 500] == []
    assert {s.status for s in run.seen} <= {200, 302, 303}
    assert [
        (s.path, traceback_signs(s.body.decode("utf-8", "replace")))
        for s in run.seen
        if s.html and traceback_signs(s.body.decode("utf-8", "replace"))
    ] == []
    # Gateway trouble never ends a session: only a refused password does.
    assert run.logouts == []

    # The books.
    assert books_disagreements() == []
    assert LedgerEntry.objects.filter(status=Status.PENDING).count() == 0
    moved = SimCall.objects.writes().credit_moved_total()
    succeeded = sum(
        LedgerEntry.objects.filter(status=Status.SUCCEEDED).values_list("amount", flat=True)
    )
    unknown = sum(
        LedgerEntry.objects.filter(status=Status.UNKNOWN).values_list("amount", flat=True)
    )
    assert succeeded <= moved <= succeeded + unknown
    for _, username, _ in resellers:
        account = SimAccount.objects.get(username=username, parent=None)
        assert (
            account.balance
            == 1_000_000 - SimCall.objects.writes().filter(username=username).credit_moved_total()
        )

    # One-time keys: each reached the gateway at most once, however often it was posted.
    assert honoured_more_than_once(run.posts) == []
    assert cross_replays == []

    # The leak hunt.
    found = []
    # Tens of thousands of records (every SQL statement): searched at once, then one by one
    # only if something is there, to say which.
    if leaks_in("\n".join(logs.records.texts), passwords):
        for text in logs.records.texts:
            found += [
                (f"the log record {text[:300]!r}", leak) for leak in leaks_in(text, passwords)
            ]
    found += [("the console log", leak) for leak in leaks_in(logs.console, passwords)]
    for name, content in files.items():
        found += [(f"database file {name}", leak) for leak in leaks_in(content, passwords)]
    for text in sessions:
        found += [("a decoded session", leak) for leak in leaks_in(text, passwords)]
    for seen in run.seen:
        where = f"{seen.method} {seen.path} ({seen.status})"
        found += [(f"body of {where}", leak) for leak in leaks_in(seen.body, passwords)]
        found += [(f"headers of {where}", leak) for leak in leaks_in(seen.headers, passwords)]
        for text in seen.cookies:
            found += [(f"cookie from {where}", leak) for leak in leaks_in(text, passwords)]
    for text in jars:
        found += [("a browser's cookie jar", leak) for leak in leaks_in(text, passwords)]
    for message in mail.outbox:
        text = repr((message.subject, message.body, message.alternatives, message.extra_headers))
        found += [("an e-mail", leak) for leak in leaks_in(text, passwords)]
    assert len(logs.records.texts) > 1000 and logs.console, "the logs were heard"
    assert len(files) >= 2 and sum(len(c) for c in files.values()) > 100_000
    assert len(sessions) >= len(resellers), "every reseller's session was searched"
    assert found == []


def honoured_more_than_once(posts) -> list[str]:
    """Keys that made more than one ledger row or gateway call, or whose POSTs were sent to
    different outcome pages."""
    problems = []
    by_key = defaultdict(list)
    for username, key, url, status, location in posts:
        by_key[key].append((username, url, status, location))
    for key, attempts in by_key.items():
        rows = list(LedgerEntry.objects.filter(form_key=key).select_related("reseller"))
        if len(rows) > 1:
            problems.append(f"{key}: {len(rows)} ledger rows")
            continue
        outcomes = {location for *_, location in attempts if location}
        if len(outcomes) > 1:
            problems.append(f"{key} posted {len(attempts)} times, sent to {sorted(outcomes)}")
        if rows:
            entry = rows[0]
            method = GATEWAY_METHOD[entry.kind]
            calls = SimCall.objects.writes().filter(
                username=entry.reseller.username, method=method, target=entry.target
            )
            if method != "sendtext":
                calls = calls.filter(amount=entry.amount)
            if calls.count() != 1:
                problems.append(f"{key} posted {len(attempts)} times: {calls.count()} calls")
    return problems


def cross_reseller_replays(people) -> list[str]:
    """Post each reseller's used keys as the next reseller, with that reseller's own valid
    form: nothing may be written or sent, and nobody sees another's outcome."""
    problems = []
    for person, other in zip(people, people[1:] + people[:1], strict=True):
        keys = list(
            LedgerEntry.objects.filter(reseller__username=person.username).values_list(
                "form_key", flat=True
            )[:3]
        )
        for key in keys:
            rows, calls = LedgerEntry.objects.count(), SimCall.objects.writes().count()
            data = {"form_key": str(key), "name": REPLAY_TARGET, "noofsms": "1"}
            response = other.request("POST", "/clients/topup/", data)
            if response is None:
                continue
            if response.status_code != 200 or "already been used" not in text_of(response):
                problems.append(
                    f"{other.username} replaying {person.username}'s key {key}: "
                    f"{response.status_code} {response.get('Location', '')}"
                )
            if LedgerEntry.objects.count() != rows:
                problems.append(f"{other.username} replaying {key} wrote a ledger row")
            if SimCall.objects.writes().count() != calls:
                problems.append(f"{other.username} replaying {key} reached the gateway")
    return problems
