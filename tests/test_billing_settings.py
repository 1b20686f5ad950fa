"""The business details and prices pages."""

from decimal import Decimal

import pytest

from billing.models import AccountPrice, BusinessProfile
from simulator.models import SimFault
from tests.topup_helpers import tenant

pytestmark = pytest.mark.django_db


def test_it_saves_the_business_details_and_default_prices(alice_client):
    response = alice_client.post(
        "/money/settings/",
        {
            "business_name": "Alice Bulk SMS",
            "address": "Moi Avenue 12",
            "currency": "UGX",
            "default_price": "27.5",
            "buying_price": "",
        },
    )
    assert response.status_code == 303
    profile = BusinessProfile.objects.get(reseller=tenant("alice"))
    assert (profile.business_name, profile.currency, profile.default_price) == (
        "Alice Bulk SMS",
        "UGX",
        Decimal("27.5"),
    )
    assert profile.buying_price is None


def test_a_bad_price_is_refused_with_a_clear_message_and_nothing_saved(alice_client):
    response = alice_client.post(
        "/money/settings/", {"business_name": "X", "currency": "KES", "default_price": "0.5.0"}
    )
    assert "Enter a price per SMS such as 0.50." in response.content.decode()
    assert not BusinessProfile.objects.filter(business_name="X").exists()


def test_an_account_gets_its_own_price_and_loses_it_again(alice_client):
    page = alice_client.get("/money/prices/").content.decode()
    assert "Mama Mboga Traders" in page and "Jinja Fish" in page
    alice_client.post(
        "/money/prices/",
        {"book": "clients", "name": "Jinja Fish", "price": "0.45", "currency": "KES"},
    )
    assert AccountPrice.objects.get(name="Jinja Fish").price == Decimal("0.45")
    assert 'value="0.45"' in alice_client.get("/money/prices/").content.decode()
    alice_client.post(
        "/money/prices/", {"book": "clients", "name": "Jinja Fish", "price": "", "currency": "KES"}
    )
    assert not AccountPrice.objects.exists()


def test_sub_accounts_have_prices_too(alice_client):
    page = alice_client.get("/money/prices/?book=subaccounts").content.decode()
    assert "alice-nairobi" in page
    alice_client.post(
        "/money/prices/",
        {"book": "subaccounts", "name": "alice-nairobi", "price": "0.3", "currency": "KES"},
    )
    assert AccountPrice.objects.get().kind == "subaccount_topup"


def test_a_price_for_an_account_not_in_the_list_is_refused(alice_client, bob):
    response = alice_client.post(
        "/money/prices/",
        {"book": "clients", "name": "Bob Client", "price": "1", "currency": "KES"},
    )
    assert "That account is not in your list on mSpace." in response.content.decode()
    assert not AccountPrice.objects.exists()


def test_the_prices_page_says_plainly_when_mspace_cannot_be_read(alice_client):
    SimFault.objects.create(method="resellerclients", kind="http500")
    response = alice_client.get("/money/prices/")
    assert response.status_code == 200
    assert "read your list from mSpace" in response.content.decode()
