"""Fuzzing every form and query string: whatever arrives, the answer is never a 500.

Values are random text (any character, lone surrogates and control characters included),
huge values, plausible-but-wrong values and raw bytes that are not UTF-8 at all. They are
sent as a browser cannot: bodies and query strings are built by hand from bytes (Django's
test client would refuse to encode a lone surrogate), sometimes percent-encoded, sometimes
raw. A crash in a view propagates out of the test client and fails the example.

The database here is SQLite, which stores a NUL character; production runs PostgreSQL,
which refuses one with an error (a 500). Every query made while fuzzing is therefore checked
as PostgreSQL would: a NUL in any string parameter fails the test.
"""

import uuid
from urllib.parse import quote_from_bytes

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.models import LedgerEntry
from simulator import faults
from tests.conftest import ALICE_PASSWORD, log_in
from tests.hardening_helpers import (
    LOGIN_URL,
    LOGOUT_URL,
    form_key_in,
    is_html,
    text_of,
    traceback_signs,
)

# The dashboard reads in threads with their own database connections.
pytestmark = pytest.mark.django_db(transaction=True)

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- What arrives --------------------------------------------------------------------------

awkward_characters = st.characters(categories=["Cc", "Cs", "Cf", "Zl", "Zp", "Co", "Cn"])
hostile_text = st.one_of(
    st.text(max_size=50),
    st.text(awkward_characters, max_size=20),  # control characters, lone surrogates...
    st.builds(  # huge
        lambda piece, times: piece * times,
        st.text(min_size=1, max_size=3),
        st.integers(1_000, 70_000),
    ),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "+5",
            "5.0",
            "1e3",
            "٥",  # an Arabic-Indic five
            "9" * 40,
            "9" * 5_000,  # more digits than int() takes
            "NaN",
            "\x00",
            "%00",
            "\ud800",
            "=cmd|' /C calc'!A0",
            "<script>alert(1)</script>",
            "../../../etc/passwd",
            "'; DROP TABLE messaging_ledgerentry; --",
        ]
    ),
)
# Text as UTF-8 (surrogates passed through, as a broken client would) or bytes that are no
# UTF-8 at all.
hostile_bytes = st.one_of(
    hostile_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
)


def plausible(*values):
    """Values that get past the first checks (three times in four), or hostile ones: most
    examples then reach deep into a form, each one with something wrong somewhere."""
    good = st.sampled_from([v.encode() for v in values])
    return st.one_of(good, good, good, hostile_bytes)


FORM_KEY = plausible(*(str(uuid.uuid4()) for _ in range(3)))
AMOUNT = st.one_of(
    st.integers(1, 100).map(lambda n: str(n).encode()),
    st.integers(1, 100).map(lambda n: str(n).encode()),
    st.integers(-10, 10**12).map(lambda n: str(n).encode()),
    hostile_bytes,
)
FORMS = {
    "/clients/topup/": {
        "form_key": FORM_KEY,
        "name": plausible("Mama Mboga Traders", "Jinja Fish", "alice-nairobi"),
        "noofsms": AMOUNT,
    },
    "/subaccounts/topup/": {
        "form_key": FORM_KEY,
        "name": plausible("alice-nairobi", "alice-kampala", "Mama Mboga Traders"),
        "noofsms": AMOUNT,
    },
    "/send/": {
        "form_key": FORM_KEY,
        "senderid": plausible("ALICESHOP", "MSPACE", "123456789012345"),
        "recipient": plausible("0712 345 678", "+256 772 123456", "254712345678"),
        "message": plausible("Habari", "🎉" * 300, "x" * 2000),
    },
    "/": {"low_balance": AMOUNT},
    "reconcile": {
        "action": plausible("check", "went_through", "did_not_go_through"),
        "back": plausible("outcome"),
    },
}
QUERIES = {
    "/": {"refresh": hostile_bytes},
    "/clients/": {
        "q": hostile_bytes,
        "sort": plausible("name", "-name", "balance", "-balance"),
        "page": AMOUNT,
        "format": plausible("csv"),
        "refresh": hostile_bytes,
    },
    "/subaccounts/": {
        "q": hostile_bytes,
        "sort": plausible("balance"),
        "page": AMOUNT,
        "format": plausible("csv"),
    },
    "/clients/topup/": {"name": plausible("Mama Mboga Traders"), "noofsms": AMOUNT},
    "/subaccounts/topup/": {"name": plausible("alice-nairobi"), "noofsms": AMOUNT},
    "/send/": {"senderid": hostile_bytes, "recipient": hostile_bytes},
    "/activity/": {
        "kind": plausible("client_topup", "test_sms"),
        "status": plausible("unknown", "succeeded"),
        "target": plausible("Mama Mboga Traders"),
        "page": AMOUNT,
        "format": plausible("csv"),
    },
    "outcome": {"next": hostile_bytes},
    LOGIN_URL: {"next": plausible("/activity/", "//attacker.example/", "https://x.example")},
    "/healthz": {"q": hostile_bytes},
}


@st.composite
def fields(draw, known):
    """Some of the known fields (each maybe repeated) and maybe some unknown ones, as pairs."""
    pairs = []
    for name, values in known.items():
        for _ in range(draw(st.sampled_from([1] * 8 + [0, 2]))):
            pairs.append((name.encode(), draw(values)))
    pairs += draw(st.lists(st.tuples(hostile_bytes, hostile_bytes), max_size=2))
    return draw(st.permutations(pairs))


@st.composite
def encoded(draw, known):
    """Form fields as one body or query string: percent-encoded, or raw bytes as they came."""
    pairs = draw(fields(known))
    if draw(st.booleans()):
        return b"&".join(
            quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs
        )
    return b"&".join(k + b"=" + v for k, v in pairs)


# --- Sending it ----------------------------------------------------------------------------


def post(client, path, body: bytes):
    return client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")


def get(client, path, query: bytes):
    # WSGI hands Django the query string as bytes decoded as Latin-1: so does this.
    return client.generic("GET", path, QUERY_STRING=query.decode("latin-1"))


def assert_answered_plainly(response):
    assert response.status_code < 500, text_of(response)[:1000]
    if is_html(response):
        assert traceback_signs(text_of(response)) == []


def refuse_nul_like_postgresql(execute, sql, params, many, context):
    rows = params if many else [params]
    for row in rows or []:
        values = row.values() if isinstance(row, dict) else (row or ())
        for value in values:
            if isinstance(value, str) and "\x00" in value:
                raise AssertionError(f"PostgreSQL would refuse a NUL in {sql[:200]!r}")
    return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def like_postgresql(transactional_db):
    with connection.execute_wrapper(refuse_nul_like_postgresql):
        yield


@pytest.fixture
def entry_ids(alice_client):
    """An unknown top-up, a succeeded one and a test SMS of alice's (their page addresses)."""
    faults.inject("resellerclienttopup", "reset", times=1)
    for name in ("Jinja Fish", "Mama Mboga Traders"):
        key = form_key_in(alice_client.get("/clients/topup/"))
        alice_client.post("/clients/topup/", {"form_key": key, "name": name, "noofsms": "3"})
    key = form_key_in(alice_client.get("/send/"))
    alice_client.post(
        "/send/",
        {"form_key": key, "senderid": "ALICESHOP", "recipient": "0712345678", "message": "hi"},
    )
    entries = {entry.status: entry for entry in LedgerEntry.objects.all()}
    assert LedgerEntry.Status.UNKNOWN in entries
    return {
        "unknown": entries[LedgerEntry.Status.UNKNOWN].pk,
        "ids": list(LedgerEntry.objects.values_list("pk", flat=True)),
    }


# --- The tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/clients/topup/", "/subaccounts/topup/", "/send/", "/"])
def test_no_form_post_of_a_reseller_ever_answers_500(alice_client, path):
    @FUZZ
    @given(body=encoded(FORMS[path]))
    def fuzz(body):
        assert_answered_plainly(post(alice_client, path, body))

    fuzz()
    # Still logged in and working: nothing posted ended the session or broke the page.
    assert alice_client.get(path).status_code == 200


def test_no_post_settling_an_outcome_ever_answers_500(alice_client, entry_ids):
    path = f"/activity/{entry_ids['unknown']}/reconcile/"

    @FUZZ
    @given(body=encoded(FORMS["reconcile"]))
    def fuzz(body):
        response = post(alice_client, path, body)
        assert_answered_plainly(response)
        # More fields than Django takes (DATA_UPLOAD_MAX_NUMBER_FIELDS) is a plain 400;
        # anything else is settled or refused with a message on the entry's page.
        too_many_fields = body.count(b"&") + 1 > django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        assert response.status_code == (400 if too_many_fields else 303)

    fuzz()


@pytest.mark.parametrize("path", [p for p in QUERIES if p.startswith("/")])
def test_no_query_string_ever_answers_500(alice_client, path):
    @FUZZ
    @given(query=encoded(QUERIES[path]))
    def fuzz(query):
        assert_answered_plainly(get(alice_client, path, query))

    fuzz()


def test_no_query_string_on_an_outcome_page_ever_answers_500(alice_client, entry_ids):
    paths = (
        [f"/topups/{pk}/" for pk in entry_ids["ids"]]
        + [f"/send/{pk}/" for pk in entry_ids["ids"]]
        + [f"/activity/{pk}/" for pk in entry_ids["ids"]]
    )

    @FUZZ
    @given(path=st.sampled_from(paths), query=encoded(QUERIES["outcome"]))
    def fuzz(path, query):
        assert_answered_plainly(get(alice_client, path, query))

    fuzz()


def test_no_login_post_ever_answers_500(alice):
    known = {
        "username": plausible("alice", "bob"),
        "password": plausible(ALICE_PASSWORD, "wrong"),
        "next": plausible("/activity/", "//attacker.example/"),
    }

    @FUZZ
    @given(body=encoded(known), query=encoded({"next": hostile_bytes}))
    def fuzz(body, query):
        client = Client()
        response = client.generic(
            "POST",
            LOGIN_URL,
            body,
            content_type="application/x-www-form-urlencoded",
            QUERY_STRING=query.decode("latin-1"),
        )
        assert_answered_plainly(response)
        if response.status_code == 302:  # logged in: never sent off-site
            assert not response["Location"].startswith(("//", "http"))

    fuzz()


def test_no_logout_post_ever_answers_500(alice):
    @FUZZ
    @given(body=encoded({"next": plausible("/", "//attacker.example/")}))
    def fuzz(body):
        client = log_in(Client(), "alice", ALICE_PASSWORD)
        response = post(client, LOGOUT_URL, body)
        assert_answered_plainly(response)
        # A body past Django's upload limits is a plain 400; anything else logs out.
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            assert not response["Location"].startswith(("//", "http"))

    fuzz()


@pytest.mark.parametrize(
    "path", ["/clients/topup/", "/send/", "/", LOGIN_URL, f"{LOGOUT_URL}", "/admin/login/"]
)
@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data; boundary=xyz",  # a body that is not multipart at all
        "multipart/form-data",  # no boundary
        "application/x-www-form-urlencoded; charset=utf-16",
        "application/x-www-form-urlencoded; charset=no-such-charset",
        "application/json",
    ],
)
def test_a_body_that_cannot_be_parsed_is_never_a_500(alice_client, path, content_type):
    body = b'--xyz\r\nContent-Disposition: form-data; name="\xff"\r\n\r\n\x00\xfe--'

    response = alice_client.generic("POST", path, body, content_type=content_type)

    assert_answered_plainly(response)


def test_a_nul_in_a_query_is_noticed_by_the_postgresql_check(alice_client):
    # The check above proves something only if it would notice a NUL reaching a query.
    with pytest.raises(AssertionError, match="PostgreSQL would refuse"):
        LedgerEntry.objects.filter(target="a\x00b").exists()


def test_the_fuzzing_reaches_a_real_top_up(alice_client):
    # Plausible values do get through every check: the fuzzing is not stuck at the door.
    body = b"form_key=" + str(uuid.uuid4()).encode() + b"&name=Jinja+Fish&noofsms=2"

    response = post(alice_client, "/clients/topup/", body)

    assert response.status_code == 303
    assert LedgerEntry.objects.get().status == LedgerEntry.Status.SUCCEEDED


@pytest.mark.parametrize("method", ["HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"])
def test_no_method_on_any_page_ever_answers_500(alice_client, entry_ids, method):
    entry = entry_ids["unknown"]
    paths = [
        "/",
        "/clients/",
        "/subaccounts/",
        "/clients/topup/",
        "/subaccounts/topup/",
        "/send/",
        "/activity/",
        f"/activity/{entry}/",
        f"/activity/{entry}/reconcile/",
        f"/topups/{entry}/",
        LOGIN_URL,
        LOGOUT_URL,
        "/healthz",
    ]

    statuses = {path: alice_client.generic(method, path).status_code for path in paths}

    assert {path: s for path, s in statuses.items() if s >= 500} == {}
    assert LedgerEntry.objects.count() == len(entry_ids["ids"])  # nothing new was done
