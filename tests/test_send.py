"""/send/ end to end: the page, the ledger, the simulated gateway, and the outcome page."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from messaging.models import LedgerEntry
from messaging.sms import measure
from simulator import faults
from simulator.models import SimAccount, SimCall
from tests.conftest import ALICE_PASSWORD
from tests.send_helpers import a_send, form_key, form_key_in, record_arrivals, reseller, sends
from tests.topup_helpers import tenant

TEST_SMS = LedgerEntry.Kind.TEST_SMS
Status = LedgerEntry.Status


def user(username):
    return get_user_model().objects.get(username=username)


def outcome_of(response) -> LedgerEntry:
    """The ledger entry a /send/ POST redirected to."""
    assert response.status_code == 303, response.content[:2000]
    match = re.fullmatch(r"/send/(\d+)/", response["Location"])
    assert match, response["Location"]
    return LedgerEntry.objects.get(pk=int(match[1]))


# --- The page -----------------------------------------------------------------------------


def test_the_page_shows_the_balance_and_the_three_fields(alice_client):
    page = alice_client.get("/send/").content.decode()

    assert 'Your balance: <strong class="num">5,000</strong> SMS.' in page
    for name in ("senderid", "recipient", "message"):
        assert f'name="{name}"' in page
    assert re.search(r'<textarea name="message"[^>]*>', page)


def test_the_page_has_a_counter_the_script_keeps_live(alice_client):
    page = alice_client.get("/send/").content.decode()

    counter = re.search(r'<span id="message-counter"([^>]*)>([^<]*)</span>', page)
    assert counter, "no #message-counter"
    assert 'aria-live="polite"' in counter[1]
    assert 'data-max-parts="10"' in counter[1]
    assert counter[2] == "0 characters · 0 SMS · GSM-7"
    assert re.search(r'<script src="/static/js/sms-counter\.js" defer></script>', page)


def test_the_page_has_no_inline_script(alice_client):
    page = alice_client.get("/send/").content.decode()

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert re.search(r"<[^>]*\son[a-z]+=", page) is None  # no inline event handlers


def test_a_redisplayed_form_counts_the_message_on_the_server(alice_client):
    long_message = "a" * 1531

    response = alice_client.post("/send/", a_send(alice_client, message=long_message))

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        '<span id="message-counter" aria-live="polite" data-max-parts="10">'
        "1,531 characters · 11 SMS · GSM-7 · too long: at most 10 SMS</span>"
    ) in page
    assert "This message needs 11 SMS (1,531 characters)" in page
    assert long_message in page  # what was typed is kept


def test_the_redisplayed_counter_counts_browser_line_breaks_as_the_handset_does(alice_client):
    response = alice_client.post("/send/", a_send(alice_client, senderid="", message="Hi\r\nyou"))

    assert ">6 characters · 1 SMS · GSM-7</span>" in response.content.decode()


def test_sender_ids_that_worked_before_are_offered_most_recent_first(alice_client):
    alice_user = tenant("alice")
    someone_else = tenant("someone-else")
    history = [
        ("OLDEST", Status.SUCCEEDED),
        *[(f"SHOP {n}", Status.SUCCEEDED) for n in range(1, 9)],
        ("SHOP 3", Status.SUCCEEDED),  # used again: moves to the front, listed once
        ("REFUSED", Status.FAILED),  # mSpace refused it: not worth offering
    ]
    for sender_id, status in history:
        LedgerEntry.objects.create(
            reseller=alice_user,
            kind=TEST_SMS,
            target="254712345678",
            amount=1,
            sender_id=sender_id,
            status=status,
        )
    LedgerEntry.objects.create(
        reseller=someone_else, kind=TEST_SMS, target="254712345678", amount=1, sender_id="BOBS"
    )

    page = alice_client.get("/send/").content.decode()

    datalist = re.search(r'<datalist id="recent-sender-ids">(.*?)</datalist>', page, re.S)[1]
    offered = re.findall(r'<option value="([^"]*)">', datalist)
    assert offered == [
        "SHOP 3",
        "SHOP 8",
        "SHOP 7",
        "SHOP 6",
        "SHOP 5",
        "SHOP 4",
        "SHOP 2",
        "SHOP 1",
    ]
    assert 'list="recent-sender-ids"' in page
    # The last one used is filled in.
    assert re.search(r'name="senderid" value="SHOP 3"', page)


def test_send_another_fills_in_the_sender_id_and_recipient(alice_client):
    page = alice_client.get("/send/?senderid=MSPACE&recipient=254712345678").content.decode()

    assert 'name="senderid" value="MSPACE"' in page
    assert 'name="recipient" value="254712345678"' in page


def test_someone_logged_out_is_sent_to_log_in(client):
    for url in ("/send/", "/send/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- Sending ------------------------------------------------------------------------------


def test_a_test_sms_is_sent_once_recorded_and_shown(alice_client):
    response = alice_client.post(
        "/send/", a_send(alice_client, recipient="0712 345 678", message="Habari!")
    )

    entry = outcome_of(response)
    [call] = sends()
    assert (entry.status, entry.kind, entry.target, entry.sender_id) == (
        Status.SUCCEEDED,
        TEST_SMS,
        "254712345678",
        "ALICESHOP",
    )
    assert (entry.amount, entry.balance_before, entry.message) == (1, 5000, "Habari!")
    assert (call.target, call.sender_id, call.parts, call.credit_moved) == (
        "254712345678",
        "ALICESHOP",
        1,
        True,
    )
    assert entry.message_id == call.message_id != ""
    assert entry.gateway_reply == "successful"
    assert reseller("alice").balance == 4999


def test_the_outcome_page_shows_message_id_status_time_and_cost(alice_client):
    entry = outcome_of(alice_client.post("/send/", a_send(alice_client)))

    page = alice_client.get(f"/send/{entry.pk}/").content.decode()

    response_time = re.search(r"at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}) \(mSpace’s clock\)", page)
    assert response_time, "the gateway's response time is not shown"
    assert entry.detail == f"mSpace accepted it at {response_time[1]} (mSpace’s clock)."
    assert "<h1>Test SMS sent</h1>" in page
    assert f'<dd class="num">{entry.message_id}</dd>' in page
    assert '<dd lang="en">successful</dd>' in page  # mSpace's own word, marked as English
    assert '<dt>Cost</dt>\n    <dd><span class="num">1</span> SMS</dd>' in page
    assert ALICE_PASSWORD not in page


def test_a_long_message_is_charged_its_parts(alice_client):
    text = "ş" * 135  # three UCS-2 parts

    entry = outcome_of(alice_client.post("/send/", a_send(alice_client, message=text)))

    assert entry.amount == 3
    assert sends().get().parts == 3
    assert reseller("alice").balance == 4997


HOSTILE = (
    "Habari Zoë! 50% off / ? # & + = ; %2F %25 ../.. <b>bold</b> <script>x</script>\r\n"
    "Café ŋ 🎉 “quotes” ‘single’ \\ € [] {} ~ | ^\r\n\r\n  indented line  "
)


def test_hostile_text_arrives_at_the_gateway_exactly_as_typed(alice_client, monkeypatch):
    SimAccount.objects.filter(username="alice", parent=None).update(
        sender_ids="ALICESHOP,MY SHOP 1"
    )
    arrivals = record_arrivals(monkeypatch)

    entry = outcome_of(
        alice_client.post("/send/", a_send(alice_client, senderid="MY SHOP 1", message=HOSTILE))
    )

    as_typed = HOSTILE.replace("\r\n", "\n")  # the browser's CRLF is the handset's LF
    assert arrivals == [
        {
            "username": "alice",
            "senderid": "MY SHOP 1",
            "recipient": "254712345678",
            "message": as_typed,
        }
    ]
    assert entry.status == Status.SUCCEEDED
    assert entry.message == as_typed
    call = sends().get()
    assert (call.sender_id, call.parts) == ("MY SHOP 1", measure(as_typed).parts)


def test_hostile_text_is_shown_escaped_on_the_outcome_page(alice_client):
    entry = outcome_of(alice_client.post("/send/", a_send(alice_client, message=HOSTILE)))

    page = alice_client.get(f"/send/{entry.pk}/").content.decode()

    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "Café ŋ 🎉" in page


def test_a_form_rejected_by_validation_leaves_no_ledger_row_and_sends_nothing(alice_client):
    response = alice_client.post(
        "/send/", a_send(alice_client, senderid="TOO LONG SENDER", recipient="020 2345678")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "A sender ID with letters has at most 11 characters" in page
    assert "That is not a Kenyan mobile number" in page
    assert 'aria-invalid="true"' in page
    assert LedgerEntry.objects.count() == 0
    assert not SimCall.objects.filter(method="sendtext").exists()


def test_a_message_dearer_than_the_balance_is_refused_before_mspace_is_asked(alice_client):
    SimAccount.objects.filter(username="alice", parent=None).update(balance=2)

    response = alice_client.post("/send/", a_send(alice_client, message="ş" * 135))

    assert response.status_code == 200
    assert "This message costs 3 SMS and your balance is 2 SMS." in response.content.decode()
    assert LedgerEntry.objects.count() == 0
    assert not SimCall.objects.filter(method="sendtext").exists()


def test_a_form_without_its_key_is_not_sent_and_comes_back_under_a_new_key(alice_client):
    data = a_send(alice_client, message="keep me")
    del data["form_key"]

    response = alice_client.post("/send/", data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "This form has expired. It has been refreshed" in page
    assert "\nkeep me</textarea>" in page
    assert form_key_in(response)
    assert LedgerEntry.objects.count() == 0
    assert not SimCall.objects.filter(method="sendtext").exists()


# --- Once only ----------------------------------------------------------------------------


def test_a_replayed_form_reaches_the_gateway_once_and_shows_the_first_outcome(alice_client):
    data = a_send(alice_client)

    first = outcome_of(alice_client.post("/send/", data))
    again = outcome_of(alice_client.post("/send/", data))
    changed = outcome_of(alice_client.post("/send/", {**data, "message": "something else"}))

    assert first.pk == again.pk == changed.pk
    assert sends().count() == 1
    assert LedgerEntry.objects.count() == 1


def test_another_resellers_used_key_sends_nothing_and_shows_nothing_of_theirs(
    alice_client, bob_client
):
    data = a_send(alice_client)
    alices = outcome_of(alice_client.post("/send/", data))

    response = bob_client.post("/send/", {**data, "senderid": "MSPACE"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "This form was already used" in page
    assert form_key_in(response) != data["form_key"]
    assert alices.message_id not in page
    assert sends().count() == 1


# --- What mSpace says ---------------------------------------------------------------------


def test_an_unregistered_sender_id_is_explained(alice_client):
    entry = outcome_of(alice_client.post("/send/", a_send(alice_client, senderid="NOT MINE")))

    page = alice_client.get(f"/send/{entry.pk}/").content.decode()
    assert entry.status == Status.FAILED
    assert entry.gateway_reply == "Invalid sender ID"
    assert "<h1>Test SMS not sent</h1>" in page
    assert "mSpace did not accept this sender ID." in page
    assert "Sender IDs must be registered with mSpace for your account" in page
    assert "“NOT MINE”" in page
    assert reseller("alice").balance == 5000


def test_a_refused_sender_id_is_not_offered_again(alice_client):
    outcome_of(alice_client.post("/send/", a_send(alice_client, senderid="NOT MINE")))

    page = alice_client.get("/send/").content.decode()

    assert '<option value="NOT MINE">' not in page


def test_insufficient_balance_at_mspace_is_explained(alice_client):
    faults.inject("sendtext", "sentence", reply="Insufficient Balance")

    entry = outcome_of(alice_client.post("/send/", a_send(alice_client)))

    page = alice_client.get(f"/send/{entry.pk}/").content.decode()
    assert entry.status == Status.FAILED
    assert "Your mSpace balance is too low for this." in page
    assert "This message costs 1 SMS, and your balance was 5,000 SMS." in page


def test_refused_credentials_on_sending_end_the_session(alice_client):
    faults.inject("sendtext", "sentence", reply="Athentication failure")

    response = alice_client.post("/send/", a_send(alice_client))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    entry = LedgerEntry.objects.get()
    assert entry.status == Status.FAILED
    assert "log in with your current mSpace password" in entry.detail
    assert alice_client.get("/send/")["Location"].startswith("/accounts/login/")


def test_a_password_changed_elsewhere_ends_the_session_before_anything_is_sent(alice_client):
    data = a_send(alice_client)
    alice = reseller("alice")
    alice.set_password("changed on mSpace")
    alice.save()

    response = alice_client.post("/send/", data)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert LedgerEntry.objects.count() == 0
    assert not SimCall.objects.filter(method="sendtext").exists()


@pytest.mark.parametrize("kind", ["refuse", "http500", "garbage"])
def test_an_unreadable_balance_sends_nothing_and_says_why(alice_client, kind):
    data = a_send(alice_client)
    faults.inject("balance", kind)

    response = alice_client.post("/send/", data)

    assert response.status_code == 200
    assert "Nothing was sent: your balance could not be read." in response.content.decode()
    assert LedgerEntry.objects.count() == 0
    assert not SimCall.objects.filter(method="sendtext").exists()


# --- When the gateway misbehaves ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "reached_mspace"),
    [
        ("refuse", Status.FAILED, False),  # never connected: nothing was sent
        ("reset", Status.UNKNOWN, True),  # sent, then the connection dropped
        ("hang", Status.UNKNOWN, True),  # sent, then no answer in time
        ("http500", Status.UNKNOWN, True),
        ("garbage", Status.UNKNOWN, True),
        ("truncated", Status.UNKNOWN, True),
        ("internal_error", Status.UNKNOWN, True),
    ],
)
def test_each_gateway_fault_settles_the_entry_honestly(
    alice_client, settings, kind, status, reached_mspace
):
    if kind == "hang":  # "hang" waits this long, no more; the rest keep it (a busy machine)
        settings.MSPACE_TIMEOUT = 0.2
    data = a_send(alice_client)
    faults.inject("sendtext", kind)

    entry = outcome_of(alice_client.post("/send/", data))

    assert entry.status == status
    assert entry.detail
    assert sends().count() == (1 if reached_mspace else 0)
    page = alice_client.get(f"/send/{entry.pk}/").content.decode()
    if status == Status.UNKNOWN:
        assert "<h1>Test SMS: outcome unknown</h1>" in page
        assert "check the handset and your balance before sending it again" in page
    else:
        assert "<h1>Test SMS not sent</h1>" in page
        assert "mSpace could not be reached" in page


def test_a_slow_gateway_that_answers_in_time_is_a_success(alice_client, settings):
    settings.MSPACE_TIMEOUT = 1.0
    data = a_send(alice_client)
    faults.inject("sendtext", "slow", delay=0.05)

    entry = outcome_of(alice_client.post("/send/", data))

    assert entry.status == Status.SUCCEEDED


# --- The outcome page ---------------------------------------------------------------------


def test_a_pending_entry_says_it_is_still_being_sent(alice_client):
    alice_user = tenant("alice")
    entry = LedgerEntry.objects.create(
        reseller=alice_user, kind=TEST_SMS, target="254712345678", amount=1, sender_id="X"
    )

    page = alice_client.get(f"/send/{entry.pk}/").content.decode()

    assert "<h1>Test SMS being sent</h1>" in page
    assert '<span class="badge badge-pending">pending</span>' in page


def test_an_entry_pending_long_past_the_timeout_is_shown_as_unknown(alice_client):
    entry = LedgerEntry.objects.create(
        reseller=tenant("alice"), kind=TEST_SMS, target="254712345678", amount=1, sender_id="X"
    )
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(hours=1))

    page = alice_client.get(f"/send/{entry.pk}/").content.decode()

    assert "<h1>Test SMS: outcome unknown</h1>" in page
    assert "It may have been sent and charged" in page


def test_nobody_sees_another_resellers_test_sms(alice_client, bob_client):
    entry = outcome_of(alice_client.post("/send/", a_send(alice_client)))

    assert bob_client.get(f"/send/{entry.pk}/").status_code == 404
    assert alice_client.get(f"/send/{entry.pk}/").status_code == 200


def test_a_top_up_is_not_shown_as_a_test_sms(alice_client):
    alice_user = tenant("alice")
    top_up = LedgerEntry.objects.create(
        reseller=alice_user, kind=LedgerEntry.Kind.CLIENT_TOP_UP, target="Jinja Fish", amount=5
    )

    assert alice_client.get(f"/send/{top_up.pk}/").status_code == 404


def test_the_form_key_helper_reads_a_fresh_key_each_time(alice_client):
    assert form_key(alice_client) != form_key(alice_client)


def test_a_copy_that_loses_the_race_to_claim_the_key_shows_the_winners_outcome(
    alice_client, monkeypatch
):
    # Both copies looked before either claimed: only the database's UNIQUE key stops one.
    monkeypatch.setattr("messaging.ledger.find_claimed", lambda reseller, key: None)
    data = a_send(alice_client)

    winner = outcome_of(alice_client.post("/send/", data))
    loser = outcome_of(alice_client.post("/send/", data))

    assert loser.pk == winner.pk
    assert sends().count() == 1
