"""A hunt for one distinctive gateway password after a whole session with gateway failures.

The reseller logs in (after a typo and a gateway hiccup), browses every page, the gateway
misbehaves in every way the simulator knows, and they log out. Then the password, in every
form it could take on the way to the gateway, is searched for in the database (every table,
every column, sessions decoded), every cookie ever set (messages decoded), every log record
of every logger at DEBUG (SQL statements with their parameters included) and the console
handler's output, every response body and header, and every error's text and traceback.
"""

import io
import logging
import traceback
from urllib.parse import quote, quote_plus

import pytest
from django.contrib.messages.storage.cookie import CookieStorage, MessageSerializer
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import connection
from django.test import Client, override_settings

from messaging import gateway
from messaging.mspace import MspaceError
from mspace_admin.logging import MaskGatewayPasswords
from simulator import faults
from simulator.models import SimCall
from simulator.seed import make_account
from tests.accounts_helpers import LOGIN_URL, LOGOUT_URL, post_login, request_from_browser

HUNTED = "Zx9-Hunt/ed%Pass 🎉é"
FORMS = {
    "plain": HUNTED,
    "percent-encoded": quote(HUNTED, safe=""),
    "URL-quoted": quote(HUNTED),
    "form-encoded": quote_plus(HUNTED),
    "HTML-escaped": HUNTED.replace("&", "&amp;"),
    "JSON-escaped": HUNTED.encode("ascii", "backslashreplace").decode(),
    "its distinctive start": "Zx9-Hunt",
}
PAGES = [
    "/",
    "/clients/",
    "/clients/?format=csv",
    "/subaccounts/",
    "/clients/topup/?name=Hunter%20Client",
    "/subaccounts/topup/",
    "/send/",
    "/activity/",
    "/activity/?format=csv",
]
FAULTS = [
    ("http500", {}),
    ("html", {}),
    ("garbage", {}),
    ("empty", {}),
    ("truncated", {}),
    ("internal_error", {}),
    ("reset", {}),
    ("refuse", {}),
    ("hang", {"delay": 0.01}),
    ("slow", {"delay": 0.2}),
    # A gateway that echoes the request path into its error page, as Tomcat can.
    ("sentence", {"reply": f"400 Bad Request: /username=hunter/password={quote(HUNTED, safe='')}"}),
]


def leaks_in(text) -> list[str]:
    """The forms of the password found in `text` (str or bytes)."""
    if isinstance(text, bytes | memoryview):
        text = bytes(text).decode("utf-8", "replace")
    text = str(text)
    return [name for name, form in FORMS.items() if form in text]


def test_the_hunt_finds_what_it_looks_for():
    planted = f"GET /balance/username=hunter/password={quote(HUNTED, safe='')}"

    assert "percent-encoded" in leaks_in(planted)
    assert leaks_in(HUNTED.encode()) != []
    assert leaks_in("nothing here") == []


class Everything(logging.Handler):
    """Keeps every record, with its traceback, before any filter has touched it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.texts = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        self.texts.append(text + (record.exc_text or "") + (record.stack_info or ""))


@pytest.fixture
def every_log_line():
    """Every logger at DEBUG into `Everything`, and the real console handler into a string."""
    capture = Everything()
    loggers = [logging.getLogger(name) for name in ("", *logging.root.manager.loggerDict)]
    loggers = [lg for lg in loggers if isinstance(lg, logging.Logger)]
    levels = {lg: lg.level for lg in loggers}
    consoles = [h for h in logging.root.handlers if _masks(h)]
    assert consoles, "the console handler with the password filter is configured"
    console_output = io.StringIO()
    old_streams = [h.setStream(console_output) for h in consoles]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    for lg in (logging.root, logging.getLogger("django")):  # "django" does not propagate
        # First in line: the console handler's filter rewrites records it masks, and this
        # handler must see them as they were logged.
        lg.handlers.insert(0, capture)
    connection.force_debug_cursor = True  # every SQL statement, with its parameters
    try:
        yield capture, console_output
    finally:
        connection.force_debug_cursor = False
        for lg in (logging.root, logging.getLogger("django")):
            lg.removeHandler(capture)
        for lg, level in levels.items():
            lg.setLevel(level)
        for handler, stream in zip(consoles, old_streams, strict=True):
            handler.setStream(stream)


def _masks(handler):
    return any(isinstance(f, MaskGatewayPasswords) for f in handler.filters)


def database_dump() -> list[tuple[str, object]]:
    """(table.column, value) for every value in every table, and every session decoded.

    Left out: what this test itself put into the simulated gateway's mouth (a "sentence"
    fault's text, and the simulator's journal of it), which is the gateway's record, not ours.
    """
    cells = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the schema)
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                record = dict(zip(columns, row, strict=True))
                if table in ("simulator_simfault", "simulator_simcall") and (
                    record.get("kind") == "sentence" or record.get("fault") == "sentence"
                ):
                    record.pop("reply")
                cells += [(f"{table}.{column}", value) for column, value in record.items()]
    cells += [("django_session decoded", repr(s.get_decoded())) for s in Session.objects.all()]
    return cells


def cookie_texts(response) -> list[str]:
    texts = []
    for name, morsel in response.cookies.items():
        texts.append(morsel.OutputString())
        if name == CookieStorage.cookie_name and morsel.value:
            signer = signing.get_cookie_signer(salt=CookieStorage.key_salt)
            decoded = signer.unsign_object(morsel.value, serializer=MessageSerializer)
            texts.append(repr([str(message) for message in decoded]))
    return texts


@override_settings(MSPACE_TIMEOUT=0.1)
def test_the_password_is_nowhere_after_a_whole_session(
    transactional_db, every_log_line, monkeypatch
):
    # transactional_db: the dashboard reads in threads, each with its own connection, which
    # must see the committed test account.
    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0)
    capture, console_output = every_log_line
    make_account(
        "hunter",
        HUNTED,
        balance=900,
        clients=[("Hunter Client", 10)],
        subaccounts=[("hunter-branch", 5)],
        sender_ids=("MSPACE",),
    )
    browser = Client(raise_request_exception=False)
    responses, errors, dumps = [], [], []

    # Logging in: a typo (with the hunted password inside it), a hiccup, then success.
    responses.append(browser.get(LOGIN_URL))
    responses.append(post_login(browser, "hunter", HUNTED + "x"))
    faults.inject("login", "garbage", times=1)
    responses.append(post_login(browser, "hunter", HUNTED))
    responses.append(post_login(browser, "hunter", HUNTED))
    assert responses[-1].status_code == 302, "the hunter is logged in"

    # Every page, first with a working gateway, then with one answering 500s.
    responses.extend(browser.get(page) for page in PAGES)
    faults.inject("*", "http500")
    responses.extend(browser.get(page) for page in PAGES)
    faults.clear()

    # Every kind of misbehaviour, on reads and on writes that move credit.
    for kind, options in FAULTS:
        faults.inject("*", kind, **options)
        reseller = gateway.for_session(request_from_browser(browser))
        for call in (
            reseller.balance,
            reseller.reseller_clients,
            reseller.sub_accounts,
            lambda r=reseller: r.top_up_client("Hunter Client", 1),
            lambda r=reseller: r.send_text("MSPACE", "254712345678", "hunt"),
        ):
            try:
                call()
            except MspaceError as error:
                errors.append(error)
                logging.getLogger("tests.hunt").exception("gateway call failed: %s", error)
        faults.clear()
    responses.extend(browser.get(page) for page in PAGES[:3])
    assert len(errors) >= 40, "the gateway misbehaved as asked"
    assert SimCall.objects.filter(username="hunter").count() >= 40

    dumps.append(database_dump())  # a copy of the database taken mid-session
    responses.append(browser.post(LOGOUT_URL))
    responses.append(browser.get("/"))
    dumps.append(database_dump())

    found = []
    for when, dump in zip(("mid-session", "after logout"), dumps, strict=True):
        found += [
            (f"database {when}: {column}", leak)
            for column, value in dump
            for leak in leaks_in(value)
        ]
    for response in responses:
        where = f"{response.request['PATH_INFO']} ({response.status_code})"
        found += [(f"body of {where}", leak) for leak in leaks_in(body_of(response))]
        found += [(f"headers of {where}", leak) for leak in leaks_in(repr(response.items()))]
        for text in cookie_texts(response):
            found += [(f"cookie from {where}", leak) for leak in leaks_in(text)]
    for error in errors:
        for text in (str(error), repr(error), error.message, error.reply, _traceback(error)):
            found += [(f"error {error!r}", leak) for leak in leaks_in(text)]
    found += [
        ("a log record", leak)
        for text in capture.texts
        if not _journals_the_injected_sentence(text)
        for leak in leaks_in(text)
    ]
    found += [("the console log", leak) for leak in leaks_in(console_output.getvalue())]

    assert capture.texts and console_output.getvalue(), "logs were captured"
    assert found == [], [f[0] for f in found]


def _journals_the_injected_sentence(log_text: str) -> bool:
    """An SQL statement saving the text this test made the simulated gateway say."""
    return '"simulator_sim' in log_text and "'sentence'" in log_text


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _traceback(error) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def test_the_console_log_masks_a_password_a_library_logs(every_log_line):
    capture, console_output = every_log_line
    path = f"/mspaceservice/wr/sms/balance/username=hunter/password={quote(HUNTED, safe='')}"

    logging.getLogger("urllib3.connectionpool").debug('"GET %s HTTP/1.1" 200 2', path)
    logging.getLogger("some.library").error("request to http://gateway%s failed", path)

    written = console_output.getvalue()
    assert "username=hunter/password=***" in written
    assert leaks_in(written) == []
    # The hunt's own capture sees records as logged, before any mask: it would have seen this.
    assert any(leaks_in(text) for text in capture.texts)


def test_a_wrong_password_is_not_echoed_back_into_the_login_form(db):
    make_account("hunter", HUNTED, balance=1)

    response = post_login(Client(), "hunter", HUNTED + "-typo")

    page = response.content.decode()
    assert 'name="password"' in page
    assert leaks_in(page) == []
    assert 'value="hunter"' in page


STAFF_HUNTED = "Qw7-Staff/hunt%Pass 🎈ü"


def staff_leaks_in(text, secret: str) -> list[str]:  # secret "": the password only
    """The staff password (in each form it could take) or the authenticator's secret."""
    if isinstance(text, bytes | memoryview):
        text = bytes(text).decode("utf-8", "replace")
    text = str(text)
    forms = {
        "plain": STAFF_HUNTED,
        "percent-encoded": quote(STAFF_HUNTED, safe=""),
        "form-encoded": quote_plus(STAFF_HUNTED),
        "its distinctive start": "Qw7-Staff",
        "the authenticator's secret": secret,
        "the authenticator's key in hex": _hex_key_of(secret),
    }
    return [name for name, form in forms.items() if form and form in text]


def test_the_staff_hunt_finds_what_it_looks_for():
    secret = "JBSWY3DPEHPK3PXP"
    assert staff_leaks_in(f"password={quote_plus(STAFF_HUNTED)}", secret) != []
    assert staff_leaks_in(f"key {_hex_key_of(secret)}", secret) == [
        "the authenticator's key in hex"
    ]
    assert staff_leaks_in(f"secret {secret}", secret) == ["the authenticator's secret"]
    assert staff_leaks_in("nothing here", secret) == []


def _hex_key_of(secret: str) -> str:
    import base64

    if not secret:
        return ""
    return base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()


def test_a_staff_password_and_authenticator_secret_are_in_no_log_page_or_cookie(
    transactional_db, every_log_line, monkeypatch
):
    """A team member's whole life: invited, joining (a weak password first), setting up the
    authenticator (a wrong code first), logging out, logging in (a typo first), browsing and
    topping up through the owner's standing credential. Their password is then nowhere but
    as Django's hash, and the authenticator's secret only on the enrolment page and in
    django-otp's own table."""
    import re

    from django.core import mail

    from tests.team_helpers import code_from_key
    from tests.watch_helpers import start_watching

    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0)
    capture, console_output = every_log_line
    make_account("hunter", HUNTED, balance=900, clients=[("Hunter Client", 10)], subaccounts=[])
    start_watching("hunter", HUNTED)
    owner = Client(raise_request_exception=False)
    assert post_login(owner, "hunter", HUNTED).status_code == 302
    owner.post("/team/", {"email": "sam@hunter.example", "role": "operator", "daily_limit": "50"})
    link = re.search(r"https?://\S+/team/join/\S+/", mail.outbox[0].body)[0]

    staff = Client(raise_request_exception=False)
    responses = [staff.get(link)]
    responses.append(staff.post(link, {"password1": "Qw7", "password2": "Qw7"}))
    joined = {"password1": STAFF_HUNTED, "password2": STAFF_HUNTED}
    responses.append(staff.post(link, joined))
    enrolment = staff.get("/team/two-factor/enrol/")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrolment.content.decode())[1]
    key = bytes.fromhex(_hex_key_of(secret))
    # The enrolment pages show the secret on purpose (for people who cannot scan the QR code):
    # hunted for the password only.
    shown_secret = [enrolment, staff.post("/team/two-factor/enrol/", {"code": "123456"})]
    responses.append(staff.post("/team/two-factor/enrol/", {"code": code_from_key(key)}))
    responses.append(staff.post(LOGOUT_URL))
    responses.append(post_login(staff, "sam@hunter.example", STAFF_HUNTED + "x"))
    responses.append(post_login(staff, "sam@hunter.example", STAFF_HUNTED))
    responses.append(staff.post("/team/two-factor/verify/", {"code": code_from_key(key, window=1)}))
    responses.extend(staff.get(page) for page in PAGES)
    form_key = re.search(r'name="form_key" value="([0-9a-f-]{36})"', responses[-5].content.decode())
    responses.append(
        staff.post(
            "/clients/topup/",
            {"form_key": form_key[1], "name": "Hunter Client", "noofsms": "5"},
        )
    )
    assert responses[-1].status_code == 303, "the staff member topped up"
    responses.append(staff.post(LOGOUT_URL))

    found = []
    for response in responses:
        where = f"{response.request['PATH_INFO']} ({response.status_code})"
        found += [(f"body of {where}", leak) for leak in staff_leaks_in(body_of(response), secret)]
        found += [
            (f"headers of {where}", leak) for leak in staff_leaks_in(repr(response.items()), secret)
        ]
        for text in cookie_texts(response):
            found += [(f"cookie from {where}", leak) for leak in staff_leaks_in(text, secret)]
    found += [
        (f"enrolment page ({response.status_code})", leak)
        for response in shown_secret
        for leak in staff_leaks_in(body_of(response), secret="")
    ]
    found += [
        ("a log record", leak)
        for text in capture.texts
        # django-otp's own table holds the key, as a password table holds a hash: the SQL
        # writing it is the one place it may be; every other line is hunted.
        if "otp_totp_totpdevice" not in text
        for leak in staff_leaks_in(text, secret)
    ]
    console = "\n".join(
        line for line in console_output.getvalue().splitlines() if "otp_totp_totpdevice" not in line
    )
    found += [("the console log", leak) for leak in staff_leaks_in(console, secret)]
    found += [
        (f"database: {column}", leak)
        for column, value in database_dump()
        if not column.startswith("otp_totp_totpdevice.")
        for leak in staff_leaks_in(value, secret)
    ]
    assert not SimCall.objects.filter(username__contains="@").exists()
    assert capture.texts and console_output.getvalue(), "logs were captured"
    assert found == [], [f[0] for f in found]
