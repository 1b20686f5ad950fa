"""The simulated gateway's answers: every method and every sentence of the document's table.

rita is a reseller with clients and a branch; nora resells nothing but runs a sub-account;
sam is a reseller whose account mSpace suspended. A client of rita's carries a "/" in her
name, so the raw-path handling is exercised on every top-up.
"""

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from simulator import faults, replies
from simulator.gateway import answer, answer_request, parse
from simulator.models import SimAccount, SimCall
from simulator.seed import make_account

RITA_PASSWORD = "r1ta/pa ss%&?#+é🎉"
SLASHED_CLIENT = "Eldoret Agro-Vet 24/7"
CANONICAL_SMS = json.loads(
    (Path(__file__).resolve().parent / "data" / "sms_segments.json").read_text(encoding="utf-8")
)["cases"]


def path(method, username="rita", password=RITA_PASSWORD, **extra):
    """A gateway path as the app's client builds it: every value one encoded segment."""
    pairs = [("username", username), ("password", password), *extra.items()]
    return "/".join([method, *(f"{key}={quote(str(value), safe='')}" for key, value in pairs)])


def balance_of(name):
    return SimAccount.objects.get(username=name).balance


@pytest.fixture
def rita(db):
    return make_account(
        "rita",
        RITA_PASSWORD,
        balance=1000,
        clients=[("client1", 20), (SLASHED_CLIENT, 5), ("Café Ngong' Road", 0)],
        subaccounts=[("rita-branch", 7)],
        sender_ids=("RITA SHOP", "24680"),
    )


@pytest.fixture
def nora(db):
    return make_account(
        "nora", "nora-pw", balance=50, is_reseller=False, subaccounts=[("nora-desk", 3)]
    )


@pytest.fixture
def sam(db):
    return make_account("sam", "sam-pw", balance=500, suspended=True, clients=[("sam-c", 1)])


# --- balance and login -------------------------------------------------------------------


def test_it_tells_the_balance_as_plain_text(rita):
    reply = answer(path("balance"))

    assert (reply.status, reply.body) == (200, "1000")
    assert reply.content_type.startswith("text/plain")


@pytest.mark.parametrize(
    "username,password", [("rita", "wrong"), ("nobody", RITA_PASSWORD), ("", ""), ("rita", "")]
)
def test_it_refuses_a_balance_to_wrong_credentials(rita, username, password):
    assert answer(path("balance", username, password)).body == "Error 100: Authentication Failure"


def test_it_refuses_a_call_without_a_password_segment_as_a_failed_login(rita):
    assert answer("balance/username=rita").body == "Error 100: Authentication Failure"
    assert answer("login").body == "Authentication failure"


def test_it_answers_user_exists_to_a_good_login(rita):
    assert answer(path("login")).body == "user exists"


def test_it_answers_authentication_failure_to_a_bad_login(rita):
    assert answer(path("login", password="nope")).body == "Authentication failure"


def test_clients_of_a_book_cannot_log_in(rita):
    assert answer(path("login", username="client1", password="")).body == ("Authentication failure")


# --- the lists ---------------------------------------------------------------------------


def test_it_lists_clients_as_json_with_balances_as_strings(rita):
    reply = answer(path("resellerclients"))

    assert reply.content_type.startswith("text/plain")
    assert json.loads(reply.body) == [
        {"smsBalance": "20", "clientname": "client1"},
        {"smsBalance": "5", "clientname": SLASHED_CLIENT},
        {"smsBalance": "0", "clientname": "Café Ngong' Road"},
    ]
    # The document's own layout, key order included.
    assert reply.body.startswith('[{"smsBalance": "20", "clientname": "client1"}, ')


def test_it_lists_sub_accounts_with_the_sub_user_name_key(rita):
    assert answer(path("subusers")).body == '[{"smsBalance": "7", "subUserName": "rita-branch"}]'


def test_it_answers_an_empty_list_when_there_is_nobody(rita, nora):
    assert (
        answer(path("subusers", "nora", "nora-pw")).body
        == '[{"smsBalance": "3", "subUserName": "nora-desk"}]'
    )
    assert answer(path("resellerclients", "nora", "nora-pw")).body == "[]"
    rita.children.all().delete()
    assert answer(path("subusers")).body == "[]"
    assert answer(path("resellerclients")).body == "[]"


@pytest.mark.parametrize("method", ["subusers", "resellerclients"])
def test_it_refuses_lists_to_wrong_credentials(rita, method):
    assert answer(path(method, password="nope")).body == "Authentication failure"


def test_a_reseller_never_sees_another_resellers_book(rita):
    make_account("other", "other-pw", clients=[("client1", 999)])

    assert json.loads(answer(path("resellerclients", "other", "other-pw")).body) == [
        {"smsBalance": "999", "clientname": "client1"}
    ]
    assert "999" not in answer(path("resellerclients")).body


# --- top-ups -------------------------------------------------------------------------------


def test_a_client_top_up_moves_credit_from_the_reseller_to_the_client(rita):
    reply = answer(path("resellerclienttopup", clientname="client1", noofsms="30"))

    assert reply.body == "Successful Top up of 30 SMS to client1"
    assert (balance_of("rita"), balance_of("client1")) == (970, 50)


def test_a_sub_account_top_up_moves_credit_to_the_sub_account(rita):
    reply = answer(path("subacctopup", subaccname="rita-branch", noofsms="3"))

    assert reply.body == "Successful Top up of 3 SMS to rita-branch"
    assert (balance_of("rita"), balance_of("rita-branch")) == (997, 10)


def test_an_account_that_resells_nothing_may_still_top_up_its_sub_accounts(nora):
    reply = answer(path("subacctopup", "nora", "nora-pw", subaccname="nora-desk", noofsms="10"))

    assert reply.body == "Successful Top up of 10 SMS to nora-desk"
    assert balance_of("nora") == 40


def test_an_encoded_slash_in_a_client_name_stays_inside_the_name(rita):
    reply = answer(path("resellerclienttopup", clientname=SLASHED_CLIENT, noofsms="1"))

    assert reply.body == f"Successful Top up of 1 SMS to {SLASHED_CLIENT}"
    assert balance_of(SLASHED_CLIENT) == 6


def test_an_accented_name_with_an_apostrophe_arrives_intact(rita):
    reply = answer(path("resellerclienttopup", clientname="Café Ngong' Road", noofsms="2"))

    assert reply.body == "Successful Top up of 2 SMS to Café Ngong' Road"


@pytest.mark.parametrize(
    "method,key", [("resellerclienttopup", "clientname"), ("subacctopup", "subaccname")]
)
def test_a_top_up_with_wrong_credentials_is_an_athentication_failure(rita, method, key):
    reply = answer(path(method, password="nope", **{key: "client1", "noofsms": "1"}))

    assert reply.body == "Athentication failure"  # sic: the gateway's spelling
    assert balance_of("rita") == 1000


@pytest.mark.parametrize("noofsms", ["0", "-5", "abc", "1.5", "", " 5", "+5", "٥", "99999999999"])
def test_a_top_up_of_anything_but_a_positive_whole_number_is_not_successful(rita, noofsms):
    reply = answer(path("resellerclienttopup", clientname="client1", noofsms=noofsms))

    assert reply.body == "Top up not Successful"
    assert balance_of("client1") == 20


def test_an_account_that_resells_nothing_is_not_authorized_to_top_up_clients(nora):
    reply = answer(path("resellerclienttopup", "nora", "nora-pw", clientname="x", noofsms="1"))

    # The document's two failures written as one sentence, comma and all.
    assert (
        reply.body
        == "You are not Authorized to make this transaction,Kindly Contact Providers for help"
    )


@pytest.mark.parametrize(
    "method,key", [("resellerclienttopup", "clientname"), ("subacctopup", "subaccname")]
)
def test_a_suspended_account_is_told_to_contact_its_providers(sam, method, key):
    reply = answer(path(method, "sam", "sam-pw", **{key: "sam-c", "noofsms": "1"}))

    assert reply.body == "Kindly Contact Providers for help"
    assert balance_of("sam") == 500


@pytest.mark.parametrize(
    "method,key,name",
    [
        ("resellerclienttopup", "clientname", "nobody"),
        ("resellerclienttopup", "clientname", "Client1"),  # names are exact
        ("resellerclienttopup", "clientname", "rita-branch"),  # a sub-account is no client
        ("subacctopup", "subaccname", "client1"),  # nor a client a sub-account
        ("resellerclienttopup", "clientname", "sam-c"),  # someone else's client
    ],
)
def test_a_top_up_to_a_name_not_in_the_book_fails_naming_it(rita, sam, method, key, name):
    reply = answer(path(method, **{key: name, "noofsms": "1"}))

    assert reply.body == f"Failed to top up {name} account"
    assert balance_of("rita") == 1000


def test_a_top_up_beyond_the_balance_is_insufficient_and_moves_nothing(rita):
    reply = answer(path("resellerclienttopup", clientname="client1", noofsms="1001"))

    assert reply.body == "Insufficient Balance"
    assert (balance_of("rita"), balance_of("client1")) == (1000, 20)


def test_the_whole_balance_can_be_topped_up(rita):
    reply = answer(path("resellerclienttopup", clientname="client1", noofsms="1000"))

    assert reply.body == "Successful Top up of 1000 SMS to client1"
    assert balance_of("rita") == 0


# --- sending -------------------------------------------------------------------------------


def test_a_send_answers_a_json_status_with_a_numeric_message_id(rita):
    reply = answer(path("sendtext", senderid="RITA SHOP", recipient="254712345678", message="Hi"))

    (status,) = json.loads(reply.body)
    assert list(status) == ["messageId", "responseTime", "status"]
    assert status["messageId"].isdigit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}", status["responseTime"])
    assert status["status"] == "successful"
    assert reply.content_type.startswith("text/plain")
    assert balance_of("rita") == 999


@pytest.mark.parametrize(
    "case", [c for c in CANONICAL_SMS if c["parts"] >= 2], ids=lambda c: c["name"]
)
def test_a_send_costs_one_credit_per_part(rita, case):
    reply = answer(
        path("sendtext", senderid="24680", recipient="256772123456", message=case["text"])
    )

    assert json.loads(reply.body)[0]["status"] == "successful"
    assert balance_of("rita") == 1000 - case["parts"]


def test_a_message_with_slashes_and_symbols_is_one_value(rita):
    message = "50% off/today only? #deal & more+"
    answer(path("sendtext", senderid="24680", recipient="254712345678", message=message))

    assert SimCall.objects.get().parts == 1


def test_a_send_from_a_sender_id_not_allowed_is_refused(rita):
    reply = answer(path("sendtext", senderid="rita shop", recipient="254712345678", message="x"))

    assert reply.body == "Invalid sender ID"
    assert balance_of("rita") == 1000


def test_a_send_costing_more_than_the_balance_is_insufficient(rita):
    SimAccount.objects.filter(username="rita").update(balance=1)

    reply = answer(path("sendtext", senderid="24680", recipient="254712345678", message="a" * 161))

    assert reply.body == "Insufficient Balance"
    assert balance_of("rita") == 1


def test_a_send_with_wrong_credentials_is_an_athentication_failure(rita):
    reply = answer(path("sendtext", password="x", senderid="24680", recipient="1", message="x"))

    assert reply.body == "Athentication failure"


# --- sentences only faults produce -------------------------------------------------------


@pytest.mark.parametrize("method", ["balance", "sendtext", "resellerclienttopup"])
def test_any_method_can_answer_internal_service_error(rita, method):
    faults.inject(method, "internal_error")
    extra = {
        "balance": {},
        "sendtext": {"senderid": "24680", "recipient": "1", "message": "x"},
        "resellerclienttopup": {"clientname": "client1", "noofsms": "1"},
    }[method]

    assert answer(path(method, **extra)).body == "Internal service error"
    assert balance_of("rita") == 1000


def test_a_top_up_can_fail_to_deduct_the_account(rita):
    faults.inject("resellerclienttopup", "sentence", reply=replies.FAILED_TO_DEDUCT)

    reply = answer(path("resellerclienttopup", clientname="client1", noofsms="1"))

    assert reply.body == "failed to deduct your account"
    assert balance_of("client1") == 20


# --- paths the gateway has no page for -----------------------------------------------------


@pytest.mark.parametrize(
    "bad_path",
    [
        "",
        "nosuchmethod/username=rita/password=x",
        "Balance/username=rita/password=x",  # methods are case-sensitive, as in Tomcat
        "balance/password=x/username=rita",  # segments out of order
        "balance/username=rita/password=x/extra=1",  # a segment too many
        "balance/username=rita/username=rita/password=x",
        "resellerclienttopup/username=rita/password=x/clientname=a/b/noofsms=1",  # raw "/"
        "resellerclienttopup/username=rita/password=x/clientname=client1",  # noofsms missing
        "balance/username=ri%00ta/password=x",
    ],
)
def test_it_answers_a_tomcat_404_page_to_paths_it_has_no_page_for(rita, bad_path):
    reply = answer(bad_path)

    assert reply.status == 404
    assert reply.content_type.startswith("text/html")
    assert "HTTP Status 404" in reply.body


def test_it_ignores_a_trailing_slash_and_a_query_string(rita):
    assert answer(path("balance") + "/").body == "1000"
    assert answer(path("balance") + "?cachebust=1").body == "1000"


def test_broken_percent_encoding_is_read_without_crashing(rita):
    reply = answer("balance/username=rita/password=%E9%ZZ%")

    assert reply.body == "Error 100: Authentication Failure"


def test_a_whole_request_path_is_read_after_the_base(rita):
    reply = answer_request("/mspaceservice/wr/sms/" + path("balance"))

    assert reply.body == "1000"
    assert answer_request("/somewhere/else/balance").status == 404


def test_parse_splits_segments_before_decoding_them():
    call = parse("sendtext/username=a%2Fb/password=p%3Dq/senderid=X/recipient=1/message=a%2Fb%2Fc")

    assert call.params == {
        "username": "a/b",
        "password": "p=q",
        "senderid": "X",
        "recipient": "1",
        "message": "a/b/c",
    }
