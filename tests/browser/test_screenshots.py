"""The README's screenshots: the dashboard, a top-up and the send page, as a reseller sees them,
and the dashboard once more in Kiswahili.

The test always runs and checks what it photographs; only `make screenshots` (SCREENSHOTS=1)
writes the pictures into docs/screenshots/, otherwise they go to a temporary folder.
"""

import re
import struct

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOT_DIR, screenshots_wanted, submit

pytestmark = pytest.mark.django_db(transaction=True)


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])  # IHDR: width, height


def calm(page):
    """No focus ring or caret in the picture: the reader is not typing."""
    page.evaluate("document.activeElement.blur()")


def test_the_readme_screenshots_show_a_top_up_the_send_page_and_the_dashboard(reseller, tmp_path):
    folder = SCREENSHOT_DIR if screenshots_wanted() else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    reseller.goto("/clients/topup/?name=Kariakor+Shoe+Makers")
    reseller.get_by_label("Number of SMS").fill("2000")
    expect(reseller.locator("[data-after=target]")).to_have_text("2,047")  # topup.js ran
    calm(reseller)
    reseller.screenshot(path=folder / "topup.png", full_page=True)
    reseller.get_by_role("button", name="Top up").click()
    reseller.wait_for_url(re.compile(r"/topups/\d+/$"))

    reseller.goto("/send/")
    reseller.get_by_label("Sender ID").fill("DEMO SHOP")
    reseller.get_by_label("Recipient’s mobile number").fill("0712 345 678")
    # A curly apostrophe, not an emoji: it switches to Unicode just the same, and every
    # machine has a font for it (Debian's Chromium may have no emoji font).
    reseller.get_by_label("Message").fill(
        "Habari! Your order is ready for collection at our shop on Ngong’ Road."
    )
    counter = reseller.locator("#message-counter")
    expect(counter).to_have_text(re.compile(r"Unicode \(because of “’”\)$"))
    calm(reseller)
    reseller.screenshot(path=folder / "send.png", full_page=True)
    reseller.get_by_role("button", name="Send test SMS").click()
    reseller.wait_for_url(re.compile(r"/send/\d+/$"))

    reseller.goto("/")
    # 2,000 SMS to Kariakor, 1 for the test SMS.
    assert reseller.locator("#balance-figure").inner_text() == "22,999 SMS"
    assert reseller.locator(".recent-activity tbody tr").count() == 2
    reseller.screenshot(path=folder / "dashboard.png", full_page=True)

    for name in ("dashboard", "topup", "send"):
        width, height = png_size(folder / f"{name}.png")
        assert width == DESKTOP["width"]
        assert height >= DESKTOP["height"]


def test_the_readme_screenshots_show_a_receipt_and_a_statement(reseller, tmp_path):
    """A top-up by amount paid (payment.js works out the SMS), its receipt and the client's
    statement, as the README shows them."""
    from tests.billing_helpers import pdf_text, set_prices

    folder = SCREENSHOT_DIR if screenshots_wanted() else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    set_prices(
        "demo",
        default="0.50",
        buying="0.32",
        business_name="Demo Bulk SMS Ltd",
        address="Kenyatta Avenue 21\nNairobi, Kenya",
    )

    reseller.goto("/clients/topup/?name=Kariakor+Shoe+Makers")
    reseller.get_by_label("Paid", exact=True).check()
    reseller.get_by_label("Amount paid").fill("1,000")
    expect(reseller.locator("#payment-preview")).to_have_text(
        "The amount paid buys 2,000 SMS at KES 0.50; KES 0.00 left over."
    )
    expect(reseller.get_by_label("Number of SMS")).to_have_value("2000")  # filled in for us
    expect(reseller.locator("[data-after=target]")).to_have_text("2,047")  # topup.js too
    reseller.get_by_label("Reference").fill("qk71abcd2e")
    reseller.get_by_role("button", name="Top up").click()
    reseller.wait_for_url(re.compile(r"/topups/\d+/$"))

    reseller.get_by_role("link", name=re.compile(r"^Receipt No\. \d+$")).click()
    reseller.wait_for_url(re.compile(r"/topups/\d+/receipt/$"))
    expect(reseller.locator(".receipt-amount")).to_have_text("KES 1,000.00")
    expect(reseller.locator(".not-tax-invoice")).to_contain_text("not a tax invoice")
    calm(reseller)
    reseller.screenshot(path=folder / "receipt.png", full_page=True)
    pdf = reseller.request.get(
        reseller.get_by_role("link", name="Download the PDF").get_attribute("href")
    )
    assert "QK71ABCD2E" in pdf_text(pdf.body())

    reseller.goto("/clients/statement/")
    reseller.get_by_role("link", name="Kariakor Shoe Makers").click()
    expect(reseller.locator(".statement-closing")).to_have_text("KES 0.00")
    calm(reseller)
    reseller.screenshot(path=folder / "statement.png", full_page=True)

    for name in ("receipt", "statement"):
        width, height = png_size(folder / f"{name}.png")
        assert width == DESKTOP["width"]
        assert height >= DESKTOP["height"]


def test_the_readme_screenshots_show_the_phone_list_and_a_large_top_up_confirmed(
    open_page, tmp_path
):
    folder = SCREENSHOT_DIR if screenshots_wanted() else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    phone = open_page(logged_in=True, viewport=PHONE)
    phone.goto("/clients/?sort=balance")
    expect(phone.locator("table.account-list tbody tr").first.locator(".badge-low")).to_be_visible()
    calm(phone)
    phone.screenshot(path=folder / "phone-list.png")

    desktop = open_page(logged_in=True)
    desktop.goto("/clients/topup/?name=Kariakor+Shoe+Makers")
    desktop.get_by_label("Number of SMS").fill("12500")
    submit(desktop, "Top up")
    expect(desktop.locator("#amount-in-words")).to_have_text("Twelve thousand five hundred SMS")
    calm(desktop)
    desktop.screenshot(path=folder / "topup-confirm.png", full_page=True)

    assert png_size(folder / "phone-list.png") == (PHONE["width"], PHONE["height"])
    assert png_size(folder / "topup-confirm.png")[0] == DESKTOP["width"]


def test_the_readme_screenshot_in_kiswahili_shows_the_dashboard(reseller, tmp_path):
    folder = SCREENSHOT_DIR if screenshots_wanted() else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    reseller.goto("/")

    with reseller.expect_navigation():
        reseller.get_by_role("button", name="Kiswahili").click()

    assert reseller.get_by_role("heading", level=1).inner_text() == "Muhtasari"
    assert reseller.locator("#balance-figure").inner_text() == "25,000 SMS"
    calm(reseller)
    reseller.screenshot(path=folder / "dashboard-sw.png", full_page=True)
    width, height = png_size(folder / "dashboard-sw.png")
    assert width == DESKTOP["width"]
    assert height >= DESKTOP["height"]
