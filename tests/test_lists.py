"""The lists `/clients/` and `/subaccounts/`: search, sort, pages, low marker, CSV."""

import csv
import io
import re
from urllib.parse import quote

import pytest

from simulator import faults
from simulator.models import SimAccount
from simulator.seed import add_to_book, make_account
from tests.conftest import log_in
from tests.reads_helpers import FAULT_WORDS, calls

# The lists read in the request thread, so plain (rolled-back) test transactions would do,
# but the login and the simulator share one committed world with the dashboard tests.
pytestmark = pytest.mark.django_db(transaction=True)

BOOKS = ["/clients/", "/subaccounts/"]
HOSTILE = [
    '<script>alert("x")</script>',
    'Tom & Jerry\'s "Best" Shop',
    '=HYPERLINK("http://evil.example","click")',
    "+254 Traders",
    "-2+3 Co",
    "@SUM(A1:A9)",
    "\tTabbed",
    "Kijiji/Shop?#%20",
    "Café Ngong' Road 🎉",
]


def page_of(response):
    assert response.status_code == 200
    return response.content.decode()


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def names_in(html):
    """The account names in the list's table, in the order shown."""
    import html as html_lib

    return [
        html_lib.unescape(name)
        for name in re.findall(r'<td data-label="Name" class="account-name">(.*?)</td>', html)
    ]


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf"), "a spreadsheet needs the UTF-8 byte-order mark"
    body = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def many(db):
    """dora: 120 clients, client-001 … client-120, balance = 10 × number."""
    make_account(
        "dora",
        "dora-pass",
        balance=100,
        clients=[(f"client-{n:03d}", n * 10) for n in range(1, 121)],
        subaccounts=[(f"branch-{n:03d}", n) for n in range(1, 61)],
    )
    from django.test import Client

    return log_in(Client(), "dora", "dora-pass")


@pytest.fixture
def hostile(db):
    make_account("eve", "eve-pass", balance=10, clients=[(name, 5) for name in HOSTILE])
    from django.test import Client

    return log_in(Client(), "eve", "eve-pass")


# --- What a row shows --------------------------------------------------------------------


def test_it_lists_names_and_balances_sorted_by_name(alice_client):
    page = page_of(alice_client.get("/clients/"))

    assert names_in(page) == ["Jinja Fish", "Kampala Boda Riders", "Mama Mboga Traders"]
    assert '<td data-label="Balance (SMS)" class="num">1,200</td>' in page


def test_the_sub_account_list_shows_sub_accounts(alice_client):
    page = page_of(alice_client.get("/subaccounts/"))

    assert names_in(page) == ["alice-kampala", "alice-nairobi"]
    assert 'href="/subaccounts/topup/?name=alice-nairobi"' in page


def test_low_accounts_carry_a_text_badge_not_only_a_colour(alice_client):
    page = page_of(alice_client.get("/clients/"))
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)[1:]

    low = [row for row in rows if "badge-low" in row]
    assert len(low) == 2
    assert all(">Low</span>" in row for row in low)
    assert not any("Mama Mboga" in row for row in low)


def test_every_row_has_a_top_up_link_with_the_name_url_encoded(hostile):
    page = page_of(hostile.get("/clients/"))

    for name in HOSTILE:
        assert f'href="/clients/topup/?name={quote(name, safe="")}"' in page


def test_hostile_names_are_rendered_as_text(hostile):
    page = page_of(hostile.get("/clients/"))

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Tom &amp; Jerry&#x27;s &quot;Best&quot; Shop" in page
    assert sorted(names_in(page)) == sorted(HOSTILE)


# --- Search and sort ---------------------------------------------------------------------


def test_search_is_a_case_insensitive_substring(alice_client):
    page = page_of(alice_client.get("/clients/", {"q": "BODA"}))

    assert names_in(page) == ["Kampala Boda Riders"]
    assert "1 of 3 match “BODA”" in text_of(page)


def test_search_ignores_surrounding_and_repeated_spaces(alice_client):
    assert names_in(page_of(alice_client.get("/clients/", {"q": "  boda riders "}))) == [
        "Kampala Boda Riders"
    ]
    assert names_in(page_of(alice_client.get("/clients/", {"q": "boda  riders"}))) == [
        "Kampala Boda Riders"
    ]
    assert names_in(page_of(alice_client.get("/clients/", {"q": "boda ride rs"}))) == []


def test_a_search_that_matches_nothing_says_so(alice_client):
    page = page_of(alice_client.get("/clients/", {"q": "nobody here"}))

    assert names_in(page) == []
    assert "No clients match “nobody here”." in text_of(page)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Jinja Fish", "Kampala Boda Riders", "Mama Mboga Traders"]),
        ("-name", ["Mama Mboga Traders", "Kampala Boda Riders", "Jinja Fish"]),
        ("balance", ["Jinja Fish", "Kampala Boda Riders", "Mama Mboga Traders"]),
        ("-balance", ["Mama Mboga Traders", "Kampala Boda Riders", "Jinja Fish"]),
        ("drop table", ["Jinja Fish", "Kampala Boda Riders", "Mama Mboga Traders"]),
    ],
)
def test_it_sorts_by_name_or_balance_either_way(alice_client, sort, expected):
    assert names_in(page_of(alice_client.get("/clients/", {"sort": sort}))) == expected


def test_balance_sort_is_numeric_not_alphabetic(many):
    page = page_of(many.get("/clients/", {"sort": "-balance"}))

    assert names_in(page)[:3] == ["client-120", "client-119", "client-118"]


def test_a_huge_search_is_shortened_not_a_failure(alice_client):
    page = page_of(alice_client.get("/clients/", {"q": "Boda" + "x" * 100_000}))

    assert "shortened to its first 100 characters" in page
    assert "x" * 101 not in page


def test_a_search_with_odd_characters_is_harmless(alice_client):
    for q in ["%", "\x00", "<b>", "' OR 1=1 --", "🎉", "   "]:
        page_of(alice_client.get("/clients/", {"q": q}))


def test_reading_the_list_once_serves_search_sort_and_pages(many):
    for params in [{}, {"sort": "balance"}, {"q": "05"}, {"page": "2"}, {"format": "csv"}]:
        response = many.get("/clients/", params)
        assert response.status_code == 200

    assert calls("dora", "resellerclients") == 1


# --- Pages -------------------------------------------------------------------------------


def test_a_page_holds_at_most_fifty_rows_with_links_to_the_others(many):
    page = page_of(many.get("/clients/"))

    assert len(names_in(page)) == 50
    assert names_in(page)[0] == "client-001"
    assert "Page 1 of 3." in text_of(page)
    assert 'href="/clients/?page=2"' in page
    assert 'href="/clients/?page=3"' in page
    assert 'rel="next"' in page


def test_page_links_keep_the_search_and_sort(many):
    page = page_of(many.get("/clients/", {"q": "CLIENT", "sort": "-balance", "page": "2"}))

    assert names_in(page)[0] == "client-070"
    assert 'href="/clients/?q=CLIENT&amp;sort=-balance&amp;page=3"' in page
    assert 'href="/clients/?q=CLIENT&amp;sort=-balance"' in page  # page 1, no page=1


def test_the_last_page_holds_the_rest(many):
    page = page_of(many.get("/clients/", {"page": "3"}))

    assert names_in(page) == [f"client-{n:03d}" for n in range(101, 121)]
    assert 'rel="next"' not in page


@pytest.mark.parametrize(
    ("raw", "first_name"),
    [
        ("abc", "client-001"),
        ("-1", "client-001"),
        ("0", "client-001"),
        ("", "client-001"),
        ("2.5", "client-001"),
        ("9" * 5000, "client-001"),
        ("99999", "client-101"),
        ("2", "client-051"),
    ],
)
def test_hostile_page_numbers_are_handled(many, raw, first_name):
    page = page_of(many.get("/clients/", {"page": raw}))

    assert names_in(page)[0] == first_name


def test_a_short_list_has_no_page_links(alice_client):
    page = page_of(alice_client.get("/clients/"))

    assert 'class="pagination"' not in page


def test_ten_thousand_clients_render_page_one_with_fifty_rows(db):
    make_account(
        "big",
        "big-pass",
        balance=1,
        clients=[(f"Client {n:05d}", (n * 7919) % 5000) for n in range(10_000)],
    )
    from django.test import Client

    big = log_in(Client(), "big", "big-pass")

    page = page_of(big.get("/clients/"))
    assert len(names_in(page)) == 50
    assert names_in(page)[0] == "Client 00000"
    assert "Page 1 of 200." in text_of(page)
    assert 'href="/clients/?page=200"' in page

    last = page_of(big.get("/clients/", {"page": "200", "sort": "-name"}))
    assert names_in(last)[-1] == "Client 00000"
    assert calls("big", "resellerclients") == 1


# --- CSV ---------------------------------------------------------------------------------


def test_csv_exports_the_whole_filtered_sorted_list_with_a_header(many):
    rows = csv_rows(many.get("/clients/", {"q": "client-1", "sort": "-balance", "format": "csv"}))

    assert rows[0] == ["name", "balance", "days_left"]
    assert rows[1] == ["client-120", "1200", ""]
    assert len(rows) == 1 + 21  # client-100 … client-120
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), reverse=True)


def test_csv_exports_every_row_not_only_one_page(many):
    rows = csv_rows(many.get("/clients/", {"format": "csv", "page": "2"}))

    assert len(rows) == 121


def test_csv_neutralises_cells_a_spreadsheet_would_run(hostile):
    rows = csv_rows(hostile.get("/clients/", {"format": "csv"}))
    names = {row[0] for row in rows[1:]}

    assert '\'=HYPERLINK("http://evil.example","click")' in names
    assert "'+254 Traders" in names
    assert "'-2+3 Co" in names
    assert "'@SUM(A1:A9)" in names
    assert "'\tTabbed" in names
    assert '<script>alert("x")</script>' in names  # harmless in a spreadsheet: kept as is
    assert 'Tom & Jerry\'s "Best" Shop' in names
    assert "Café Ngong' Road 🎉" in names
    assert all(row[1] == "5" for row in rows[1:])


def test_the_csv_link_keeps_the_search_and_sort(alice_client):
    page = page_of(alice_client.get("/clients/", {"q": "a", "sort": "balance"}))

    assert 'href="/clients/?q=a&amp;sort=balance&amp;format=csv"' in page


# --- Not a reseller, and gateway trouble -------------------------------------------------


@pytest.mark.parametrize("url", BOOKS)
def test_someone_who_resells_nothing_sees_a_plain_explanation(charlie_client, url):
    words = text_of(page_of(charlie_client.get(url)))

    assert "mSpace lists no" in words
    assert "Could not" not in words


def test_not_authorized_is_explained_not_an_error(alice_client):
    faults.inject(
        "resellerclients", "sentence", reply="You are not Authorized to make this transaction"
    )

    words = text_of(page_of(alice_client.get("/clients/")))

    assert "set up as a reseller" in words
    assert "Could not" not in words


@pytest.mark.parametrize("url", BOOKS)
@pytest.mark.parametrize("kind", sorted(FAULT_WORDS))
def test_every_gateway_failure_is_said_in_plain_words(alice_client, settings, url, kind):
    if kind == "hang":  # a hang lasts as long as the timeout (others keep it: a busy machine)
        settings.MSPACE_TIMEOUT = 0.3
    faults.inject("*", kind)

    page = page_of(alice_client.get(url))
    words = text_of(page)
    what = "clients" if url == "/clients/" else "sub-accounts"

    assert f"Could not read your {what}: mSpace" in words
    assert FAULT_WORDS[kind] in words
    assert f'href="{url}"' in page  # try again
    assert "Traceback" not in page


@pytest.mark.parametrize("url", BOOKS)
def test_a_slow_gateway_within_the_timeout_is_waited_for(alice_client, url):
    faults.inject("*", "slow", delay=0.2)

    page = page_of(alice_client.get(url))

    assert len(names_in(page)) >= 2
    assert "Could not" not in page


def test_csv_during_a_failure_shows_the_page_with_the_error(alice_client):
    faults.inject("resellerclients", "http500")

    response = alice_client.get("/clients/", {"format": "csv"})

    assert response["Content-Type"].startswith("text/html")
    assert "Could not read your clients" in page_of(response)


@pytest.mark.parametrize("url", BOOKS)
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_list_is_only_the_logged_in_resellers_own(alice_client, bob_client):
    alice_client.get("/clients/")

    page = page_of(bob_client.get("/clients/"))

    assert names_in(page) == ["Bob Client"]


def test_add_to_book_clients_appear_after_a_refresh(alice_client):
    alice_client.get("/clients/")
    add_to_book(
        SimAccount.objects.get(username="alice", parent=None), SimAccount.CLIENT, [("New One", 7)]
    )

    assert "New One" not in page_of(alice_client.get("/clients/"))
    assert "New One" in page_of(alice_client.get("/clients/", {"refresh": "1"}))
