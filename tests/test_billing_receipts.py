"""Receipts: every succeeded top-up has one, numbered per reseller without gaps, as a page
and a PDF that says it is not a tax invoice; nobody else's receipt ever opens."""

import io
from decimal import Decimal

import pytest
from PIL import Image
from pypdf import PdfReader

from billing import sales
from billing.models import Sale
from messaging import ledger
from messaging.models import LedgerEntry
from simulator.models import SimFault
from tests.billing_helpers import paid_top_up, pdf_text, set_prices
from tests.topup_helpers import all_at_once, entry, outcome_entry, tenant, top_up

pytestmark = pytest.mark.django_db


def test_the_receipt_pdf_says_who_what_how_much_and_that_it_is_not_a_tax_invoice(
    alice_client,
):
    set_prices(
        "alice",
        default="0.50",
        business_name="Alice Bulk SMS Ltd",
        address="Moi Avenue 12\nNairobi",
    )
    top = paid_top_up(alice_client, amount_paid="2,000")
    response = alice_client.get(f"/topups/{top.pk}/receipt.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="receipt-1.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in [
        "Alice Bulk SMS Ltd",
        "Moi Avenue 12",
        "Nairobi",
        "Receipt No. 1",
        "not a tax invoice",
        "eTIMS",
        "Mama Mboga Traders",
        "4,000 SMS",
        "KES 0.50",
        "KES 2,000.00",
        "QK71ABCD2E",
        f"top-up {top.pk}",
    ]:
        assert expected in text, (expected, text)


def test_the_printable_receipt_page_says_the_same(alice_client):
    set_prices("alice", default="0.50", business_name="Alice Bulk SMS Ltd")
    top = paid_top_up(alice_client, noofsms="1000", method="cash", reference="")
    page = alice_client.get(f"/topups/{top.pk}/receipt/").content.decode()
    assert "Receipt No. 1" in page and "Alice Bulk SMS Ltd" in page
    assert "not a tax invoice" in page and "KES 500.00" in page
    assert f'href="/activity/{top.pk}/"' in page  # traceable to the ledger


def test_receipts_are_numbered_per_reseller_without_gaps(alice_client, bob_client):
    set_prices("alice")
    first = outcome_entry(top_up(alice_client, noofsms="10"))
    SimFault.objects.create(method="resellerclienttopup", kind="refuse", remaining=1)
    failed = outcome_entry(top_up(alice_client, name="Jinja Fish", noofsms="10"))
    second = outcome_entry(top_up(alice_client, name="Kampala Boda Riders", noofsms="10"))
    bobs = outcome_entry(top_up(bob_client, name="Bob Client", noofsms="10"))
    assert failed.status == LedgerEntry.Status.FAILED
    numbers = {
        e.pk: Sale.objects.filter(entry=e).values_list("receipt_number", flat=True).first()
        for e in (first, failed, second, bobs)
    }
    assert numbers == {first.pk: 1, failed.pk: None, second.pk: 2, bobs.pk: 1}


def test_a_top_up_found_to_have_succeeded_later_gets_the_next_number(alice_client):
    set_prices("alice")
    SimFault.objects.create(method="resellerclienttopup", kind="internal_error", remaining=1)
    unknown = paid_top_up(alice_client, amount_paid="10", method="cash", reference="")
    assert unknown.status == LedgerEntry.Status.UNKNOWN
    assert alice_client.get(f"/topups/{unknown.pk}/receipt.pdf").status_code == 404
    later = outcome_entry(top_up(alice_client, name="Jinja Fish", noofsms="10"))
    ledger.resolve(unknown, LedgerEntry.Status.SUCCEEDED, by="alice", note="seen on mSpace")
    response = alice_client.get(f"/topups/{unknown.pk}/receipt.pdf")
    assert "Receipt No. 2" in pdf_text(response.content)
    assert Sale.objects.get(entry=later).receipt_number == 1
    # The payment taken with it is recorded now that the top-up is known to have happened.
    assert Sale.objects.get(entry=unknown).payments.get().amount == Decimal("10.00")


@pytest.mark.django_db(transaction=True)
def test_receipts_issued_at_the_same_moment_never_share_or_skip_a_number(alice):
    alice_tenant = tenant("alice")
    set_prices("alice")
    entries = [entry(alice_tenant, target=f"Client {i}", amount=10 + i) for i in range(6)]
    settled = all_at_once([lambda e=e: sales.settle(e).receipt_number for e in entries])
    assert sorted(settled) == [1, 2, 3, 4, 5, 6]
    again = all_at_once([lambda: sales.catch_up(alice_tenant) for _ in range(3)])
    assert again == [0, 0, 0]
    assert sorted(Sale.objects.values_list("receipt_number", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_another_resellers_receipt_never_opens(alice_client, bob_client):
    set_prices("alice")
    top = paid_top_up(alice_client, amount_paid="10")
    for url in (
        f"/topups/{top.pk}/receipt/",
        f"/topups/{top.pk}/receipt.pdf",
        f"/topups/{top.pk}/payment/",
    ):
        assert bob_client.get(url).status_code == 404, url
    response = bob_client.post(
        f"/topups/{top.pk}/payment/", {"amount": "5", "method": "cash", "reference": ""}
    )
    assert response.status_code == 404
    assert Sale.objects.get(entry=top).payments.count() == 1


def test_a_test_sms_has_no_receipt(alice_client):
    sms = entry(tenant("alice"), kind=LedgerEntry.Kind.TEST_SMS, target="254712345678", amount=1)
    assert alice_client.get(f"/topups/{sms.pk}/receipt.pdf").status_code == 404


def test_the_logo_is_kept_as_png_and_printed_on_the_receipt(alice_client):
    picture = io.BytesIO()
    Image.new("RGB", (1200, 400), "navy").save(picture, format="JPEG")
    picture.seek(0)
    picture.name = "logo.jpg"
    response = alice_client.post(
        "/money/settings/",
        {
            "business_name": "Alice Bulk SMS",
            "address": "Kampala Road 1",
            "currency": "KES",
            "default_price": "0.4",
            "buying_price": "0.25",
            "logo": picture,
        },
    )
    assert response.status_code == 303
    logo = alice_client.get("/money/settings/logo.png")
    assert logo["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(logo.content)).size == (600, 200)
    top = paid_top_up(alice_client, amount_paid="40", method="cash", reference="")
    reader = PdfReader(io.BytesIO(alice_client.get(f"/topups/{top.pk}/receipt.pdf").content))
    assert len(reader.pages[0].images) == 1
    assert "KES 40.00" in reader.pages[0].extract_text()


def test_a_file_that_is_not_a_picture_is_refused_as_a_logo(alice_client):
    fake = io.BytesIO(b"<svg onload=alert(1)></svg>")
    fake.name = "logo.png"
    response = alice_client.post(
        "/money/settings/", {"business_name": "X", "currency": "KES", "logo": fake}
    )
    assert "The logo must be a PNG or JPEG picture." in response.content.decode()
    assert alice_client.get("/money/settings/logo.png").status_code == 404


def test_names_in_any_script_print_in_the_pdf(alice_client):
    set_prices("alice", business_name="Duka la Ñandú — Ковальчук")
    top = outcome_entry(top_up(alice_client, noofsms="5"))
    text = pdf_text(alice_client.get(f"/topups/{top.pk}/receipt.pdf").content)
    assert "Duka la Ñandú — Ковальчук" in text


def test_in_kiswahili_the_receipt_and_its_pdf_speak_kiswahili(alice_client):
    set_prices("alice", default="0.50")
    top = paid_top_up(alice_client, amount_paid="100", method="cash", reference="")
    alice_client.post("/language/", {"language": "sw", "next": "/"})
    page = alice_client.get(f"/topups/{top.pk}/receipt/").content.decode()
    assert "Risiti Na. 1" in page and "si ankara ya kodi" in page
    text = pdf_text(alice_client.get(f"/topups/{top.pk}/receipt.pdf").content)
    assert "Risiti Na. 1" in text and "eTIMS ya KRA" in text
    assert "SMS 200" in text and "Mteja" in text  # the SMS credit and the account, as said
    assert "Pesa taslimu" in text or "pesa taslimu" in text
