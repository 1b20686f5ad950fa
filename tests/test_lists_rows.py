"""The list page's table rows, rendered once per read of a book and kept with it.

What a reseller sees must not change: the rows are compared with what the list template
wrote inline before, for hostile names, and the "Low" mark must follow the reseller's
threshold even while the same read is reused.
"""

import re

import pytest
from django.template import engines
from django.test import Client

from accounts.models import Reseller
from messaging import reads
from messaging.books import CLIENTS, SUB_ACCOUNTS
from messaging.csv_export import safe_cell
from messaging.models import ResellerPreferences
from messaging.mspace import Account
from messaging.views import dashboard
from simulator.seed import make_account
from tests.conftest import log_in
from tests.reads_helpers import calls, request_as
from tests.test_lists import HOSTILE, csv_rows, page_of

pytestmark = pytest.mark.django_db(transaction=True)

# The rows as templates/messaging/account_list.html wrote them inline, before they were kept
# (with keep watch's Days left cell and History link since; a first read has no history).
ROWS_AS_BEFORE = """{% load humanize %}{% for row in rows %}
      <tr{% if row.low %} class="is-low"{% endif %}>
        <td data-label="Name" class="account-name">{{ row.account.name }}</td>
        <td data-label="Balance (SMS)" class="num">{{ row.account.balance|intcomma }}</td>
        <td data-label="Status">{% if row.low %}<span class="badge badge-low">Low</span>{% endif %}</td>
        <td data-label="Action"><a class="button button-small" href="{{ top_up_url }}?name={{ row.account.name|urlencode:'' }}">Top up<span class="visually-hidden"> {{ row.account.name }}</span></a> <a class="button button-small history-link" href="{{ top_up_url|slice:':-6' }}history/?name={{ row.account.name|urlencode:'' }}">History<span class="visually-hidden"> of {{ row.account.name }}</span></a></td>
        <td data-label="Days left" class="days-left">not enough history</td>
      </tr>
    {% endfor %}"""  # noqa: E501
# Names that would break a careless row: markup, quotes, entities, template syntax, spaces.
NASTY = [
    *HOSTILE,
    "&amp; already escaped",
    "{{ account.name }} {% if %}",
    "a\u00a0non-breaking space",
    "100% «guillemets» & ‘quotes’",
]
# On both sides of the thresholds used below, and with thousands to group.
BALANCES = [0, 5, 99, 100, 101, 1_234, 1_234_567, 50, 0, 5, 99, 100, 101]
BOOKS = {"/clients/": CLIENTS, "/subaccounts/": SUB_ACCOUNTS}


@pytest.fixture
def nasty():
    make_account(
        "nasty",
        "nasty-pass",
        balance=10,
        clients=list(zip(NASTY, BALANCES, strict=True)),
        subaccounts=[(f"{name}-sub", 7) for name in NASTY[:4]],
    )
    return log_in(Client(), "nasty", "nasty-pass")


def set_threshold(low_balance):
    reseller = Reseller.of_username("nasty")
    ResellerPreferences.objects.update_or_create(
        reseller=reseller, defaults={"low_balance": low_balance}
    )


def rows_before(accounts, threshold, top_up_url):
    rows = [{"account": a, "low": a.balance < threshold} for a in accounts]
    template = engines["django"].from_string(ROWS_AS_BEFORE)
    return template.render({"rows": rows, "top_up_url": top_up_url})


def table_body(page):
    return re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)


def same_markup(html):
    """Whitespace between tags does not show; the kept rows sit a little differently in it."""
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("url", BOOKS)
@pytest.mark.parametrize("threshold", [0, 100, 2_000_000])
@pytest.mark.parametrize("sort", ["name", "-balance"])
def test_the_rows_are_what_the_template_wrote_before(nasty, url, threshold, sort):
    set_threshold(threshold)

    first = page_of(nasty.get(url, {"sort": sort}))
    again = page_of(nasty.get(url, {"sort": sort}))  # now from the kept rows

    accounts = reads.account_book(request_as(nasty), BOOKS[url]).sorted_by(sort)
    expected = rows_before(accounts, threshold, f"{url}topup/")
    assert same_markup(table_body(first)) == same_markup(expected)
    assert table_body(again) == table_body(first)


def test_hostile_names_stay_escaped_and_encoded_in_kept_rows(nasty):
    page_of(nasty.get("/clients/"))
    page = page_of(nasty.get("/clients/"))

    assert "<script>" not in page
    assert "&amp;amp; already escaped" in page
    assert "{{ account.name }} {% if %}" in page  # shown as text, never rendered
    encoded = "%7B%7B%20account.name%20%7D%7D%20%7B%25%20if%20%25%7D"
    assert f'href="/clients/topup/?name={encoded}"' in page


def test_the_low_mark_follows_the_threshold_while_the_read_is_reused(nasty):
    pages = {}
    for threshold in (100, 0, 101):
        set_threshold(threshold)
        pages[threshold] = page_of(nasty.get("/clients/"))

    assert calls("nasty", "resellerclients") == 1  # one read served every page
    for threshold, page in pages.items():
        low = sum(balance < threshold for balance in BALANCES)
        assert page.count('<tr class="is-low">') == low
        assert page.count('<span class="badge badge-low">Low</span>') == low
    assert "is-low" not in pages[0]


def test_each_row_is_rendered_once_per_read(nasty, monkeypatch):
    rendered = []
    real = dashboard._table_row

    def counting(account, low, top_up_url, extra):
        rendered.append(account.name)
        return real(account, low, top_up_url, extra)

    monkeypatch.setattr(dashboard, "_table_row", counting)
    for sort in ["name", "-name", "balance", "name"]:
        page_of(nasty.get("/clients/", {"sort": sort}))

    assert sorted(rendered) == sorted(NASTY)
    page_of(nasty.get("/clients/", {"refresh": "1"}))  # a new read renders its rows anew
    assert len(rendered) == 2 * len(NASTY)


def test_the_csv_is_unchanged_by_kept_rows(nasty):
    page_of(nasty.get("/clients/", {"sort": "balance"}))

    rows = csv_rows(nasty.get("/clients/", {"format": "csv", "sort": "balance"}))

    book = reads.account_book(request_as(nasty), CLIENTS)
    assert rows == [
        ["name", "balance", "days_left"],
        *([safe_cell(a.name), str(a.balance), ""] for a in book.sorted_by("balance")),
    ]
    assert ['\'=HYPERLINK("http://evil.example","click")', "99", ""] in rows
    assert len(rows) == 1 + len(NASTY)


# --- AccountBook.table_row ------------------------------------------------------------------


def rendering_into(seen):
    def render(account, low, top_up_url, extra):
        seen.append((account.name, low, top_up_url))
        return f"{account.name}:{low}:{top_up_url}"

    return render


def test_a_book_keeps_one_row_per_account_low_mark_and_address():
    book = reads.AccountBook([Account("a", 1), Account("b", 2)])
    seen = []
    render = rendering_into(seen)

    first = [book.table_row(a, a.balance < 2, "/clients/topup/", render) for a in book]
    again = [book.table_row(a, a.balance < 2, "/clients/topup/", render) for a in book]
    marked = book.table_row(book[1], True, "/clients/topup/", render)

    assert first == again == ["a:True:/clients/topup/", "b:False:/clients/topup/"]
    assert marked == "b:True:/clients/topup/"
    assert seen == [
        ("a", True, "/clients/topup/"),
        ("b", False, "/clients/topup/"),
        ("b", True, "/clients/topup/"),
    ]


def test_an_equal_account_from_elsewhere_is_not_taken_for_a_kept_one():
    book = reads.AccountBook([Account("a", 1)])
    book.table_row(book[0], False, "/x/", lambda account, low, url, extra: "kept")

    assert book.table_row(Account("a", 1), False, "/x/", lambda a, low, url, extra: "own") == "own"


def test_a_book_keeps_at_most_so_many_rows(monkeypatch):
    monkeypatch.setattr(reads, "MAX_KEPT_ROWS", 2)
    book = reads.AccountBook([Account(f"c{n}", n) for n in range(3)])
    seen = []
    render = rendering_into(seen)

    for _ in range(2):
        for account in book:
            book.table_row(account, False, "/x/", render)

    # The first two are kept; the third is rendered each time it is shown.
    assert [name for name, _, _ in seen] == ["c0", "c1", "c2", "c2"]
