"""/alerts/, the signed single-use confirmation link, an account's contact details, the
record of alerts on the page and in the activity CSV, and every alert page guarded."""

import re

import pytest
from django.test import Client

from alerts.models import AccountContact, Alert, AlertSettings

pytestmark = pytest.mark.django_db
RULES = {
    "email": "alice@example.co.ke",
    "phone": "0711 000 111",
    "sender_id": "ALICESHOP",
    "on_low_balance": "on",
    "running_out_days": "3",
    "on_own_balance": "on",
    "own_threshold": "1000",
    "rearm_percent": "10",
    "client_template": "Dear {name}, {balance} SMS left.",
    "quiet_from": "21:00",
    "quiet_until": "07:00",
    "time_zone": "Africa/Nairobi",
}


def downloaded(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def confirmation_link(box) -> str:
    [(_to, message)] = box.received
    return re.search(r"http://testserver(/alerts/confirm/\S+/)", box.body(message)).group(1)


def test_saving_the_rules_emails_a_link_that_confirms_the_address_once(alice_client, mailbox):
    response = alice_client.post("/alerts/", RULES)
    assert response.status_code == 303
    stored = AlertSettings.objects.get(reseller__username="alice")
    assert (stored.phone, stored.email_confirmed) == ("254711000111", False)
    link = confirmation_link(mailbox)

    page = alice_client.get(link)  # looking does not confirm (mail scanners open links)
    assert "alice@example.co.ke" in page.content.decode()
    assert not AlertSettings.objects.get(pk=stored.pk).email_confirmed

    assert alice_client.post(link).status_code == 303
    assert AlertSettings.objects.get(pk=stored.pk).email_confirmed

    again = alice_client.post(link)
    assert again.status_code == 400 and "used already" in again.content.decode()


def test_a_changed_address_needs_confirming_again_and_the_old_link_stops_working(
    alice_client, mailbox
):
    alice_client.post("/alerts/", RULES)
    first = confirmation_link(mailbox)
    mailbox.received.clear()
    alice_client.post("/alerts/", {**RULES, "email": "new@example.co.ke"})
    second = confirmation_link(mailbox)

    assert alice_client.post(first).status_code == 400
    assert alice_client.post(second).status_code == 303
    assert AlertSettings.objects.get().email == "new@example.co.ke"


def test_a_forged_or_someone_elses_link_confirms_nothing(alice_client, bob_client, mailbox):
    alice_client.post("/alerts/", RULES)
    link = confirmation_link(mailbox)

    forged = alice_client.post(link[:-5] + "AAAA/")
    assert forged.status_code == 400 and "not one we sent" in forged.content.decode()
    stolen = bob_client.post(link)
    assert stolen.status_code == 400 and "another account" in stolen.content.decode()
    assert not AlertSettings.objects.get().email_confirmed


def test_bad_input_is_refused_in_words_and_nothing_is_lost(alice_client, mailbox):
    wrong = {
        **RULES,
        "phone": "12",
        "sender_id": "WAY TOO LONG SENDER",
        "client_template": "Dear {nmae}",
        "time_zone": "Mars/Olympus",
        "running_out_days": "0",
    }
    response = alice_client.post("/alerts/", wrong)

    body = response.content.decode()
    assert response.status_code == 200
    assert "{nmae}" in body and "Africa/Nairobi or Africa/Kampala" in body
    assert "at most 11 characters" in body and "Enter 1 or more" in body
    assert "Dear {nmae}" in body  # what was typed is still there
    assert not AlertSettings.objects.exists() and mailbox.received == []


def test_the_template_is_shown_with_what_it_costs(alice_client):
    long = "Habari {name}! Salio lako ni {balance} SMS tu, siku {days_left}. 🎉 Nunua sasa."
    alice_client.post("/alerts/", {**RULES, "email": "", "client_template": long})

    body = alice_client.get("/alerts/").content.decode()

    cost = re.search(r'id="template-cost">(.*?)</p>', body, re.S).group(1)
    assert "UCS-2" in cost and "2 SMS" in cost  # the emoji makes it Unicode, over 70


def test_contact_details_are_edited_from_the_accounts_page(alice_client):
    page = alice_client.get("/clients/history/?name=Kampala%20Boda%20Riders").content.decode()
    assert 'action="/alerts/contact/clients/?name=Kampala+Boda+Riders"' in page

    response = alice_client.post(
        "/alerts/contact/clients/?name=Kampala+Boda+Riders",
        {
            "phone": "0722 000 222",
            "email": "boda@example.co.ke",
            "note": "Pays by M-Pesa",
            "low_balance": "250",
            "alert_client": "on",
        },
    )

    assert response.status_code == 303
    assert response["Location"] == "/clients/history/?name=Kampala+Boda+Riders"
    contact = AccountContact.objects.get(name="Kampala Boda Riders")
    assert (contact.phone, contact.low_balance, contact.alert_client) == ("254722000222", 250, True)
    shown = alice_client.get(response["Location"]).content.decode()
    assert "Pays by M-Pesa" in shown and "boda@example.co.ke" in shown


def test_telling_a_client_needs_their_phone_or_email(alice_client):
    response = alice_client.post(
        "/alerts/contact/subaccounts/?name=alice-nairobi", {"alert_client": "on", "note": "x"}
    )
    assert response.status_code == 200
    assert "phone or e-mail" in response.content.decode()
    assert not AccountContact.objects.exists()


def test_every_alert_is_listed_on_the_page_and_in_the_activity_csv(alice_client):
    from django.utils import timezone

    alice = alice_client.get("/alerts/").wsgi_request.reseller
    for channel, status, recipient in (
        ("email", "sent", "alice@example.co.ke"),
        ("sms", "held", "254711000111"),
        ("email", "failed", "fish@example.co.ke"),
    ):
        Alert.objects.create(
            reseller=alice,
            created_at=timezone.now(),
            channel=channel,
            audience="reseller",
            recipient=recipient,
            text="Low SMS: Jinja Fish 60 SMS.",
            status=status,
            send_after=timezone.now(),
            sender_id="ALICESHOP" if channel == "sms" else "",
        )

    page = alice_client.get("/alerts/").content.decode()
    csv = downloaded(alice_client.get("/activity/?format=csv"))

    assert page.count('data-label="Recipient"') == 3
    assert "held for quiet hours" in page and "fish@example.co.ke" in page
    assert "alert e-mail,alice@example.co.ke,,succeeded" in csv
    assert "alert SMS,254711000111,,pending" in csv
    assert "alert e-mail,fish@example.co.ke,,failed" in csv
    only_sms = downloaded(alice_client.get("/activity/?format=csv&kind=alert_sms"))
    assert "254711000111" in only_sms and "fish@example.co.ke" not in only_sms


@pytest.mark.parametrize(
    "url", ["/alerts/", "/alerts/contact/clients/?name=Jinja%20Fish", "/alerts/confirm/x/"]
)
def test_every_alert_page_needs_both_cookies(alice_client, url):
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    thief = Client()
    thief.cookies["sessionid"] = alice_client.cookies["sessionid"].value
    stolen = thief.get(url)
    assert stolen.status_code == 302 and stolen["Location"].startswith("/accounts/login/")


def test_a_settings_post_from_another_reseller_changes_only_their_own(alice_client, bob_client):
    alice_client.post("/alerts/", {**RULES, "email": ""})
    bob_client.post("/alerts/", {**RULES, "email": "", "phone": "0799 111 222"})
    phones = dict(AlertSettings.objects.values_list("reseller__username", "phone"))
    assert phones == {"alice": "254711000111", "bob": "254799111222"}
