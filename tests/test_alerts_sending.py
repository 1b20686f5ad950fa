"""Alerts end to end with real parts: watch rounds against the simulator, a real SMTP server
(aiosmtpd) receiving the e-mails, the simulator's journal witnessing every SMS, the ledger."""

import threading

import pytest

from alerts import checking, delivery
from alerts.models import AccountContact, Alert, AlertSettings, Crossing
from messaging.models import LedgerEntry
from simulator import faults
from simulator.models import SimCall
from tests.alerts_helpers import (
    ALICE_PHONE,
    alert_sms_sent,
    at_nairobi,
    round_and_check,
)
from tests.watch_helpers import set_balance

pytestmark = pytest.mark.django_db(transaction=True)  # rounds read in threads
ALICE_EMAIL = "alice@example.co.ke"


def test_a_client_falling_below_gets_one_email_and_one_sms_then_nothing_while_it_stays_low(
    watching_alice, mailbox
):
    round_and_check(watching_alice)
    assert mailbox.received == [] and alert_sms_sent() == []  # all above 100

    set_balance("alice", "Jinja Fish", 60)
    round_and_check(watching_alice)

    [email] = mailbox.to(ALICE_EMAIL)
    assert "Jinja Fish" in mailbox.body(email) and "60 SMS, below 100" in mailbox.body(email)
    [sms] = alert_sms_sent()
    assert sms.sender_id == "ALICESHOP" and sms.credit_moved
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.ALERT_SMS)
    assert (entry.status, entry.target, entry.message_id) == (
        "succeeded",
        ALICE_PHONE,
        sms.message_id,
    )
    assert "Jinja Fish 60 SMS" in entry.message
    # Whose money: alice's tenant; who acted: the worker, on her standing credential.
    assert (entry.reseller, entry.actor, entry.actor_name) == (
        watching_alice,
        None,
        "the alerts worker",
    )
    assert Alert.objects.get(channel="sms").ledger_entry == entry

    for balance in (50, 40, 10):  # still low, round after round
        set_balance("alice", "Jinja Fish", balance)
        round_and_check(watching_alice)
    assert len(mailbox.received) == 1 and len(alert_sms_sent()) == 1


def test_topped_up_above_the_margin_and_fallen_again_is_a_new_alert(watching_alice, mailbox):
    set_balance("alice", "Jinja Fish", 60)
    round_and_check(watching_alice)
    set_balance("alice", "Jinja Fish", 500)  # a top-up: re-armed (above 100 + 10%)
    round_and_check(watching_alice)
    assert len(mailbox.received) == 1

    set_balance("alice", "Jinja Fish", 30)
    round_and_check(watching_alice)

    assert len(mailbox.to(ALICE_EMAIL)) == 2 and len(alert_sms_sent()) == 2
    assert list(Crossing.objects.values_list("number", flat=True)) == [1, 2]


def test_a_balance_flapping_around_the_threshold_sends_one_alert_not_many(watching_alice, mailbox):
    for balance in (99, 105, 98, 109, 95, 101, 99):  # never back to 110
        set_balance("alice", "Jinja Fish", balance)
        round_and_check(watching_alice)

    assert len(mailbox.received) == 1 and len(alert_sms_sent()) == 1
    assert Crossing.objects.count() == 1


def test_several_accounts_crossing_in_one_round_make_one_digest(watching_alice, mailbox):
    set_balance("alice", "Jinja Fish", 60)
    set_balance("alice", "alice-nairobi", 5)
    set_balance("alice", "Mama Mboga", 99)

    round_and_check(watching_alice)

    [email] = mailbox.received
    body = mailbox.body(email[1])
    assert all(name in body for name in ("Jinja Fish", "alice-nairobi", "Mama Mboga"))
    assert "3 accounts" in email[1]["Subject"]
    [sms] = alert_sms_sent()
    assert Alert.objects.get(channel="sms").crossings.count() == 3


def test_quiet_hours_hold_the_sms_until_morning_but_never_the_email(watching_alice, mailbox):
    set_balance("alice", "Jinja Fish", 60)
    round_and_check(watching_alice, now=at_nairobi(22))
    set_balance("alice", "alice-nairobi", 5)  # another fall later that night
    round_and_check(watching_alice, now=at_nairobi(2, day=11))

    assert len(mailbox.to(ALICE_EMAIL)) == 2  # e-mail goes at once, each time
    assert alert_sms_sent() == []
    [held] = Alert.objects.filter(channel="sms", status="held")
    assert held.send_after == at_nairobi(7, day=11)
    assert delivery.send_due(at_nairobi(6, 59, day=11)) == 0
    assert alert_sms_sent() == []

    delivery.send_due(at_nairobi(7, day=11))

    [sms] = alert_sms_sent()  # one morning digest naming both
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.ALERT_SMS)
    assert "Jinja Fish" in entry.message and "alice-nairobi" in entry.message
    assert Alert.objects.get(pk=held.pk).status == "sent"


@pytest.mark.parametrize(("fault", "status"), [("reset", "unknown"), ("refuse", "failed")])
def test_a_gateway_fault_while_sending_is_recorded_and_never_sent_again(
    watching_alice, mailbox, fault, status
):
    faults.inject("sendtext", fault)
    set_balance("alice", "Jinja Fish", 60)
    round_and_check(watching_alice)
    faults.clear()

    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.ALERT_SMS)
    alert = Alert.objects.get(channel="sms")
    assert (entry.status, alert.status, alert.ledger_entry_id) == (status, status, entry.pk)
    calls = SimCall.objects.filter(method="sendtext").count()
    delivery.send_due(at_nairobi(13))
    checking.check_reseller(watching_alice.pk, at_nairobi(13))
    delivery.send_due(at_nairobi(13))
    assert SimCall.objects.filter(method="sendtext").count() == calls  # no retry
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ALERT_SMS).count() == 1
    assert len(mailbox.received) == 1  # the e-mail went regardless
    # The stored password that sent it is nowhere in what was recorded or mailed.
    recorded = [str(row) for row in Alert.objects.values_list()]
    recorded += [str(row) for row in LedgerEntry.objects.values_list()]
    recorded += [message.as_string() for _to, message in mailbox.received]
    assert not any("alice-pw" in text for text in recorded)


def test_the_client_is_told_too_with_the_resellers_template(watching_alice, mailbox):
    AccountContact.objects.create(
        reseller=watching_alice,
        book="clients",
        name="Jinja Fish",
        phone="254722000222",
        email="fish@example.co.ke",
        alert_client=True,
        low_balance=500,  # its own threshold instead of the dashboard's 100
    )
    AlertSettings.objects.filter(reseller=watching_alice).update(
        client_template="Dear {name}, only {balance} SMS left. Top up with us!"
    )
    set_balance("alice", "Jinja Fish", 450)

    round_and_check(watching_alice)

    [client_sms] = alert_sms_sent("254722000222")
    entry = LedgerEntry.objects.get(target="254722000222")
    assert entry.message == "Dear Jinja Fish, only 450 SMS left. Top up with us!"
    assert entry.kind == LedgerEntry.Kind.ALERT_SMS and client_sms.credit_moved
    [client_email] = mailbox.to("fish@example.co.ke")
    assert "only 450 SMS left" in mailbox.body(client_email)
    assert len(mailbox.to(ALICE_EMAIL)) == 1 and len(alert_sms_sent()) == 1


def test_an_unconfirmed_email_gets_nothing_and_no_phone_means_no_sms(watching_alice, mailbox):
    AlertSettings.objects.filter(reseller=watching_alice).update(email_confirmed_at=None, phone="")
    set_balance("alice", "Jinja Fish", 60)

    round_and_check(watching_alice)

    assert mailbox.received == [] and SimCall.objects.filter(method="sendtext").count() == 0
    assert Crossing.objects.count() == 1  # recorded all the same, shown on /alerts/


def test_two_checks_at_once_record_one_crossing_and_send_each_alert_once(watching_alice, mailbox):
    """Two rounds at once (two nodes): both see the fall; one alert comes of it."""
    from watch import rounds

    set_balance("alice", "Jinja Fish", 60)
    rounds.run_round()
    now = at_nairobi(12)
    start = threading.Barrier(2)
    failures = []

    def node(work):
        from django.db import connections

        try:
            start.wait(timeout=10)
            work()
        except Exception as error:  # pragma: no cover - shown by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    for work in (
        lambda: checking.check_reseller(watching_alice.pk, now),
        lambda: delivery.send_due(now),
    ):
        threads = [threading.Thread(target=node, args=(work,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert failures == []
    assert Crossing.objects.count() == 1
    assert Alert.objects.count() == 2  # one e-mail, one SMS
    assert len(mailbox.received) == 1 and len(alert_sms_sent()) == 1
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ALERT_SMS).count() == 1


def test_the_resellers_own_balance_and_a_forecast_running_out_alert_too(watching_alice, mailbox):
    from datetime import timedelta

    from django.utils import timezone

    from tests.watch_helpers import set_own_balance
    from watch.models import DailyUse, WatchedAccount

    AlertSettings.objects.filter(reseller=watching_alice).update(
        on_running_out=True, running_out_days=3, own_threshold=1000
    )
    round_and_check(watching_alice)  # first sighting: nothing low, no history yet
    # Mama Mboga has used 500 SMS a day for a week: 1,200 SMS is 2.4 days.
    mama = WatchedAccount.objects.get(reseller=watching_alice, name="Mama Mboga")
    WatchedAccount.objects.filter(pk=mama.pk).update(first_seen=timezone.now() - timedelta(days=7))
    today = timezone.localdate()
    DailyUse.objects.bulk_create(
        DailyUse(account=mama, day=today - timedelta(days=n), used=500) for n in range(1, 8)
    )
    set_own_balance("alice", 900)

    round_and_check(watching_alice)

    [email] = mailbox.to(ALICE_EMAIL)
    body = mailbox.body(email)
    assert "Your own balance: 900 SMS, below 1,000." in body
    assert "Client “Mama Mboga”: about 2.4 days left" in body
    assert len(alert_sms_sent()) == 1


def test_the_worker_checks_every_minute_and_skips_while_another_check_runs(watching_alice, mailbox):
    from huey.contrib.djhuey import HUEY

    from alerts import tasks
    from watch import rounds

    assert tasks.send_alerts.task_class in HUEY._registry._periodic_tasks
    set_balance("alice", "Jinja Fish", 60)
    rounds.run_round()
    with HUEY.lock_task(tasks.CHECK_LOCK):
        tasks.send_alerts.call_local()  # another worker holds the check: nothing happens
    assert mailbox.received == []

    tasks.send_alerts.call_local()
    tasks.send_alerts.call_local()  # nothing read since: nothing checked again

    assert len(mailbox.received) == 1 and len(alert_sms_sent()) == 1
