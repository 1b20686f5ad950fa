"""Words a newcomer needs: what clients and sub-accounts are, a word after logging out, and
how to put the demo back as it was first (README and `make reset-demo`)."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from alerts.models import Alert
from billing.models import Sale
from messaging.models import LedgerEntry
from paybill.models import MpesaPayment
from simulator.models import SimAccount, SimMpesaPayment
from simulator.seed import seed_demo
from tests.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

README = Path(__file__).resolve().parents[1] / "README.md"
MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"
CLIENT_MEANING = "A client is a business you sell SMS to"
SUB_ACCOUNT_MEANING = "A sub-account is an account inside your own"


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.mark.parametrize(
    ("path", "meaning"), [("/clients/", CLIENT_MEANING), ("/subaccounts/", SUB_ACCOUNT_MEANING)]
)
def test_each_list_says_in_one_line_what_its_accounts_are(alice_client, path, meaning):
    assert meaning in text_of(alice_client.get(path))


def test_the_dashboard_says_what_clients_and_sub_accounts_are(alice_client):
    page = text_of(alice_client.get("/"))

    assert CLIENT_MEANING in page
    assert SUB_ACCOUNT_MEANING in page


def test_logging_out_says_so_on_the_login_page(alice_client):
    response = alice_client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain[-1][0].endswith("/accounts/login/")
    assert "You have logged out." in text_of(response)


def test_a_visitor_who_was_not_logged_in_is_not_told_they_logged_out(client):
    response = client.post("/accounts/logout/", follow=True)

    assert "You have logged out." not in text_of(response)


def test_the_readme_says_how_to_reset_the_demo_and_the_makefile_does_it():
    assert "make reset-demo" in README.read_text()
    target = re.search(r"^reset-demo:.*\n((?:\t.*\n)+)", MAKEFILE.read_text(), re.MULTILINE)
    assert target and "manage.py reset_demo" in target.group(1)


def test_resetting_the_demo_puts_balances_and_activity_back_as_they_were_first():
    seed_demo()
    demo = log_in(Client(), "demo", "demo")
    page = demo.get("/clients/topup/", {"name": "Kariakor Shoe Makers"}).content.decode()
    key = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
    demo.post(
        "/clients/topup/", {"name": "Kariakor Shoe Makers", "noofsms": "500", "form_key": key}
    )
    assert SimAccount.objects.get(username="demo", parent=None).balance == 24_500
    assert LedgerEntry.objects.filter(reseller__username="demo").count() == 1
    assert Sale.objects.filter(reseller__username="demo").count() == 1  # issue 19's sale
    alert_sms = LedgerEntry.objects.create(
        reseller=LedgerEntry.objects.first().reseller,
        kind="alert_sms",
        target="254711000111",
        amount=1,
        status="succeeded",
    )
    Alert.objects.create(  # an alert SMS (issue 17) protects its ledger row
        reseller=alert_sms.reseller,
        created_at=alert_sms.created_at,
        channel="sms",
        audience="reseller",
        recipient="254711000111",
        text="Low SMS",
        status="sent",
        send_after=alert_sms.created_at,
        ledger_entry=alert_sms,
    )
    demo.post("/payments/demo/", {"account": "NO SUCH CLIENT", "amount": "100"})
    # An M-Pesa payment (issue 20) protects the ledger row of its top-up.
    MpesaPayment.objects.update(entry=LedgerEntry.objects.get(kind="client_topup"))
    assert MpesaPayment.objects.filter(reseller__username="demo").count() == 1

    out = io.StringIO()
    call_command("reset_demo", stdout=out)

    assert SimAccount.objects.get(username="demo", parent=None).balance == 25_000
    assert LedgerEntry.objects.filter(reseller__username="demo").count() == 0
    assert Sale.objects.filter(reseller__username="demo").count() == 0
    assert not Alert.objects.exists()
    assert not MpesaPayment.objects.exists() and not SimMpesaPayment.objects.exists()
    assert "log in as demo / demo (25,000 SMS)" in out.getvalue()
    assert demo.get("/").status_code == 302  # logged out: the session is gone


@override_settings(MSPACE_SIMULATOR=False)
def test_resetting_refuses_against_the_real_gateway(alice):
    with pytest.raises(CommandError, match="not the demo"):
        call_command("reset_demo")
