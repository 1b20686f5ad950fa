"""The dashboard, the lists, their CSVs and the top-up form for balances mSpace's own code
writes: unlimited (-1), decimal ("49.5"), and a list row that cannot be read at all."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from messaging import balances, mspace, reconcile
from messaging.models import LedgerEntry
from messaging.mspace import UNLIMITED as UNLIMITED_COUNT
from simulator import faults
from simulator.models import UNLIMITED, SimAccount, SimCall
from simulator.seed import make_account
from tests.conftest import log_in
from tests.send_helpers import a_send
from tests.test_lists import csv_rows
from tests.topup_helpers import outcome_entry, top_up

# The dashboard reads side by side in threads, which must see the test's accounts.
pytestmark = pytest.mark.django_db(transaction=True)

UNA_PASSWORD = "una-Pa55/word"
DORA_PASSWORD = "dora-Pa55/word"


@pytest.fixture
def una(client, transactional_db):
    """A reseller with unlimited SMS, whose book holds every kind of balance."""
    make_account(
        "una",
        UNA_PASSWORD,
        balance=UNLIMITED,
        clients=[
            ("Nairobi County Alerts", UNLIMITED),
            ("Bungoma Sugar Outgrowers", Decimal("49.5")),
            ("Kisumu Water Works", 12400),
            ("Garissa Livestock Market", 12),
        ],
        subaccounts=[("una-main", Decimal("12.75"))],
    )
    return log_in(client, "una", UNA_PASSWORD)


@pytest.fixture
def dora(client, transactional_db):
    """A reseller whose own balance is a decimal."""
    make_account("dora", DORA_PASSWORD, balance=Decimal("49.5"), clients=[("Dora Client", 3)])
    return log_in(client, "dora", DORA_PASSWORD)


def text_of(response):
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def rows_of(response):
    """Each list row's cells as text, in the page's order."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_dashboard_shows_an_unlimited_balance_in_words_and_a_decimal_as_sent(una):
    response = una.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'id="balance-figure">Unlimited <span', page)
    assert "Could not read your balance" not in text_of(response)
    low = page.split('id="low-clients"', 1)[1].split("</table>", 1)[0]
    assert "Bungoma Sugar Outgrowers" in low and ">49.5<" in low
    assert "Garissa Livestock Market" in low
    assert "Nairobi County Alerts" not in low
    # The total counts real SMS exactly; the unlimited client is named apart.
    assert re.search(r'id="clients-credit">12,461.5</strong> SMS in total, and <span', page)
    assert 'id="clients-unlimited">1<' in page


def test_the_client_list_sorts_unlimited_as_the_largest_and_never_marks_it_low(una):
    highest = rows_of(una.get("/clients/?sort=-balance"))
    lowest = rows_of(una.get("/clients/?sort=balance"))

    assert [row[:3] for row in highest] == [
        ["Nairobi County Alerts", "Unlimited", ""],
        ["Kisumu Water Works", "12,400", ""],
        ["Bungoma Sugar Outgrowers", "49.5", "Low"],
        ["Garissa Livestock Market", "12", "Low"],
    ]
    assert lowest == list(reversed(highest))
    assert "Top up Nairobi County Alerts" in highest[0][3]


def test_the_list_csv_gives_unlimited_in_words_and_a_decimal_exactly(una):
    rows = csv_rows(una.get("/clients/?format=csv&sort=-balance"))

    # (days_left, keep watch's column, is empty: these accounts have no history.)
    assert rows == [
        ["name", "balance", "days_left"],
        ["Nairobi County Alerts", "Unlimited", ""],
        ["Kisumu Water Works", "12400", ""],
        ["Bungoma Sugar Outgrowers", "49.5", ""],
        ["Garissa Livestock Market", "12", ""],
    ]
    sub_accounts = csv_rows(una.get("/subaccounts/?format=csv"))
    assert sub_accounts == [["name", "balance", "days_left"], ["una-main", "12.75", ""]]


def test_an_unlimited_reseller_may_top_up_more_than_any_balance(una):
    form = una.get("/clients/topup/?name=Bungoma+Sugar+Outgrowers&noofsms=1000000")
    page = form.content.decode()
    assert 'data-balance="unlimited"' in page
    assert "no more than your balance" not in page
    assert 'data-balance="49.5"' in page and "Bungoma Sugar Outgrowers (49.5 SMS)" in page
    assert re.search(r'data-after="reseller">Unlimited<', page)
    assert re.search(r'data-after="target">1,000,049.5<', page)

    # A large top-up, confirmed on its second page (issue 24).
    entry = outcome_entry(
        top_up(una, "Bungoma Sugar Outgrowers", "1000000", confirmed_amount="1000000")
    )

    assert entry.status == LedgerEntry.Status.SUCCEEDED
    outcome = text_of(una.get(f"/topups/{entry.pk}/"))
    assert "Your balance now Unlimited SMS" in outcome
    assert "1,000,049.5 SMS" in outcome
    assert "Your balance before Unlimited SMS" in outcome


def test_an_unlimited_client_can_be_topped_up_and_stays_unlimited(una):
    entry = outcome_entry(top_up(una, "Nairobi County Alerts", "10"))

    assert entry.status == LedgerEntry.Status.SUCCEEDED
    assert SimAccount.objects.get(username="Nairobi County Alerts").balance == UNLIMITED
    assert "Unlimited SMS" in text_of(una.get(f"/topups/{entry.pk}/"))


def test_a_decimal_balance_counts_as_its_whole_part_for_the_top_up_rule(dora):
    page = dora.get("/")
    assert re.search(r'id="balance-figure">49.5 <span', page.content.decode())

    refused = top_up(dora, "Dora Client", "50")
    assert refused.status_code == 200
    assert "That is more than your balance of 49.5 SMS." in refused.content.decode()
    assert not LedgerEntry.objects.exists()

    # All but half a SMS of the balance: confirmed on its second page (issue 24).
    entry = outcome_entry(top_up(dora, "Dora Client", "49", confirmed_amount="49"))
    assert entry.status == LedgerEntry.Status.SUCCEEDED
    assert "Your balance now 0.5 SMS" in text_of(dora.get(f"/topups/{entry.pk}/"))


def test_a_decimal_balance_shows_as_sent_on_the_send_page_and_in_the_header(dora):
    page = text_of(dora.get("/send/"))

    assert "Your balance: 49.5 SMS." in page
    assert "Balance 49.5 SMS" in page


UNREADABLE_BOOK = [
    {"smsBalance": "20", "clientname": "Mama Mboga Traders"},
    {"smsBalance": "lots", "clientname": "Odd Row Ltd"},
    {"smsBalance": "5"},
    {"smsBalance": "-1", "clientname": "Nairobi County Alerts"},
    {"smsBalance": "7.25", "clientname": "Kampala Boda Riders"},
]


@pytest.fixture
def odd_book(alice_client):
    faults.inject("resellerclients", "sentence", reply=json.dumps(UNREADABLE_BOOK))
    return alice_client


def test_an_unreadable_row_is_shown_as_unreadable_in_its_place_and_the_list_works(odd_book):
    response = odd_book.get("/clients/")

    assert response.status_code == 200
    rows = {row[0]: row for row in rows_of(response)}
    assert rows["Odd Row Ltd"][1:3] == ["unreadable", "Unreadable"]
    assert rows["(name unreadable)"][1:3] == ["unreadable", "Unreadable"]
    assert "Top up" not in rows["Odd Row Ltd"][3]
    assert rows["Kampala Boda Riders"][1:3] == ["7.25", "Low"]
    assert rows["Nairobi County Alerts"][1:3] == ["Unlimited", ""]
    assert "2 could not be read" in text_of(response)


def test_an_unreadable_row_keeps_its_place_in_mspaces_order_and_sorts_below_every_balance(
    odd_book,
):
    by_balance = [row[0] for row in rows_of(odd_book.get("/clients/?sort=balance"))]

    assert by_balance == [
        "(name unreadable)",
        "Odd Row Ltd",
        "Kampala Boda Riders",
        "Mama Mboga Traders",
        "Nairobi County Alerts",
    ]


def test_the_csv_dashboard_and_top_up_form_work_beside_an_unreadable_row(odd_book):
    rows = csv_rows(odd_book.get("/clients/?format=csv"))
    assert ["Odd Row Ltd", "unreadable", ""] in rows
    assert ["Kampala Boda Riders", "7.25", ""] in rows

    dashboard = odd_book.get("/")
    assert dashboard.status_code == 200
    page = dashboard.content.decode()
    assert 'id="clients-unreadable"' in page
    low = page.split('id="low-clients"', 1)[1].split("</table>", 1)[0]
    assert "Kampala Boda Riders" in low and "Odd Row Ltd" not in low

    form = odd_book.get("/clients/topup/").content.decode()
    assert 'value="Mama Mboga Traders"' in form
    assert "Odd Row Ltd" not in form
    assert "Nairobi County Alerts (Unlimited SMS)" in form


# --- Settling an unknown top-up, and the pages in Kiswahili ---------------------------------


def an_unknown_top_up(**fields):
    from django.utils import timezone

    values = {
        "target": "Nairobi County Alerts",
        "amount": 500,
        "target_balance_before": UNLIMITED_COUNT,
        "balance_before": 5000,
        "created_at": timezone.now() - timedelta(minutes=5),
        **fields,
    }
    return LedgerEntry(
        kind=LedgerEntry.Kind.CLIENT_TOP_UP, status=LedgerEntry.Status.UNKNOWN, **values
    )


@pytest.mark.parametrize(
    ("before", "now"),
    [(UNLIMITED_COUNT, UNLIMITED_COUNT), (1200, UNLIMITED_COUNT), (UNLIMITED_COUNT, 1200)],
)
def test_an_unlimited_balance_never_settles_an_unknown_top_up_by_itself(before, now):
    # Unchanged -1 would otherwise read as "the top-up did not go through".
    finding = reconcile.judge(
        an_unknown_top_up(target_balance_before=before), target_balance_now=now
    )

    assert finding.status is None
    assert "unlimited SMS on mSpace" in finding.note


def test_an_unreadable_balance_never_settles_an_unknown_top_up_by_itself():
    finding = reconcile.judge(an_unknown_top_up(target_balance_before=40), target_balance_now=-1)

    assert finding.status is None
    assert "could not read" in finding.note


def test_the_new_words_are_in_kiswahili_on_a_kiswahili_page(una):
    with translation.override("sw"):
        assert balances.shown(UNLIMITED_COUNT) == "Bila kikomo"
    una.cookies[settings.LANGUAGE_COOKIE_NAME] = "sw"

    page = una.get("/clients/?sort=-balance")

    assert rows_of(page)[0][:2] == ["Nairobi County Alerts", "Bila kikomo"]
    assert "zenye SMS bila kikomo" in text_of(page)
    # The CSV keeps its English words, as the activity CSV keeps its status codes.
    rows = csv_rows(una.get("/clients/?format=csv&sort=-balance"))
    assert rows[1] == ["Nairobi County Alerts", "Unlimited", ""]


def test_a_test_sms_answered_in_xml_is_recorded_as_sent(alice_client, monkeypatch):
    # As from a gateway that ignores Accept: the simulator answers XML to anything but JSON.
    monkeypatch.setattr(mspace, "_ACCEPT", "*/*")

    response = alice_client.post("/send/", a_send(alice_client))

    assert response.status_code == 303
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.TEST_SMS)
    call = SimCall.objects.get(method="sendtext")
    assert call.reply.startswith("<?xml")
    assert entry.status == LedgerEntry.Status.SUCCEEDED
    assert entry.message_id == call.message_id
