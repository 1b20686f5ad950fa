"""How the client reads mSpace's replies: the documented successes, every documented failure
in the spellings the gateway really uses, and "fail closed" on anything else."""

import json
import re

import pytest
import responses

from messaging.mspace import (
    Account,
    AuthenticationError,
    GatewayError,
    GatewayUnavailableError,
    InsufficientBalanceError,
    InvalidSenderIdError,
    MspaceClient,
    NotAuthorizedError,
    OutcomeUnknownError,
    SendResult,
    TopUpFailedError,
)
from tests.mspace_helpers import PASSWORD, password_forms

BASE = "http://mspace.test/mspaceservice/wr/sms/"

CALLS = {
    "login": ("login", lambda client: client.login()),
    "balance": ("balance", lambda client: client.balance()),
    "sub-accounts": ("subusers", lambda client: client.sub_accounts()),
    "clients": ("resellerclients", lambda client: client.reseller_clients()),
    "client top-up": ("resellerclienttopup", lambda client: client.top_up_client("client1", 5)),
    "sub-account top-up": ("subacctopup", lambda client: client.top_up_sub_account("client1", 5)),
    "test SMS": ("sendtext", lambda client: client.send_text("MSPACE", "254712345678", "Hi")),
}
TOP_UPS = {name: CALLS[name] for name in ("client top-up", "sub-account top-up")}
WRITES = {**TOP_UPS, "test SMS": CALLS["test SMS"]}


@pytest.fixture
def mspace():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client():
    return MspaceClient(BASE, "alice", PASSWORD, timeout=2)


def answer(mock, method, body, status=200, content_type="text/plain"):
    url = re.compile(re.escape(BASE) + method + "/")
    mock.add(responses.GET, url, body=body, status=status, content_type=content_type)


def raised_by(call, client):
    with pytest.raises(Exception) as raised:
        call(client)
    return raised.value


# --- Successes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", ["user exists", "User Exists.", "  USER EXISTS!\n", '"user exists"']
)
def test_login_accepts_user_exists_however_it_is_written(mspace, client, body):
    answer(mspace, "login", body)

    assert client.login() is None


@pytest.mark.parametrize(
    ("body", "balance"),
    [("50", 50), (" 50\r\n", 50), ("0", 0), ("1200.0", 1200), ('"75"', 75), ("\ufeff9", 9)],
)
def test_balance_reads_a_plain_whole_number(mspace, client, body, balance):
    answer(mspace, "balance", body)

    assert client.balance() == balance


def test_the_lists_read_names_and_balances_as_the_document_shows_them(mspace, client):
    answer(
        mspace,
        "subusers",
        '[{"smsBalance": "20", "subUserName": "subuser1"}, '
        '{"smsBalance": 18, "subUserName": "Nairobi Branch é"}]',
    )
    answer(
        mspace,
        "resellerclients",
        '[{"smsBalance": "20", "clientname": "client1"}, {"smsBalance": 18.0, "clientname": "c2"}]',
        content_type="application/json",
    )

    assert client.sub_accounts() == [Account("subuser1", 20), Account("Nairobi Branch é", 18)]
    assert client.reseller_clients() == [Account("client1", 20), Account("c2", 18)]


@pytest.mark.parametrize("body", ["[]", " [ ]\n"])
@pytest.mark.parametrize("method", ["subusers", "resellerclients"])
def test_an_empty_list_means_no_accounts(mspace, client, method, body):
    answer(mspace, method, body)

    accounts = client.sub_accounts() if method == "subusers" else client.reseller_clients()

    assert accounts == []


def test_an_account_named_like_a_failure_is_still_just_an_account(mspace, client):
    answer(mspace, "resellerclients", '[{"smsBalance": "3", "clientname": "Insufficient Balance"}]')

    assert client.reseller_clients() == [Account("Insufficient Balance", 3)]


def test_ten_thousand_clients_are_read_exactly(mspace, client):
    # How fast is `make bench`'s question (the 10,000-client book), not a unit test's.
    rows = [{"smsBalance": str(i), "clientname": f"client{i}"} for i in range(10_000)]
    answer(mspace, "resellerclients", json.dumps(rows))

    accounts = client.reseller_clients()

    assert len(accounts) == 10_000
    assert accounts[9_999] == Account("client9999", 9_999)


@pytest.mark.parametrize(
    "body",
    [
        "Successful Top up of 5 SMS to client1",
        "Successful Top up of 5 SMS to client1.",
        "successful top up of 5 sms to CLIENT1",
        "  Successful  Top-up of 5 SMS to  client1 \n",
        '"Successful Top up of 5 SMS to client1."',
    ],
)
@pytest.mark.parametrize(("method", "call"), TOP_UPS.values(), ids=TOP_UPS.keys())
def test_a_top_up_returns_the_matching_confirmation(mspace, client, method, call, body):
    answer(mspace, method, body)

    assert call(client) == body.strip()


def test_a_top_up_to_a_name_ending_in_a_full_stop_is_confirmed(mspace, client):
    answer(mspace, "resellerclienttopup", "Successful Top up of 7 SMS to Acme Ltd..")

    assert client.top_up_client("Acme Ltd.", 7) == "Successful Top up of 7 SMS to Acme Ltd.."


def test_a_top_up_to_an_account_named_like_a_failure_is_confirmed(mspace, client):
    answer(mspace, "subacctopup", "Successful Top up of 5 SMS to Top up not Successful")

    confirmation = client.top_up_sub_account("Top up not Successful", 5)

    assert confirmation.startswith("Successful")


@pytest.mark.parametrize("message_id", ['"12345"', "12345"])
def test_a_test_sms_returns_the_message_id_and_time(mspace, client, message_id):
    answer(
        mspace,
        "sendtext",
        f'[{{"messageId": {message_id}, "responseTime": "2018-06-25 11:12:19:793", '
        '"status": "Successful"}]',
    )

    assert client.send_text("MSPACE", "254712345678", "Hi") == SendResult(
        message_id="12345", status="Successful", response_time="2018-06-25 11:12:19:793"
    )


# --- Documented failures --------------------------------------------------------------------

AUTHENTICATION_FAILURES = [
    "Error 100: Authentication Failure",
    "Authentication failure",
    "Athentication failure",
    "AUTHENTICATION FAILURE.",
    "authentication failed",
    "Authentication-Failure!",
    "Error 100",
]


@pytest.mark.parametrize("body", AUTHENTICATION_FAILURES)
@pytest.mark.parametrize(("method", "call"), CALLS.values(), ids=CALLS.keys())
def test_every_call_reports_an_authentication_failure(mspace, client, method, call, body):
    answer(mspace, method, body)

    error = raised_by(call, client)

    assert type(error) is AuthenticationError
    assert error.message == "mSpace did not accept the username or password."
    assert error.reply == body.strip()


WRITE_FAILURES = [
    ("Insufficient Balance", InsufficientBalanceError, "balance is too low"),
    ("insufficient balance.", InsufficientBalanceError, "balance is too low"),
    ("INSUFFICIENT  BALANCE!", InsufficientBalanceError, "balance is too low"),
    ("Internal service error", GatewayError, "internal error"),
    ("INTERNAL SERVICE ERROR.", GatewayError, "internal error"),
    ("internal error", GatewayError, "internal error"),
]
TOP_UP_FAILURES = [
    ("You are not Authorized to make this transaction", NotAuthorizedError, "not authorized"),
    ("you are not authorised to make this transaction.", NotAuthorizedError, "not authorized"),
    ("Kindly Contact Providers for help", TopUpFailedError, "contact mSpace"),
    ("kindly contact providers for help!", TopUpFailedError, "contact mSpace"),
    ("Failed to top up client1 account", TopUpFailedError, "failed to top up"),
    ("failed to top-up client1 account.", TopUpFailedError, "failed to top up"),
    ("Top up not Successful", TopUpFailedError, "not successful"),
    ("TOP-UP NOT SUCCESSFUL.", TopUpFailedError, "not successful"),
    ("failed to deduct your account", TopUpFailedError, "could not deduct"),
    ("Failed to deduct your account.", TopUpFailedError, "could not deduct"),
]


@pytest.mark.parametrize(("body", "error_class", "says"), WRITE_FAILURES + TOP_UP_FAILURES)
@pytest.mark.parametrize(("method", "call"), TOP_UPS.values(), ids=TOP_UPS.keys())
def test_a_top_up_reports_each_documented_failure(
    mspace, client, method, call, body, error_class, says
):
    answer(mspace, method, body)

    error = raised_by(call, client)

    assert type(error) is error_class
    assert says in error.message
    assert error.reply == body


@pytest.mark.parametrize(
    ("body", "error_class"),
    [
        *[(body, error_class) for body, error_class, _ in WRITE_FAILURES],
        ("Invalid sender ID", InvalidSenderIdError),
        ("invalid senderid.", InvalidSenderIdError),
        ("INVALID SENDER-ID", InvalidSenderIdError),
    ],
)
def test_a_test_sms_reports_each_documented_failure(mspace, client, body, error_class):
    answer(mspace, "sendtext", body)

    assert type(raised_by(CALLS["test SMS"][1], client)) is error_class


@pytest.mark.parametrize(("method", "call"), CALLS.values(), ids=CALLS.keys())
def test_every_call_reports_an_internal_service_error_as_a_gateway_error(
    mspace, client, method, call
):
    answer(mspace, method, "Internal Service Error")

    error = raised_by(call, client)

    assert type(error) is GatewayError
    assert error.message == "mSpace reported an internal error. Please try again later."


def test_each_failure_kind_has_its_own_plain_message(mspace, client):
    messages = set()
    for body, _, _ in TOP_UP_FAILURES + WRITE_FAILURES:
        answer(mspace, "resellerclienttopup", body)
        messages.add(raised_by(CALLS["client top-up"][1], client).message)
        mspace.reset()

    assert len(messages) == 7


# --- Fail closed ----------------------------------------------------------------------------

NONSENSE = {
    "html page": "<html><body><h1>Apache Tomcat - Error report</h1></body></html>",
    "empty": "",
    "blank": "  \n ",
    "unknown sentence": "Request received",
    "truncated json": '[{"smsBalance": "20", "subUserName": "sub',
    "json object": '{"smsBalance": "20"}',
    "json string": '"hello"',
    "json null": "null",
}


@pytest.mark.parametrize("body", NONSENSE.values(), ids=NONSENSE.keys())
@pytest.mark.parametrize(("method", "call"), CALLS.values(), ids=CALLS.keys())
def test_nonsense_is_a_gateway_error_never_a_success(mspace, client, method, call, body):
    answer(mspace, method, body)

    error = raised_by(call, client)

    assert type(error) is GatewayError
    assert error.reply == body.strip()


@pytest.mark.parametrize("status", [500, 502, 404, 403, 401, 301, 302, 201])
@pytest.mark.parametrize(("method", "call"), CALLS.values(), ids=CALLS.keys())
def test_any_status_but_200_is_a_gateway_error_whatever_the_body(
    mspace, client, method, call, status
):
    # Even a success sentence: a proxy page or error status is not mSpace saying yes.
    answer(mspace, method, "Successful Top up of 5 SMS to client1", status=status)

    error = raised_by(call, client)

    assert type(error) is GatewayError
    assert f"HTTP {status}" in error.message


@pytest.mark.parametrize(
    "body",
    ["-5", "-1.5", "5,000", "1e3", "fifty", "50 SMS", "٥٠", "12345678901234567", "50\n60", "[50]"],
)
def test_a_balance_that_is_not_a_number_of_sms_is_a_gateway_error(mspace, client, body):
    answer(mspace, "balance", body)

    assert type(raised_by(CALLS["balance"][1], client)) is GatewayError


@pytest.mark.parametrize(
    "rows",
    [
        [{"smsBalance": "20"}],
        [{"smsBalance": "20", "clientName": "client1"}],
        [{"smsBalance": "20", "clientname": ""}],
        [{"smsBalance": "20", "clientname": 7}],
        [{"smsBalance": "-2", "clientname": "client1"}],
        [{"smsBalance": "1e3", "clientname": "client1"}],
        [{"smsBalance": True, "clientname": "client1"}],
        [{"smsBalance": None, "clientname": "client1"}],
        [{"clientname": "client1"}],
        [{"clientname": "client1"}, "client2"],
        [["20", "client1"]],
    ],
)
def test_a_list_without_one_readable_row_is_a_gateway_error(mspace, client, rows):
    answer(mspace, "resellerclients", json.dumps(rows))

    error = raised_by(CALLS["clients"][1], client)

    assert type(error) is GatewayError
    assert error.message == "mSpace sent a list of accounts this site could not read."


def test_a_huge_or_deeply_nested_reply_is_a_gateway_error_not_a_crash(mspace, client):
    answer(mspace, "resellerclients", "[" * 100_000)
    answer(mspace, "subusers", "9" * 5_000)

    assert type(raised_by(CALLS["clients"][1], client)) is GatewayError
    assert type(raised_by(CALLS["sub-accounts"][1], client)) is GatewayError


# --- Credit-moving calls: when in doubt, the outcome is unknown, never failed or succeeded --


@pytest.mark.parametrize(
    "body",
    [
        "Successful Top up of 6 SMS to client1",
        "Successful Top up of 50 SMS to client1",
        "Successful Top up of 5 SMS to client2",
        "Successful Top up of 5 SMS to client1 account",
        "Successful Top up of 5 SMS to client",
    ],
)
@pytest.mark.parametrize(("method", "call"), TOP_UPS.values(), ids=TOP_UPS.keys())
def test_a_confirmation_of_a_different_top_up_leaves_the_outcome_unknown(
    mspace, client, method, call, body
):
    answer(mspace, method, body)

    error = raised_by(call, client)

    assert type(error) is OutcomeUnknownError
    assert "different top-up" in error.message
    assert error.reply == body


@pytest.mark.parametrize(
    "body", ["Successful Top up of 1,000 SMS to client1", "Successful", "Success: done"]
)
def test_a_success_that_cannot_be_checked_leaves_the_outcome_unknown(mspace, client, body):
    answer(mspace, "resellerclienttopup", body)

    assert type(raised_by(CALLS["client top-up"][1], client)) is OutcomeUnknownError


def test_a_read_that_says_successful_is_still_a_gateway_error(mspace, client):
    answer(mspace, "balance", "Successful")

    assert type(raised_by(CALLS["balance"][1], client)) is GatewayError


@pytest.mark.parametrize(
    ("status", "error_class", "says"),
    [
        ("failed", GatewayError, "status: failed"),
        ("Rejected by network", GatewayError, "status: Rejected by network"),
        ("Invalid sender ID", InvalidSenderIdError, "sender ID"),
        ("Insufficient Balance", InsufficientBalanceError, "too low"),
        ("unsuccessful", GatewayError, "status: unsuccessful"),
        ("success", OutcomeUnknownError, "could not check"),
    ],
)
def test_a_test_sms_with_another_status_is_not_a_success(mspace, client, status, error_class, says):
    body = json.dumps([{"messageId": "1", "responseTime": "t", "status": status}])
    answer(mspace, "sendtext", body)

    error = raised_by(CALLS["test SMS"][1], client)

    assert type(error) is error_class
    assert says in error.message


@pytest.mark.parametrize(
    "item",
    [
        {"responseTime": "t", "status": "successful"},
        {"messageId": "", "responseTime": "t", "status": "successful"},
        {"messageId": None, "responseTime": "t", "status": "successful"},
        {"messageId": "1", "responseTime": 5, "status": "successful"},
    ],
)
def test_a_sent_sms_without_a_readable_message_id_leaves_the_outcome_unknown(mspace, client, item):
    answer(mspace, "sendtext", json.dumps([item]))

    assert type(raised_by(CALLS["test SMS"][1], client)) is OutcomeUnknownError


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '[{"messageId": "1", "responseTime": "t"}]',
        '[{"messageId": "1", "responseTime": "t", "status": 1}]',
        '[{"messageId": "1", "status": "failed"}, {"messageId": "2", "status": "failed"}]',
        '{"messageId": "1", "responseTime": "t", "status": "failed"}',
    ],
)
def test_a_test_sms_answer_of_the_wrong_shape_is_a_gateway_error(mspace, client, body):
    answer(mspace, "sendtext", body)

    assert type(raised_by(CALLS["test SMS"][1], client)) is GatewayError


# --- What an error carries ------------------------------------------------------------------


def test_a_reply_that_echoes_the_password_is_masked_in_the_error(mspace, client):
    answer(
        mspace,
        "balance",
        f"<html>Bad request /balance/username=alice/password={password_forms()[1]} "
        f"for {PASSWORD}: Internal Service Error</html>",
        status=500,
    )

    error = raised_by(CALLS["balance"][1], client)

    for form in password_forms():
        assert form not in error.reply
        assert form not in repr(vars(error))
    assert error.reply.count("***") == 2


def test_a_long_reply_is_shortened_after_masking(mspace, client):
    answer(mspace, "balance", "x" * 195 + PASSWORD + "y" * 500)

    error = raised_by(CALLS["balance"][1], client)

    assert error.reply == "x" * 195 + "***yy"
    assert "S3c" not in error.reply


def test_a_transport_failure_has_no_reply(mspace, client):
    mspace.add(responses.GET, re.compile(".*"), body=ConnectionRefusedError("refused"))

    error = raised_by(CALLS["balance"][1], client)

    assert type(error) is GatewayUnavailableError
    assert error.reply == ""
