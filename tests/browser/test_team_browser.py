"""A team member's first day, in Chromium: the owner invites them from /team/, they open the
e-mailed link, choose a password, set up their authenticator with a code computed here from
the secret the page shows, and top up a client as an Operator, within their daily limit and
through the owner's standing credential."""

import base64
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from messaging.models import LedgerEntry
from simulator.models import SimAccount, SimCall
from tests.browser.conftest import DEMO_PASSWORD, DEMO_USERNAME, follow, submit
from tests.team_helpers import code_from_key
from tests.watch_helpers import start_watching

pytestmark = pytest.mark.django_db(transaction=True)

NEWCOMER = "otieno@demo.example"
PASSWORD = "Otieno's own long passphrase 9"  # noqa: S105 (a test's own password)
OUTCOME_URL = re.compile(r"/topups/\d+/$")


def test_an_invited_operator_joins_enrols_and_tops_up_within_their_limit(reseller, open_page):
    start_watching(DEMO_USERNAME, DEMO_PASSWORD)  # the owner consented to keep watch

    # The owner invites an operator who may top up 2,000 SMS a day.
    reseller.goto("/team/")
    reseller.get_by_label("E-mail address").fill(NEWCOMER)
    reseller.locator("#id_role").select_option("operator")
    reseller.get_by_label("Daily top-up limit (SMS)").fill("2000")
    submit(reseller, "Send the invitation")
    expect(reseller.locator(".messages")).to_contain_text(f"Invitation sent to {NEWCOMER}")
    (invitation,) = mail.outbox
    assert invitation.to == [NEWCOMER]
    link = re.search(r"https?://\S+/team/join/\S+/", invitation.body)[0]

    # The newcomer, in a browser of their own, chooses a password...
    staff = open_page()
    staff.goto(link)
    staff.get_by_label("Choose a password").fill(PASSWORD)
    staff.get_by_label("The same password again").fill(PASSWORD)
    submit(staff, "Join")

    # ...and sets up their authenticator: the QR code is an SVG image drawn on the server,
    # the secret is there to type, and the code comes from it, as their phone would make it.
    assert staff.url.endswith("/team/two-factor/enrol/")
    assert staff.locator("img.totp-qr").get_attribute("src").startswith("data:image/svg+xml")
    secret = staff.locator("#totp-secret").inner_text()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    staff.get_by_label("Code").fill(code_from_key(key))
    submit(staff, "Confirm")
    expect(staff.locator("#recovery-codes li")).to_have_count(10)
    follow(staff, staff.get_by_role("link", name="Continue"))

    # An operator: top-ups and test SMS, not the team or the money pages.
    expect(staff.locator(".who-name")).to_have_text(f"{NEWCOMER} (Operator)")
    nav = staff.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Send test SMS")).to_be_visible()
    expect(nav.get_by_role("link", name="Team")).to_have_count(0)

    # A top-up, through the owner's standing credential.
    staff.goto("/clients/topup/?name=Mama%20Mboga%20Traders")
    staff.get_by_label("Number of SMS").fill("1500")
    staff.get_by_role("button", name="Top up").click()
    staff.wait_for_url(OUTCOME_URL)
    assert staff.get_by_role("heading", level=1).inner_text() == (
        "Topped up Mama Mboga Traders with 1,500 SMS."
    )
    made = LedgerEntry.objects.get()
    assert (made.actor_name, made.status) == (NEWCOMER, LedgerEntry.Status.SUCCEEDED)
    assert SimAccount.objects.get(username="Mama Mboga Traders").balance == 2750

    # Another 600 would pass the 2,000 a day: refused with the reason, mSpace never asked.
    writes = SimCall.objects.writes().count()
    staff.goto("/clients/topup/?name=Mama%20Mboga%20Traders")
    staff.get_by_label("Number of SMS").fill("600")
    submit(staff, "Top up")
    expect(staff.locator("#id_noofsms_error")).to_contain_text("over your daily limit")
    assert SimCall.objects.writes().count() == writes

    # The owner's activity says who did it.
    reseller.goto("/activity/")
    expect(reseller.locator("td.activity-by").first).to_have_text(NEWCOMER)
