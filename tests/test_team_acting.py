"""Staff act for the owner through the owner's standing credential, within their daily limit,
and every ledger row says who acted (activity and its CSV, column `by`)."""

import csv
import io

import pytest
from django.test import Client

from messaging.models import LedgerEntry
from simulator.models import SimCall
from tests.team_helpers import OPERATOR, log_in_member, make_member
from tests.topup_helpers import (
    CLIENT_TOPUP,
    a_top_up,
    account,
    all_at_once,
    copy_of,
    outcome_entry,
    reseller,
    top_up,
    top_up_calls,
)


@pytest.fixture
def operator(alice, alice_watching):
    """omar, alice's operator, 1,000 SMS a day, logged in; alice is watching."""
    return log_in_member(Client(), make_member(OPERATOR, "operator", daily_limit=1000))


def test_an_operator_tops_up_through_the_owners_standing_credential(operator):
    made = outcome_entry(top_up(operator, "Mama Mboga Traders", "400"))
    assert made.status == LedgerEntry.Status.SUCCEEDED
    assert (made.reseller.username, made.actor.username, made.actor_name) == (
        "alice",
        OPERATOR,
        OPERATOR,
    )
    assert account("alice", "Mama Mboga Traders").balance == 1600
    # mSpace was asked as alice (her stored password), never with a staff name.
    call = top_up_calls().get()
    assert call.username == "alice"
    assert not SimCall.objects.filter(username__contains="@").exists()


def test_an_operator_over_the_daily_limit_is_refused_before_mspace_is_asked(operator):
    outcome_entry(top_up(operator, "Mama Mboga Traders", "700"))
    writes_before = SimCall.objects.writes().count()

    response = top_up(operator, "Jinja Fish", "301")  # 700 + 301 > 1,000

    assert response.status_code == 200
    page = response.content.decode()
    assert "over your daily limit" in page
    assert "300" in page  # what is left today
    # The witness: the simulator's journal holds no new credit-moving call, the ledger no row.
    assert SimCall.objects.writes().count() == writes_before
    assert LedgerEntry.objects.filter(target="Jinja Fish").count() == 0
    assert account("alice", "Jinja Fish").balance == 0
    # Up to the limit exactly still goes through.
    made = outcome_entry(top_up(operator, "Jinja Fish", "300"))
    assert made.status == LedgerEntry.Status.SUCCEEDED


def test_failed_top_ups_do_not_use_up_the_limit(operator):
    from simulator import faults

    faults.inject("resellerclienttopup", "refuse", times=1)  # never reached mSpace
    top_up(operator, "Mama Mboga Traders", "900")
    assert LedgerEntry.objects.get().status == LedgerEntry.Status.FAILED
    made = outcome_entry(top_up(operator, "Jinja Fish", "900"))
    assert made.status == LedgerEntry.Status.SUCCEEDED


def test_the_owner_has_no_limit(alice_client, operator):
    made = outcome_entry(top_up(alice_client, "Mama Mboga Traders", "1100"))  # > 1,000
    assert made.status == LedgerEntry.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_two_top_ups_at_the_same_moment_cannot_both_pass_the_limit(alice, alice_watching):
    operator = log_in_member(Client(), make_member(OPERATOR, "operator", daily_limit=1000))
    tabs = [operator, copy_of(operator)]
    forms = [
        a_top_up(operator, "Mama Mboga Traders", "600"),
        a_top_up(operator, "Kampala Boda Riders", "600"),
    ]

    responses = all_at_once(
        [
            lambda tab=tab, data=data: tab.post(CLIENT_TOPUP, data)
            for tab, data in zip(tabs, forms, strict=True)
        ]
    )

    assert sorted(r.status_code for r in responses) == [200, 303]
    assert LedgerEntry.objects.count() == 1
    assert SimCall.objects.writes().count() == 1
    assert reseller("alice").balance == 4400


def test_while_watch_is_off_staff_see_history_but_cannot_move_credit(alice):
    operator = log_in_member(Client(), make_member(OPERATOR, "operator", daily_limit=1000))
    # Counted from here: a thread another test left behind may still journal its own call.
    asked = SimCall.objects.filter(username="alice").values_list("pk", flat=True)
    before = set(asked)

    form = operator.get(CLIENT_TOPUP)
    assert form.status_code == 200
    assert "Keep watch is off" in form.content.decode()
    sent = operator.post(CLIENT_TOPUP, {"name": "Jinja Fish", "noofsms": "10", "form_key": ""})
    assert sent.status_code == 200
    assert "Keep watch is off" in sent.content.decode()
    assert set(asked) == before  # mSpace was never asked anything as alice
    assert LedgerEntry.objects.count() == 0
    # The history still opens, and every page says why nothing live can be read.
    for address in ("/activity/", "/", "/clients/", "/balance/history/"):
        response = operator.get(address)
        assert response.status_code == 200, address
        assert 'id="watch-off"' in response.content.decode(), address


def test_activity_and_its_csv_say_who_acted(alice_client, operator):
    outcome_entry(top_up(alice_client, "Mama Mboga Traders", "10"))
    outcome_entry(top_up(operator, "Jinja Fish", "20"))

    page = alice_client.get("/activity/").content.decode()
    assert OPERATOR in page

    exported = alice_client.get("/activity/?format=csv")
    lines = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    header, rows = lines[0], lines[1:]
    assert header[-1] == "by"
    assert header.index("balance_after") < header.index("by")
    by_target = {row[header.index("target")]: row[-1] for row in rows if row[1] != "team change"}
    assert by_target == {"Mama Mboga Traders": "alice", "Jinja Fish": OPERATOR}


# --- A bulk top-up counts against the same daily limit ---------------------------------------


@pytest.mark.django_db(transaction=True)  # the worker's rows run in threads of their own
def test_an_operators_bulk_top_up_counts_against_their_daily_limit(operator):
    from batches.models import Batch
    from tests.batch_helpers import BULK, confirm_data, preview, run, start

    # 460 + 500 = 960 of the 1,000 a day: it starts, and its rows run as the worker does.
    batch = run(start(operator, below="100", up_to="500"))
    assert batch.by == OPERATOR
    assert LedgerEntry.objects.filter(status=LedgerEntry.Status.SUCCEEDED).count() == 2
    # Now 40 are left today: another bulk top-up of 50 each is refused before anything is
    # written, and so is a single top-up of 41.
    writes = SimCall.objects.writes().count()
    shown = preview(operator, add="50")
    refused = operator.post(BULK, confirm_data(shown, names=["Jinja Fish", "Kampala Boda Riders"]))
    assert refused.status_code == 200
    assert "over your daily limit" in refused.content.decode()
    assert Batch.objects.count() == 1
    assert "over your daily limit" in top_up(operator, "Jinja Fish", "41").content.decode()
    assert SimCall.objects.writes().count() == writes
    assert outcome_entry(top_up(operator, "Jinja Fish", "40")).amount == 40


# --- Assigning an M-Pesa payment (issue 20) is a top-up like any other ----------------------


def _payment_to_assign(amount):
    """A client paid alice's Paybill for an account number nobody has: it waits in the inbox."""
    from paybill import worker
    from paybill.models import MpesaPayment
    from tests.paybill_helpers import notify, pay, ready_to_be_paid

    link = ready_to_be_paid(watch=False)  # whether alice watches is up to each test
    notify(Client(), link, pay("Nobody", amount))
    worker.credit_waiting()
    return MpesaPayment.objects.get()


def test_a_member_assigning_a_payment_while_watch_is_off_is_told_why(alice):
    operator = log_in_member(Client(), make_member(OPERATOR, "operator", daily_limit=1000))
    waiting = _payment_to_assign("70")

    response = operator.post(f"/payments/{waiting.pk}/assign/", {"client": "Jinja Fish"})

    assert response.status_code == 303
    page = operator.get(response["Location"]).content.decode()
    assert "Keep watch is off" in page
    waiting.refresh_from_db()
    assert waiting.state == waiting.State.TO_ASSIGN
    assert not SimCall.objects.writes().exists()


def test_a_payment_over_a_members_daily_limit_waits_in_the_inbox_with_the_reason(alice):
    from tests.conftest import ALICE_PASSWORD
    from tests.watch_helpers import start_watching

    start_watching("alice", ALICE_PASSWORD)
    operator = log_in_member(Client(), make_member(OPERATOR, "operator", daily_limit=100))
    waiting = _payment_to_assign("70")  # 70 KES at 0.35 a SMS: 200 SMS, over 100

    operator.post(f"/payments/{waiting.pk}/assign/", {"client": "Jinja Fish"})

    waiting.refresh_from_db()
    assert waiting.state == waiting.State.TO_ASSIGN
    assert "over your daily limit" in waiting.reason
    assert not SimCall.objects.writes().exists()
