"""Monthly statements per client: page, PDF, CSV, every client's at once as a zip."""

import csv
import io
import zipfile

import pytest
from django.utils import timezone

from billing.models import Sale
from tests.billing_helpers import at, pdf_text, set_prices, sold
from tests.topup_helpers import tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_book(alice_client):
    """Alice's Mama Mboga Traders: October owes 100, November buys twice and pays once."""
    set_prices("alice", default="0.50", business_name="Alice Bulk SMS")
    sold("alice", "Mama Mboga Traders", 200, at("2026-10-05"))  # KES 100 owed from October
    sold(
        "alice",
        "Mama Mboga Traders",
        1000,
        at("2026-11-02"),
        paid="300",
        method="mpesa",
        reference="QK71ABCD2E",
    )
    sold("alice", "Mama Mboga Traders", 500, at("2026-11-30", hour=23))  # Nairobi's 30th
    sold("alice", "Jinja Fish", 100, at("2026-11-10"), paid="50")
    sold("alice", "Mama Mboga Traders", 10, at("2026-12-01", hour=0))  # December's
    return tenant("alice")


URL = "/clients/statement/?name=Mama+Mboga+Traders&month=2026-11"


def test_the_statement_page_shows_the_month_and_what_is_owed(alices_book, alice_client):
    page = alice_client.get(URL).content.decode()
    assert "Period: November 2026" in page
    assert page.count("not recorded") == 2  # opening and closing SMS balances: no history
    assert 'statement-opening">KES 100.00' in page
    assert 'statement-sales-total">KES 750.00' in page  # 500 + 250
    assert 'statement-payments-total">KES 300.00' in page
    assert "<strong>KES 550.00</strong>" in page  # 100 + 750 - 300
    assert "QK71ABCD2E" in page and "Jinja Fish" not in page


def test_the_statement_pdf_reads_back_the_same_figures(alices_book, alice_client):
    response = alice_client.get(URL + "&format=pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in [
        "Alice Bulk SMS",
        "Statement for Mama Mboga Traders",
        "Period: November 2026",
        "Opening SMS balance not recorded",
        "KES 100.00",
        "1,000",
        "KES 500.00",
        "KES 250.00",
        "KES 750.00",
        "KES 300.00",
        "QK71ABCD2E",
        "Owed at the end KES 550.00",
        "not a tax invoice",
    ]:
        assert expected in text, (expected, text)


def test_the_statement_csv_has_every_line_as_an_exact_decimal(alices_book, alice_client):
    response = alice_client.get(URL + "&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:6] == ["date", "line", "receipt", "sms", "price", "amount"]
    lines = [(r[1], r[3], r[5]) for r in rows[1:]]
    assert lines == [
        ("owed at the start", "", "100.00"),
        ("top-up", "1000", "500.00"),
        ("top-up", "500", "250.00"),
        ("payment", "", "300.00"),
        ("owed at the end", "1500", "550.00"),
    ]
    top_ups = [r for r in rows if r[1] == "top-up"]
    ledger_ids = {int(r[9]) for r in top_ups}
    assert ledger_ids == set(
        Sale.objects.filter(name="Mama Mboga Traders", sms__in=[1000, 500]).values_list(
            "entry_id", flat=True
        )
    )


def test_every_clients_statement_for_a_month_comes_as_one_zip(alices_book, alice_client):
    response = alice_client.get("/clients/statements.zip?month=2026-11")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == [
        "statement-jinja-fish-2026-11.csv",
        "statement-jinja-fish-2026-11.pdf",
        "statement-mama-mboga-traders-2026-11.csv",
        "statement-mama-mboga-traders-2026-11.pdf",
    ]
    jinja = pdf_text(archive.read("statement-jinja-fish-2026-11.pdf"))
    assert "Owed at the end KES 0.00" in jinja


def test_the_statement_index_lists_clients_and_the_zip(alices_book, alice_client):
    page = alice_client.get("/clients/statement/?month=2026-11").content.decode()
    assert "?name=Mama%20Mboga%20Traders&amp;month=2026-11" in page
    assert "/clients/statements.zip?month=2026-11" in page


def test_a_bad_month_falls_back_to_this_month(alices_book, alice_client):
    page = alice_client.get("/clients/statement/?name=Jinja+Fish&month=2026-13").content.decode()
    assert timezone.localdate().strftime("Period: %B %Y") in page


def test_another_resellers_statement_never_opens(alices_book, bob_client):
    assert bob_client.get(URL).status_code == 404
    assert bob_client.get(URL + "&format=pdf").status_code == 404
    assert bob_client.get(URL + "&format=csv").status_code == 404
    archive = zipfile.ZipFile(
        io.BytesIO(bob_client.get("/clients/statements.zip?month=2026-11").content)
    )
    assert archive.namelist() == []


def test_a_client_with_the_same_name_at_another_reseller_sees_only_their_own(
    alices_book, bob_client
):
    set_prices("bob", default="1.00")
    sold("bob", "Mama Mboga Traders", 7, at("2026-11-03"))
    page = bob_client.get(URL).content.decode()
    assert 'statement-sales-total">KES 7.00' in page and "QK71ABCD2E" not in page
    assert 'statement-opening">KES 0.00' in page


def _watched(reseller, name, points, rounds):
    """Watch's history (issue 16) of one client: balances from given times, and rounds."""
    from watch.models import BalancePoint, WatchedAccount, WatchRound

    first, last = points[0][0], points[-1][0]
    account = WatchedAccount.objects.create(
        reseller=reseller,
        book="clients",
        name=name,
        balance=points[-1][1],
        first_seen=first,
        changed_at=last,
        seen_at=last,
    )
    for when, balance in points:
        BalancePoint.objects.create(account=account, at=when, balance=balance)
    for when in rounds:
        WatchRound.objects.create(
            reseller=reseller, at=when, source="worker", books_read="own,clients"
        )


def test_a_watched_client_s_statement_gives_its_balances_from_the_history(
    alices_book, alice_client
):
    _watched(
        alices_book,
        "Mama Mboga Traders",
        points=[
            (at("2026-10-20"), 4200),
            (at("2026-11-02", hour=11), 5200),
            (at("2026-11-29"), 870),
        ],
        rounds=[at("2026-10-31", hour=23), at("2026-11-30", hour=23), at("2026-12-01", hour=1)],
    )

    page = alice_client.get(URL).content.decode()

    assert "4,200 SMS" in page  # the balance recorded before November began
    assert "870 SMS" in page  # the last one recorded before it ended
    assert "not recorded" not in page
    csv_or_pdf = pdf_text(alice_client.get(URL + "&format=pdf").content)
    assert "Opening SMS balance 4,200 SMS" in csv_or_pdf


def test_a_balance_is_not_recorded_where_nobody_was_watching_then(alices_book, alice_client):
    # Watched in October only: the history stops long before November ends, and began after
    # nothing; a stale October figure must not pass for November's balances.
    _watched(
        alices_book,
        "Mama Mboga Traders",
        points=[(at("2026-10-20"), 4200)],
        rounds=[at("2026-10-20"), at("2026-10-25")],
    )

    page = alice_client.get(URL).content.decode()

    assert page.count("not recorded") == 2
