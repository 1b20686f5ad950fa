"""/money/: sales and payments this month and last, who owes what oldest first, margins, CSV."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from billing.statements import previous_month, this_month
from messaging.models import LedgerEntry
from tests.billing_helpers import set_prices, sold

pytestmark = pytest.mark.django_db


def moment(month: datetime.date, day: int) -> datetime.datetime:
    zone = timezone.get_default_timezone()
    return datetime.datetime(month.year, month.month, day, 9, tzinfo=zone)


@pytest.fixture
def months():
    now = this_month()
    return now, previous_month(now), previous_month(previous_month(now))


@pytest.fixture
def alices_money(alice_client, months):
    now, last, before = months
    set_prices("alice", default="0.50", buying="0.30")
    sold("alice", "Jinja Fish", 100, moment(before, 3))  # 50 owed since two months ago
    sold("alice", "Mama Mboga Traders", 1000, moment(last, 2), paid="500")  # paid in full
    sold("alice", "Kampala Boda Riders", 400, moment(last, 20), paid="50")  # 150 owed
    sold("alice", "Mama Mboga Traders", 2000, moment(now, 1))  # 1000 owed, newest
    sold("alice", "alice-nairobi", 10, moment(now, 1), kind=LedgerEntry.Kind.SUB_ACCOUNT_TOP_UP)
    return months


def test_it_shows_sales_payments_and_margins_this_month_and_last(alices_money, alice_client):
    page = alice_client.get("/money/").content.decode()
    now, last, _ = alices_money
    this_row = page[page.index(now.strftime("%B %Y")) :]
    assert 'money-sales">KES 1,005.00' in this_row  # 2000 + 10 SMS at 0.50
    assert 'money-payments">KES 0.00' in this_row
    assert "KES 402.00" in this_row  # margin: 2010 SMS × 0.20
    last_row = page[page.index(last.strftime("%B %Y")) :]
    assert 'money-sales">KES 700.00' in last_row and 'money-payments">KES 550.00' in last_row
    assert "KES 280.00" in last_row  # 1400 × 0.20


def test_it_lists_who_owes_what_oldest_first(alices_money, alice_client):
    page = alice_client.get("/money/").content.decode()
    owed = page[page.index("Owed to you, oldest first") :]
    order = [owed.index(name) for name in ("Jinja Fish", "Kampala Boda Riders", "alice-nairobi")]
    assert order == sorted(order)
    assert "KES 50.00" in owed and "KES 150.00" in owed and "KES 1,000.00" in owed
    assert owed.index("alice-nairobi") > owed.index("Kampala Boda Riders")


def test_the_money_csv_has_the_same_figures(alices_money, alice_client):
    response = alice_client.get("/money/?format=csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    now, last, _ = alices_money
    months = {r["month"]: r for r in rows if r["section"] == "month"}
    assert months[f"{now:%Y-%m}"]["sales"] == "1005.00"
    assert months[f"{now:%Y-%m}"]["margin"] == "402.00"
    assert months[f"{last:%Y-%m}"]["payments"] == "550.00"
    owed = [(r["account"], r["owed"], r["kind"]) for r in rows if r["section"] == "owed"]
    assert owed == [
        ("Jinja Fish", "50.00", "client"),
        ("Kampala Boda Riders", "150.00", "client"),
        # Same moment: by name.
        ("alice-nairobi", "5.00", "sub-account"),
        ("Mama Mboga Traders", "1000.00", "client"),
    ]


def test_margins_wait_for_a_buying_price(alice_client, months):
    set_prices("alice", default="0.50", buying=None)
    sold("alice", "Jinja Fish", 100, moment(months[0], 1))
    assert "buying price not set" in alice_client.get("/money/").content.decode()


def test_another_resellers_money_is_not_shown(alices_money, bob_client):
    page = bob_client.get("/money/").content.decode()
    assert "Nobody owes you anything." in page
    assert "Jinja Fish" not in page and "1,005.00" not in page
