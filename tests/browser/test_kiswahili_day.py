"""A reseller's day in Kiswahili, in a real Chromium: choose Kiswahili on the login page, log
in, read the dashboard and both lists, top up a client, send a test SMS, look back over the
activity. No page may show an English word outside names, numbers and a short allow-list.

What counts as English: every word of the app's own English strings (the msgids of the
Kiswahili catalogue) that its Kiswahili never uses, plus the little words any English
sentence has. So a string left unmarked or untranslated on any of these pages fails here.
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from languages import catalog
from messaging.sms import describe, measure
from simulator.seed import DEMO_CLIENTS, DEMO_SUBACCOUNTS
from tests.billing_helpers import set_prices
from tests.browser.conftest import DASHBOARD_URL, DEMO_PASSWORD, DEMO_USERNAME, follow, submit

pytestmark = pytest.mark.django_db(transaction=True)

WORD = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?")
LITTLE_ENGLISH_WORDS = frozenset(
    WORD.findall(
        "the a an and or of to in on at by for from with without your you is are was were be "
        "been has have will can not no this that these it its here there now yet all any more "
        "than"
    )
)
# Names of things, not words of either language.
ALLOWED = {"mspace", "sms", "csv", "gsm", "unicode", "http", "english", "kiswahili", "id"}
# The reseller's business name is a name: it stays as it is in every language.
BUSINESS_NAME = "Demo Bulk SMS Ltd"
MESSAGE = "Habari! Mzigo wako uko tayari dukani, barabara ya Ngong’."
# The page's text a person reads or hears: what is shown, hidden helper text for screen
# readers, and the attributes that are read out or shown on small screens. Parts marked
# with another language (mSpace's own replies, the chooser's "English") are left out.
PAGE_TEXT = """() => {
    const page = document.body.cloneNode(true);
    page.querySelectorAll('[lang]:not([lang="sw"]), script, style').forEach(e => e.remove());
    const said = [document.title, page.textContent];
    page.querySelectorAll("*").forEach(element => {
        for (const name of ["aria-label", "title", "placeholder", "data-label", "alt"]) {
            if (element.hasAttribute(name)) said.push(element.getAttribute(name));
        }
        for (const [name, value] of Object.entries(element.dataset)) {
            if (name.endsWith("Label")) said.push(value);
        }
    });
    return said.join(" ");
}"""


def words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(text)}


@pytest.fixture(scope="module")
def english_words() -> set[str]:
    translations = catalog.read("sw")
    english, kiswahili = set(), set()
    for entry in translations:
        if not entry.id:
            continue
        sources = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        targets = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for text in sources:
            english |= words(re.sub(r"%\(\w+\)s|<[^>]*>", " ", text))
        for text in targets:
            kiswahili |= words(text)
    names = set()
    for name in (*(n for n, _ in (*DEMO_CLIENTS, *DEMO_SUBACCOUNTS)), BUSINESS_NAME):
        names |= words(name)
    return (english | LITTLE_ENGLISH_WORDS) - kiswahili - names - ALLOWED - {DEMO_USERNAME}


def assert_all_kiswahili(page, english_words):
    assert page.evaluate("document.documentElement.lang") == "sw", page.url
    left_in_english = sorted(words(page.evaluate(PAGE_TEXT)) & english_words)
    assert left_in_english == [], f"English on {page.url}: {left_in_english}"


def test_a_reseller_spends_the_day_in_kiswahili(visitor, english_words):
    visitor.goto("/accounts/login/")
    assert visitor.evaluate("document.documentElement.lang") == "en"
    with visitor.expect_navigation():
        visitor.get_by_role("button", name="Kiswahili").click()
    assert_all_kiswahili(visitor, english_words)

    visitor.get_by_label("Jina la mtumiaji").fill(DEMO_USERNAME)
    visitor.get_by_label("Nenosiri").fill(DEMO_PASSWORD)
    visitor.get_by_role("button", name="Ingia").click()
    visitor.wait_for_url(DASHBOARD_URL)
    assert visitor.get_by_role("heading", level=1).inner_text() == "Muhtasari"
    assert visitor.locator("#balance-figure").inner_text() == "25,000 SMS"  # exact figures
    assert_all_kiswahili(visitor, english_words)

    visitor.goto("/subaccounts/")
    assert visitor.get_by_role("heading", level=1).inner_text() == "Akaunti ndogo"
    assert_all_kiswahili(visitor, english_words)

    visitor.goto("/clients/")
    visitor.get_by_label("Tafuta kwa jina").fill("Kariakor")
    with visitor.expect_navigation():
        visitor.get_by_label("Tafuta kwa jina").press("Enter")
    assert_all_kiswahili(visitor, english_words)
    row = visitor.locator("table.account-list tbody tr", has_text="Kariakor Shoe Makers")
    with visitor.expect_navigation():
        row.get_by_role("link", name="Ongeza salio").click()
    assert visitor.get_by_label("Mteja").input_value() == "Kariakor Shoe Makers"
    visitor.get_by_label("Idadi ya SMS").fill("1500")
    expect(visitor.locator("[data-after=target]")).to_have_text("1,547")
    assert_all_kiswahili(visitor, english_words)
    visitor.get_by_role("button", name="Ongeza salio").click()
    visitor.wait_for_url(re.compile(r"/topups/\d+/$"))
    headline = visitor.get_by_role("heading", level=1).inner_text()
    assert headline == "Salio la Kariakor Shoe Makers limeongezwa SMS 1,500."
    assert_all_kiswahili(visitor, english_words)

    visitor.goto("/send/")
    visitor.get_by_label("Jina la mtumaji").fill("DEMO SHOP")
    visitor.get_by_label("Nambari ya simu ya mpokeaji").fill("0712 345 678")
    visitor.get_by_label("Ujumbe").fill(MESSAGE)
    counter = visitor.locator("#message-counter")
    with translation.override("sw"):
        expected = describe(measure(MESSAGE))
    expect(counter).to_have_text(expected)  # the page's counter says what the server says
    assert expected.startswith("herufi ")
    assert_all_kiswahili(visitor, english_words)
    visitor.get_by_role("button", name="Tuma SMS ya majaribio").click()
    visitor.wait_for_url(re.compile(r"/send/\d+/$"))
    assert visitor.get_by_role("heading", level=1).inner_text() == "SMS ya majaribio imetumwa"
    assert_all_kiswahili(visitor, english_words)

    visitor.goto("/activity/")
    assert visitor.locator(".activity-list tbody tr").count() == 2
    assert_all_kiswahili(visitor, english_words)
    with visitor.expect_navigation():
        visitor.get_by_role("link", name=re.compile("^Maelezo")).first.click()
    assert_all_kiswahili(visitor, english_words)


def test_money_and_keep_watch_read_in_kiswahili_too(reseller, english_words):
    """The rest of the reseller's pages: a large top-up paid by M-Pesa, its receipt, the
    money summary, a statement, prices and business details; keep watch turned on, the
    dashboard it adds to, an account's history and the activity."""
    set_prices("demo", default="0.50", business_name=BUSINESS_NAME)
    reseller.goto("/")
    with reseller.expect_navigation():
        reseller.get_by_role("button", name="Kiswahili").click()

    reseller.goto("/clients/topup/?name=Kariakor+Shoe+Makers")
    reseller.get_by_label("Imelipwa", exact=True).check()
    reseller.get_by_label("Kiasi kilicholipwa").fill("6,250")
    expect(reseller.get_by_label("Idadi ya SMS")).to_have_value("12500")  # payment.js
    reseller.get_by_label("Nambari ya marejeo").fill("QK71ABCD2E")
    assert_all_kiswahili(reseller, english_words)
    submit(reseller, "Ongeza salio")
    expect(reseller.locator("#amount-in-words")).to_have_text("SMS elfu kumi na mbili na mia tano")
    assert_all_kiswahili(reseller, english_words)
    submit(reseller, "Ndiyo, ongeza salio SMS 12,500")
    reseller.wait_for_url(re.compile(r"/topups/\d+/$"))
    assert_all_kiswahili(reseller, english_words)
    follow(reseller, reseller.get_by_role("link", name=re.compile(r"^Risiti Na\. \d+$")))
    expect(reseller.locator(".receipt-amount")).to_have_text("KES 6,250.00")  # exact money
    assert_all_kiswahili(reseller, english_words)
    for address in (
        "/money/",
        "/clients/statement/",
        "/clients/statement/?name=Kariakor+Shoe+Makers",
        "/money/prices/",
        "/money/settings/",
    ):
        reseller.goto(address)
        assert_all_kiswahili(reseller, english_words)

    reseller.goto("/watch/")
    assert_all_kiswahili(reseller, english_words)
    reseller.get_by_label("Nenosiri lako la mSpace").fill(DEMO_PASSWORD)
    reseller.get_by_label(re.compile("Nakubali")).check()
    submit(reseller, "Anza kufuatilia salio")
    assert reseller.get_by_role("heading", name="Ufuatiliaji wa salio umewashwa").is_visible()
    assert_all_kiswahili(reseller, english_words)
    for address in ("/", "/clients/history/?name=Kariakor+Shoe+Makers", "/activity/"):
        reseller.goto(address)
        assert_all_kiswahili(reseller, english_words)
    assert reseller.locator(".watch-event-list tbody tr").count() == 1


def test_the_english_detector_finds_english(visitor, english_words):
    """The check above can fail: an English page is full of words it knows."""
    visitor.goto("/accounts/login/")

    found = words(visitor.evaluate(PAGE_TEXT)) & english_words

    assert {"log", "username", "password"} <= found
