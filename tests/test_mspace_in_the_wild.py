"""The gateway as other clients of it show it, beyond its document: the client asks for JSON,
still reads XML lists and sends, reads unlimited (-1) and decimal balances, keeps an
unreadable row in its place, and reads the one-sentence "not authorised" refusal. Each
behaviour is checked against scripted replies and against the simulator, which has it too.
"""

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import messaging.mspace as mspace
from messaging.ledger import _outcome_of
from messaging.models import LedgerEntry
from messaging.mspace import (
    UNLIMITED,
    UNREADABLE,
    Account,
    AuthenticationError,
    Balance,
    GatewayError,
    MspaceClient,
    MspaceError,
    NotAuthorizedError,
    SendResult,
)
from simulator.models import SimAccount
from simulator.seed import make_account, seed_demo
from simulator.transport import SimulatorAdapter
from tests.mspace_helpers import PASSWORD, ScriptedAdapter

BASE = "http://mspace.test/mspaceservice/wr/sms/"
SIMULATOR = "http://mspace-simulator.invalid/mspaceservice/wr/sms/"
CALLS = {
    "login": lambda client: client.login(),
    "balance": lambda client: client.balance(),
    "sub-accounts": lambda client: client.sub_accounts(),
    "clients": lambda client: client.reseller_clients(),
    "client top-up": lambda client: client.top_up_client("client1", 5),
    "sub-account top-up": lambda client: client.top_up_sub_account("client1", 5),
    "test SMS": lambda client: client.send_text("MSPACE", "254712345678", "Hi"),
}
WRITES = {name: CALLS[name] for name in ("client top-up", "sub-account top-up", "test SMS")}
ONE_SENTENCE = "You are not Authorized to make this transaction,Kindly Contact Providers for help"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def scripted(*replies):
    adapter = ScriptedAdapter(*replies)
    return MspaceClient(BASE, "alice", PASSWORD, adapter=adapter), adapter


def shown(accounts):
    """Accounts as a person reads them: name, and balance as sent or in words."""
    return [
        (
            a.name,
            "unlimited"
            if a.balance == UNLIMITED
            else "unreadable"
            if a.balance == UNREADABLE
            else getattr(a.balance, "shown", str(a.balance)),
        )
        for a in accounts
    ]


# --- 1. Accept: application/json ------------------------------------------------------------


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_every_call_asks_for_json(call):
    client, adapter = scripted((200, "nonsense"))

    with pytest.raises(MspaceError):
        call(client)

    assert adapter.requests[0].headers["Accept"] == "application/json"


def test_the_network_sessions_ask_for_json_too():
    # Reads share one pooled session, writes get a fresh one each: both are built alike.
    session = mspace._new_session(mspace.HTTPAdapter())

    assert session.headers["Accept"] == "application/json"
    assert mspace._shared_session().headers["Accept"] == "application/json"


# --- 2. XML lists and sends -----------------------------------------------------------------

XML_LISTS = {
    "rows of fields": (
        "<subUsers><subUser><smsBalance>20</smsBalance><subUserName>subuser1</subUserName>"
        "</subUser><subUser><smsBalance>18</smsBalance><subUserName>Nairobi é &amp; Co"
        "</subUserName></subUser></subUsers>",
        [("subuser1", "20"), ("Nairobi é & Co", "18")],
    ),
    "a declaration and a namespace": (
        f'{XML_DECLARATION}<ns2:list xmlns:ns2="urn:mspace"><ns2:row><ns2:subUserName>a'
        "</ns2:subUserName><ns2:smsBalance>-1</ns2:smsBalance></ns2:row></ns2:list>",
        [("a", "unlimited")],
    ),
    "attributes": (
        '<users><user subUserName="b" smsBalance="49.5"/></users>',
        [("b", "49.5")],
    ),
    "one row, unwrapped": (
        "<subUser><smsBalance>7</smsBalance><subUserName>c</subUserName></subUser>",
        [("c", "7")],
    ),
    "no rows": ("<subUsers/>", []),
    "an odd row in its place": (
        "<subUsers><subUser><smsBalance>x</smsBalance><subUserName>d</subUserName></subUser>"
        "<subUser><smsBalance>5</smsBalance><subUserName>e</subUserName></subUser></subUsers>",
        [("d", "unreadable"), ("e", "5")],
    ),
}


@pytest.mark.parametrize(("body", "expected"), XML_LISTS.values(), ids=XML_LISTS.keys())
def test_the_sub_account_list_is_read_from_xml(body, expected):
    client, _ = scripted((200, body))

    assert shown(client.sub_accounts()) == expected


def test_the_client_list_is_read_from_xml():
    body = (
        f"{XML_DECLARATION}<resellerClients><resellerClient><smsBalance>20</smsBalance>"
        "<clientname>client1</clientname></resellerClient></resellerClients>"
    )
    client, _ = scripted((200, body))

    assert client.reseller_clients() == [Account("client1", 20)]


@pytest.mark.parametrize(
    ("body", "error_class"),
    [
        ("<string>Authentication failure</string>", AuthenticationError),
        ("<html><body><h1>Maintenance</h1><p>Back soon</p></body></html>", GatewayError),
        ("<subUsers><subUser><smsBalance>20</smsBalance>", GatewayError),  # cut short
        (
            '<!DOCTYPE x [<!ENTITY e "20">]><l><r><smsBalance>&e;</smsBalance>'
            "<subUserName>a</subUserName></r></l>",
            GatewayError,
        ),
    ],
    ids=["a sentence", "an html page", "truncated", "a DTD with an entity"],
)
def test_xml_that_is_not_a_list_is_read_as_what_it_is(body, error_class):
    client, _ = scripted((200, body))

    with pytest.raises(MspaceError) as raised:
        client.sub_accounts()

    assert type(raised.value) is error_class


def test_a_test_sms_receipt_is_read_from_xml():
    body = (
        f"{XML_DECLARATION}<messages><message><messageId>12345</messageId>"
        "<responseTime>2018-06-25 11:12:19:793</responseTime><status>successful</status>"
        "</message></messages>"
    )
    client, _ = scripted((200, body))

    assert client.send_text("MSPACE", "254712345678", "Hi") == SendResult(
        "12345", "successful", "2018-06-25 11:12:19:793"
    )


@pytest.mark.parametrize(
    "body",
    [
        "<messages><message><messageId>1</messageId><status>failed</status></message></messages>",
        "<messages><message><messageId>1</messageId><status>successful</status></message>"
        "<message><messageId>2</messageId><status>successful</status></message></messages>",
        "<messages/>",
    ],
    ids=["another status", "two results", "no result"],
)
def test_an_xml_send_reply_of_another_shape_is_never_a_refusal(body):
    client, _ = scripted((200, body))

    with pytest.raises(MspaceError) as raised:
        client.send_text("MSPACE", "254712345678", "Hi")

    assert _outcome_of(raised.value) == LedgerEntry.Status.UNKNOWN


# --- 3. Balances ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "count", "shown_as"),
    [
        ("-1", UNLIMITED, "-1"),
        ("-1.0", UNLIMITED, "-1.0"),
        ("49.5", 49, "49.5"),
        ("0.75", 0, "0.75"),
        ('"1200.25"', 1200, "1200.25"),
    ],
)
def test_the_own_balance_may_be_unlimited_or_a_decimal(body, count, shown_as):
    client, _ = scripted((200, body))

    balance = client.balance()

    assert type(balance) is Balance
    assert (int(balance), balance.shown) == (count, shown_as)
    assert balance.unlimited == (count == UNLIMITED)


def test_an_unlimited_balance_counts_above_any_real_one_and_a_decimal_as_its_whole_part():
    unlimited, decimal = Balance(UNLIMITED, "-1"), Balance(49, "49.5")

    assert sorted([unlimited, 10**15 - 1, decimal, 50, 0]) == [
        0,
        decimal,
        50,
        10**15 - 1,
        unlimited,
    ]
    assert not 0 <= unlimited < 10**9  # never "low", whatever the threshold
    assert unlimited >= 1_000_000  # never the cap of a top-up
    assert mspace.exact_balance(decimal) == Decimal("49.5")
    assert not mspace.is_countable(unlimited) and mspace.is_countable(decimal)


def test_list_balances_may_be_unlimited_or_decimal_as_text_or_numbers():
    body = (
        '[{"smsBalance": "-1", "clientname": "a"}, {"smsBalance": -1, "clientname": "b"},'
        ' {"smsBalance": "49.5", "clientname": "c"}, {"smsBalance": 49.50, "clientname": "d"},'
        ' {"smsBalance": "20.00", "clientname": "e"}]'
    )
    client, _ = scripted((200, body))

    accounts = client.reseller_clients()

    assert shown(accounts) == [
        ("a", "unlimited"),
        ("b", "unlimited"),
        ("c", "49.5"),
        ("d", "49.50"),
        ("e", "20"),
    ]
    assert type(accounts[4].balance) is int


def test_a_row_that_cannot_be_read_stays_in_its_place_and_the_rest_is_read():
    body = (
        '[{"smsBalance": "20", "clientname": "a"}, {"smsBalance": "lots", "clientname": "b"},'
        ' {"smsBalance": "5"}, "c", {"smsBalance": "-7", "clientname": "d"},'
        ' {"smsBalance": "3", "clientname": "e"}]'
    )
    client, _ = scripted((200, body))

    assert shown(client.reseller_clients()) == [
        ("a", "20"),
        ("b", "unreadable"),
        ("", "unreadable"),
        ("", "unreadable"),
        ("d", "unreadable"),
        ("e", "3"),
    ]


# --- 4. The one-sentence refusal ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [ONE_SENTENCE, ONE_SENTENCE + ".", ONE_SENTENCE.upper(), ONE_SENTENCE.replace(",", ", ")],
)
@pytest.mark.parametrize("call", list(WRITES.values())[:2], ids=list(WRITES)[:2])
def test_the_one_sentence_not_authorised_refusal_is_that_refusal(call, body):
    client, _ = scripted((200, body))

    with pytest.raises(MspaceError) as raised:
        call(client)

    assert type(raised.value) is NotAuthorizedError
    assert _outcome_of(raised.value) == LedgerEntry.Status.FAILED


# --- 5. Writes fail closed ------------------------------------------------------------------

# Each documented refusal by its distinctive words; a reply is recorded as failed only if it
# says one of these.
DOCUMENTED_REFUSALS = re.compile(
    r"au?th?entication failure|error 100|insufficient balance|invalid sender id"
    r"|not authori[sz]ed|contact providers? for help|failed to top up"
    r"|top up not successful|failed to deduct",
)
_NEAR_MISSES = st.sampled_from(
    [
        "Successful Top up of 5 SMS to client1",
        "Successful Top up of 6 SMS to client1",
        '[{"messageId": "1", "responseTime": "t", "status": "successful"}]',
        '[{"messageId": "1", "status": "successful"}, {"messageId": "2", "status": "failed"}]',
        "<messages><message><messageId>1</messageId><status>successful</status></message>"
        "</messages>",
        "<string>Successful Top up of 5 SMS to client1</string>",
        "Insufficient Balance",
        "Athentication failure",
        ONE_SENTENCE,
        "Failed to top up client1 account",
        "Top up not Successful",
        "failed to deduct your account",
        "Internal service error",
        "Request queued",
        "failed",
        "",
    ]
)
WRITE_REPLIES = st.one_of(
    st.text(max_size=80),
    st.tuples(_NEAR_MISSES, st.text(max_size=6), st.text(max_size=6)).map("".join),
    st.tuples(st.text(max_size=6), _NEAR_MISSES).map(lambda p: p[0] + p[1]),
    st.lists(_NEAR_MISSES, min_size=2, max_size=3).map(" ".join),
    st.lists(st.sampled_from(["messageId", "status", "x"]), max_size=3).map(
        lambda tags: "<r>" + "".join(f"<{t}>successful</{t}>" for t in tags) + "</r>"
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    call=st.sampled_from(sorted(WRITES)),
    status=st.sampled_from([200, 200, 200, 500, 302]),
    body=WRITE_REPLIES,
)
def test_no_write_reply_outside_the_documented_refusals_is_ever_recorded_as_failed(
    call, status, body
):
    client, _ = scripted((status, body))

    try:
        WRITES[call](client)
    except MspaceError as error:
        recorded = _outcome_of(error)
        if recorded == LedgerEntry.Status.FAILED:
            assert status == 200
            assert DOCUMENTED_REFUSALS.search(
                " ".join(re.sub(r"[^0-9a-z]+", " ", body.casefold()).split())
            )
        else:
            assert recorded == LedgerEntry.Status.UNKNOWN
    else:
        # A success is only ever the documented success of what was asked.
        assert status == 200


# --- The simulator has each behaviour, and the client reads it ------------------------------


@pytest.fixture
def demo(db):
    return seed_demo()


def simulated(username, password, *, accept=None, monkeypatch=None):
    if accept is not None:
        monkeypatch.setattr(mspace, "_ACCEPT", accept)
    return MspaceClient(SIMULATOR, username, password, adapter=SimulatorAdapter())


def test_the_demo_book_has_an_unlimited_and_a_decimal_client(demo):
    accounts = dict(shown(simulated("demo", "demo").reseller_clients()))

    assert accounts["Nairobi County Alerts"] == "unlimited"
    assert accounts["Bungoma Sugar Outgrowers"] == "49.5"


def test_the_demo_has_a_reseller_whose_own_balance_is_unlimited(demo):
    client = simulated("unlimited", "unlimited")

    assert client.balance() == UNLIMITED
    assert shown(client.sub_accounts()) == [("unlimited-main", "12.75")]


def test_the_simulator_answers_xml_when_json_is_not_asked_for_and_it_reads_the_same(
    demo, monkeypatch
):
    as_json = simulated("demo", "demo")
    clients, sub_accounts = as_json.reseller_clients(), as_json.sub_accounts()

    as_xml = simulated("demo", "demo", accept="*/*", monkeypatch=monkeypatch)

    assert shown(as_xml.reseller_clients()) == shown(clients)
    assert shown(as_xml.sub_accounts()) == shown(sub_accounts)
    receipt = as_xml.send_text("MSPACE", "254712345678", "Habari")
    assert receipt.status == "successful" and receipt.message_id.isdigit()


def test_a_send_answered_in_xml_is_recorded_as_sent_through_the_simulator(demo, monkeypatch):
    from simulator.models import SimCall

    client = simulated("demo", "demo", accept="text/xml", monkeypatch=monkeypatch)

    receipt = client.send_text("MSPACE", "254712345678", "Habari")

    call = SimCall.objects.get(method="sendtext")
    assert call.reply.startswith("<?xml") and call.credit_moved
    assert call.message_id == receipt.message_id


def test_an_unlimited_account_is_neither_charged_nor_topped_up_by_the_simulator(demo):
    unlimited = simulated("unlimited", "unlimited")

    unlimited.top_up_client("Tororo Cement Stockists", 500_000)
    simulated("demo", "demo").top_up_client("Nairobi County Alerts", 10)

    assert unlimited.balance() == UNLIMITED
    books = dict(shown(simulated("demo", "demo").reseller_clients()))
    assert books["Nairobi County Alerts"] == "unlimited"
    assert SimAccount.objects.get(username="Tororo Cement Stockists").balance == 500_800


def test_a_decimal_balance_keeps_its_fraction_through_a_top_up(demo):
    simulated("demo", "demo").top_up_client("Bungoma Sugar Outgrowers", 10)

    books = dict(shown(simulated("demo", "demo").reseller_clients()))
    assert books["Bungoma Sugar Outgrowers"] == "59.5"


def test_the_simulator_refuses_a_non_reseller_with_the_one_sentence(db):
    make_account("nora", "nora-pw", balance=50, is_reseller=False)

    with pytest.raises(NotAuthorizedError) as raised:
        simulated("nora", "nora-pw").top_up_client("anyone", 1)

    assert raised.value.reply == ONE_SENTENCE


def test_the_simulators_refusals_stay_sentences_when_json_is_not_asked_for(db, monkeypatch):
    client = simulated("nobody", "wrong", accept="*/*", monkeypatch=monkeypatch)

    with pytest.raises(AuthenticationError):
        client.reseller_clients()
    with pytest.raises(AuthenticationError):
        client.send_text("MSPACE", "254712345678", "x")
