"""The Days left column, the dashboard's "running out", and each account's history page."""

import csv
import io
import re

import pytest
from django.utils import timezone

from messaging.models import LedgerEntry
from simulator.seed import make_account
from tests.conftest import ALICE_PASSWORD, log_in
from watch import demo

ALICE_BOOKS = {
    # (name, balance now, SMS a day): Mama runs out in about 4 days, Kampala in about 20,
    # Jinja is never used.
    "clients": [
        ("Mama Mboga Traders", 1200, 300),
        ("Kampala Boda Riders", 40, 2),
        ("Jinja Fish", 0, 0),
    ],
    "subaccounts": [("alice-nairobi", 300, 10), ("alice-kampala", 15, 1)],
}


@pytest.fixture
def alice_history(alice):
    assert demo.backfill("alice", (5000, 100), ALICE_BOOKS)


def rows_of(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def names_in_order(page: str) -> list[str]:
    return re.findall(r'class="account-name">([^<]+)</td>', page)


def test_every_list_row_links_to_its_history_and_shows_days_left(alice_client, alice_history):
    page = alice_client.get("/clients/").content.decode()

    link = 'history-link" href="/clients/history/?name=Mama%20Mboga%20Traders"'
    assert link in page
    assert "Days left" in page
    cells = re.findall(r'class="days-left">([^<]*)<', page)
    assert "no recent use" in cells  # Jinja Fish
    assert any(re.fullmatch(r"\d+\.\d", cell) for cell in cells)


def test_sorting_by_days_left_puts_the_soonest_first(alice_client, alice_history):
    page = alice_client.get("/clients/", {"sort": "days_left"}).content.decode()

    assert names_in_order(page) == ["Mama Mboga Traders", "Kampala Boda Riders", "Jinja Fish"]
    assert 'aria-sort="ascending"' in page


def test_the_csv_has_days_left_empty_when_unknown(alice_client, alice_history):
    rows = rows_of(alice_client.get("/clients/", {"format": "csv", "sort": "days_left"}))

    assert rows[0] == ["name", "balance", "days_left"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Jinja Fish"][2] == ""
    assert 3 <= float(by_name["Mama Mboga Traders"][2]) <= 5


def test_a_list_without_history_says_not_enough_history(alice_client):
    page = alice_client.get("/subaccounts/").content.decode()

    assert page.count("not enough history") == 2  # just seen for the first time


def test_the_dashboard_names_accounts_running_out_within_seven_days(transactional_db, client):
    make_account(
        "alice",
        ALICE_PASSWORD,
        balance=5000,
        clients=[(n, b) for n, b, _ in ALICE_BOOKS["clients"]],
        subaccounts=[(n, b) for n, b, _ in ALICE_BOOKS["subaccounts"]],
    )
    demo.backfill("alice", (5000, 100), ALICE_BOOKS)
    log_in(client, "alice", ALICE_PASSWORD)

    page = client.get("/").content.decode()

    section = page[page.index('id="running-out"') :]
    assert "Running out within 7 days" in page
    assert "Mama Mboga Traders" in section[: section.index("</section>")]
    assert "Kampala Boda Riders" not in section[: section.index("</section>")]
    assert 'href="/balance/history/"' in page  # the own balance's history


def test_an_account_page_shows_a_chart_a_table_use_and_days_left(alice_client, alice_history):
    response = alice_client.get("/clients/history/", {"name": "Mama Mboga Traders"})
    page = response.content.decode()

    assert response.status_code == 200
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert '<path class="chart-line" d="M' in svg
    assert "style=" not in svg and "<script" not in svg  # nothing for the CSP to refuse
    table = page[page.index('id="daily-use"') :]
    assert table.count("<tr>") >= 31  # 30 days and today, and the header
    assert 'id="days-left"' in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_period_is_seven_thirty_or_ninety_days(alice_client, alice_history):
    url = "/clients/history/"
    week = alice_client.get(url, {"name": "Mama Mboga Traders", "days": "7"}).content.decode()
    odd = alice_client.get(url, {"name": "Mama Mboga Traders", "days": "12"}).content.decode()

    assert "Balance over 7 days" in week
    assert week[week.index('id="daily-use"') :].count("<tr>") in (8, 9)
    assert "Balance over 30 days" in odd  # anything else is the default


def test_a_top_up_from_the_ledger_is_marked_on_the_chart(alice_client, alice_history, alice):
    from accounts.models import Reseller

    LedgerEntry.objects.create(
        reseller=Reseller.of_username("alice"),
        actor_name="alice",
        kind=LedgerEntry.Kind.CLIENT_TOP_UP,
        target="Mama Mboga Traders",
        amount=500,
        status=LedgerEntry.Status.SUCCEEDED,
        completed_at=timezone.now(),
    )

    page = alice_client.get("/clients/history/", {"name": "Mama Mboga Traders"}).content.decode()

    assert '<circle class="chart-top-up"' in page
    assert "Topped up 500 SMS from here" in page


def test_the_history_csv_has_time_and_balance(alice_client, alice_history):
    rows = rows_of(
        alice_client.get("/clients/history/", {"name": "Kampala Boda Riders", "format": "csv"})
    )

    assert rows[0] == ["time", "balance"]
    assert rows[-1][1] == "40"
    assert len(rows) > 3
    times = [row[0] for row in rows[1:]]
    assert times == sorted(times)


def test_the_own_balance_has_its_history_page_too(alice_client, alice_history):
    page = alice_client.get("/balance/history/").content.decode()

    assert "Your balance" in page and "<svg" in page
    assert 'id="history-balance">5,000' in page


def test_an_account_without_history_says_so(alice_client):
    page = alice_client.get("/clients/history/", {"name": "<b>Nobody</b>"}).content.decode()

    assert "No history yet for “&lt;b&gt;Nobody&lt;/b&gt;”" in page


def test_another_resellers_history_is_not_shown(alice_client, alice_history, bob):
    bob_client = log_in(type(alice_client)(), "bob", "b0b-secret")

    page = bob_client.get("/clients/history/", {"name": "Mama Mboga Traders"}).content.decode()

    assert "No history yet" in page
