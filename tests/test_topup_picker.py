"""Choosing the account to top up: by name as people read, and searchable in a big book."""

import re

import pytest

from messaging import picker
from simulator.models import SimAccount
from simulator.seed import make_account
from tests.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

# Big enough to be cut short; the browser test uses a 10,000-client book.
BIG = 1_000


def options_of(html: str) -> list[str]:
    select = re.search(r'<select name="name".*?</select>', html, re.DOTALL).group(0)
    return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]


def selected_in(html: str) -> list[str]:
    select = re.search(r'<select name="name".*?</select>', html, re.DOTALL).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def mixed_client(client):
    make_account(
        "mixed",
        "mixed-pass",
        balance=50_000,
        clients=[
            ("Mama Mboga Traders", 10),
            ("Nakuru Dairy Coop", 20),
            ("Kisumu Water Works", 30),
            ("Ébène Salon", 40),
            ("café Ngong’ Road", 50),
            ("amani Bakery", 60),
        ],
        subaccounts=[("zeta branch", 1), ("Alpha branch", 2), ("Ñairobi branch", 3)],
    )
    return log_in(client, "mixed", "mixed-pass")


@pytest.fixture
def big_client(client):
    make_account(
        "bigbook",
        "bigbook-pass",
        balance=900_000,
        clients=[(f"Duka {n:04d}", n % 700) for n in range(BIG, 0, -1)],
        subaccounts=[],
    )
    return log_in(client, "bigbook", "bigbook-pass")


def test_the_choices_are_sorted_by_name_ignoring_case_and_accents(mixed_client):
    html = mixed_client.get("/clients/topup/").content.decode()

    assert options_of(html) == [
        "amani Bakery",
        "café Ngong’ Road",
        "Ébène Salon",
        "Kisumu Water Works",
        "Mama Mboga Traders",
        "Nakuru Dairy Coop",
    ]


def test_the_sub_account_choices_are_sorted_too(mixed_client):
    html = mixed_client.get("/subaccounts/topup/").content.decode()

    assert options_of(html) == ["Alpha branch", "Ñairobi branch", "zeta branch"]


def test_a_short_book_lists_everything_without_a_search_box(mixed_client):
    html = mixed_client.get("/clients/topup/").content.decode()

    assert 'id="account-search"' not in html


def test_a_big_book_lists_the_first_hundred_and_offers_a_search(big_client):
    html = big_client.get("/clients/topup/").content.decode()

    assert 'id="account-search"' in html
    assert options_of(html) == [f"Duka {n:04d}" for n in range(1, picker.SHOWN_AT_MOST + 1)]
    assert "The first 100 of 1,000 by name are listed below" in text_of(html)


def test_a_search_narrows_the_list_without_script(big_client):
    html = big_client.get("/clients/topup/", {"q": "duka 042"}).content.decode()

    assert options_of(html) == [f"Duka 042{n}" for n in range(10)]
    assert "10 of 1,000 match “duka 042”." in text_of(html)


def test_a_search_with_one_match_chooses_it(big_client):
    html = big_client.get("/clients/topup/", {"q": "DUKA  0999"}).content.decode()

    assert selected_in(html) == ["Duka 0999"]


def test_a_search_with_no_match_says_so(big_client):
    html = big_client.get("/clients/topup/", {"q": "nobody"}).content.decode()

    assert options_of(html) == []
    assert "Nothing matches “nobody”" in text_of(html)


def test_an_account_beyond_the_first_hundred_can_be_topped_up(big_client):
    html = big_client.get("/clients/topup/", {"name": "Duka 0999"}).content.decode()
    assert selected_in(html) == ["Duka 0999"]
    key = re.search(r'name="form_key" value="([^"]+)"', html).group(1)

    response = big_client.post(
        "/clients/topup/", {"name": "Duka 0999", "noofsms": "5", "form_key": key}
    )

    assert response.status_code == 303
    assert SimAccount.objects.get(username="Duka 0999").balance == 999 % 700 + 5
