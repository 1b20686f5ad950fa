"""Choosing the account and the amount of a top-up, in Chromium (issue 24, points 1 and 6):
names in reading order, a 10,000-client book searched by typing (and without script), a
warning while an amount above the balance is typed, and a large top-up confirmed twice."""

import re

import pytest
from playwright.sync_api import expect

from messaging.folding import fold
from messaging.models import LedgerEntry
from simulator.models import SimAccount, SimCall
from simulator.seed import BENCH_PREFIX, DEMO_CLIENTS, seed_demo
from tests.browser.conftest import submit

pytestmark = pytest.mark.django_db(transaction=True)

OUTCOME_URL = re.compile(r"/topups/\d+/$")


def client_balance(name: str) -> int:
    return SimAccount.objects.get(username=name, parent__isnull=False).balance


def chosen_names(page) -> list[str]:
    return [
        v for v in page.locator("#id_name option").evaluate_all("os => os.map(o => o.value)") if v
    ]


def test_the_choices_come_in_name_order_as_people_read(reseller):
    reseller.goto("/clients/topup/")

    names = chosen_names(reseller)
    assert names == sorted((name for name, _ in DEMO_CLIENTS), key=lambda n: (fold(n), n))
    assert names != [name for name, _ in DEMO_CLIENTS]  # not the gateway's order


@pytest.fixture
def big_book(demo_world, settings):
    # Reading a 10,000-client book takes the simulator a second when the machine is quiet and
    # more than the suite's 2 s gateway timeout when it is busy; the shipped default is 10 s.
    settings.MSPACE_TIMEOUT = 10
    seed_demo(clients=10_000)
    return f"{BENCH_PREFIX}04242"


def test_a_10000_client_book_is_searched_by_typing(reseller, big_book):
    reseller.goto("/clients/topup/")
    assert len(chosen_names(reseller)) == 100  # not one enormous list

    reseller.get_by_label("Number of SMS").fill("25")
    reseller.get_by_label("Search by name").press_sequentially(big_book[-9:], delay=20)

    expect(reseller.locator("#id_name")).to_have_value(big_book)  # one match: chosen
    assert chosen_names(reseller) == [big_book]
    assert reseller.get_by_label("Number of SMS").input_value() == "25"  # nothing lost
    before = client_balance(big_book)
    reseller.get_by_role("button", name="Top up").click()

    reseller.wait_for_url(OUTCOME_URL)
    assert client_balance(big_book) == before + 25


def test_without_script_the_search_still_finds_the_client(open_page, big_book):
    page = open_page(logged_in=True, javascript=False)
    page.goto("/clients/topup/")

    page.get_by_label("Search by name").fill(big_book[-9:])
    submit(page, "Find")
    expect(page.locator("#id_name")).to_have_value(big_book)
    page.get_by_label("Number of SMS").fill("30")
    before = client_balance(big_book)
    submit(page, "Top up")

    assert OUTCOME_URL.search(page.url)
    assert client_balance(big_book) == before + 30


def test_an_amount_above_the_balance_is_warned_about_while_typed(reseller):
    reseller.goto("/clients/topup/?name=Kariakor+Shoe+Makers")
    warning = reseller.locator("[data-over-balance]")
    amount = reseller.get_by_label("Number of SMS")

    amount.fill("25001")
    expect(warning).to_be_visible()
    expect(warning).to_have_text(re.compile(r"more than your balance of 25,000 SMS"))
    amount.fill("2500")
    expect(warning).to_be_hidden()

    amount.fill("25001")
    submit(reseller, "Top up")  # the server refuses it all the same
    expect(reseller.locator(".field-error")).to_contain_text("more than your balance")
    assert LedgerEntry.objects.count() == 0


def test_a_large_top_up_is_confirmed_with_its_amount_in_words(reseller):
    before = client_balance("Kariakor Shoe Makers")
    reseller.goto("/clients/topup/?name=Kariakor+Shoe+Makers")
    reseller.get_by_label("Number of SMS").fill("12500")
    submit(reseller, "Top up")

    expect(reseller.get_by_role("heading", level=1)).to_have_text("Confirm a large top-up")
    expect(reseller.locator("#amount-in-words")).to_have_text("Twelve thousand five hundred SMS")
    expect(reseller.locator("#confirm-balance-after")).to_have_text("12,500")
    expect(reseller.locator("#confirm-target-after")).to_have_text(f"{int(before) + 12_500:,}")
    assert SimCall.objects.filter(method="resellerclienttopup").count() == 0

    reseller.get_by_role("button", name="Yes, top up 12,500 SMS").dblclick()
    reseller.wait_for_url(OUTCOME_URL)

    assert client_balance("Kariakor Shoe Makers") == before + 12_500
    assert SimCall.objects.filter(method="resellerclienttopup").count() == 1
    assert LedgerEntry.objects.count() == 1
