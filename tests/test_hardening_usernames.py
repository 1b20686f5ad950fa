"""Attack 6 of issue 15: "caseuser", "CaseUser" and "CASEUSER" became three local users, so one
mSpace account's ledger split in three and the one-open-top-up-per-account guard could be
sidestepped. Now a username has one canonical form (trimmed, NFKC, case-folded) for local
identity, throttling and ledgers, while mSpace receives what was typed."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.identity import canonical_username
from messaging.models import LedgerEntry
from simulator import faults
from simulator.models import SimCall
from simulator.seed import make_account
from tests.accounts_helpers import post_login
from tests.topup_helpers import outcome_entry, top_up, top_up_calls

PASSWORD = "Case-pass/é 1"


@pytest.fixture
def caseuser(db):
    return make_account(
        "CaseUser", PASSWORD, balance=1000, clients=[("Mama Mboga Traders", 5)], subaccounts=[]
    )


def logged_in(spelling):
    client = Client()
    assert post_login(client, spelling, PASSWORD).status_code == 302
    return client


def test_three_spellings_are_one_local_user(caseuser):
    for spelling in ("caseuser", "CaseUser", " CASEUSER "):
        logged_in(spelling)

    users = get_user_model().objects.values_list("username", flat=True)
    assert list(users) == ["caseuser"]


def test_mspace_receives_the_username_as_typed(caseuser):
    client = logged_in("CaseUser")
    client.get("/clients/")

    names = set(SimCall.objects.values_list("username", flat=True))
    assert names == {"CaseUser"}


def test_the_ledger_is_one_whatever_the_spelling(caseuser):
    faults.inject("resellerclienttopup", "reset", times=1)  # outcome unknown: the account is open
    first = outcome_entry(top_up(logged_in("CaseUser"), noofsms="10"))
    assert first.status == LedgerEntry.Status.UNKNOWN

    other_spelling = logged_in("caseuser")
    response = top_up(other_spelling, noofsms="10")

    assert top_up_calls().count() == 1  # the guard held: no second top-up reached mSpace
    assert response.status_code == 200
    assert "Settle the last top-up of this client first" in response.content.decode()
    # And the other spelling sees the same ledger row.
    assert other_spelling.get(f"/topups/{first.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("CaseUser", "caseuser"),
        ("  CASEUSER\t", "caseuser"),
        ("ＣａｓｅＵｓｅｒ", "caseuser"),  # full-width letters, as some phone keyboards type
        ("Straße", "strasse"),
        ("ﬁdel", "fidel"),  # a ligature
    ],
)
def test_the_canonical_form_is_trimmed_nfkc_and_case_folded(typed, canonical):
    assert canonical_username(typed) == canonical
