"""The services work without a browser request: a plain function, with a credential source made
here, reads balances and books, tops up, sends and reconciles, as a worker or a payment
callback will."""

import uuid

import pytest

from accounts.models import Reseller
from messaging import reads, reconcile, sending, topups
from messaging.acting import Acting
from messaging.books import CLIENTS, SUB_ACCOUNTS
from messaging.gateway import Gateway
from messaging.models import LedgerEntry
from simulator import faults
from tests.conftest import ALICE_PASSWORD
from tests.topup_helpers import account, reseller

# The dashboard's reads run in pool threads with their own database connections.
pytestmark = pytest.mark.django_db(transaction=True)
Status = LedgerEntry.Status


class HandedCredential:
    """A credential source made for these tests: a username and password handed over, and a
    count of the times mSpace refused them."""

    def __init__(self, username, password):
        self.username = username
        self._password = password
        self.refusals = 0

    def password(self):
        return self._password

    def refused(self, error):
        self.refusals += 1


def nightly_job(credential) -> dict:
    """What a background job does for alice, with no request anywhere."""
    acting = Acting(Reseller.of_username("alice"), Gateway(credential), actor_name="nightly job")
    figures = reads.dashboard(acting)
    before = reads.balance(acting, fresh=True)
    mama = next(a for a in reads.accounts(acting, CLIENTS) if a.name == "Mama Mboga Traders")
    topped_up = topups.top_up(
        acting,
        CLIENTS,
        form_key=uuid.uuid4(),
        name=mama.name,
        amount=100,
        balance_before=before,
        target_balance_before=mama.balance,
    ).entry
    sms = sending.OutgoingSms("ALICESHOP", "254712345678", "Habari! Your credit is topped up.")
    sent = sending.send_test_sms(acting, sms, form_key=uuid.uuid4(), balance_before=before).entry
    # mSpace drops the connection after taking a sub-account top-up: nobody knows; a check
    # of the balances settles it.
    faults.inject("subacctopup", "reset", times=1)
    nairobi = next(a for a in reads.accounts(acting, SUB_ACCOUNTS) if a.name == "alice-nairobi")
    unknown = topups.top_up(
        acting,
        SUB_ACCOUNTS,
        form_key=uuid.uuid4(),
        name=nairobi.name,
        amount=25,
        balance_before=reads.balance(acting, fresh=True),
        target_balance_before=nairobi.balance,
    ).entry
    status_before_check = unknown.status
    finding = reconcile.check(acting, unknown)
    return {
        "figures": figures,
        "topped_up": topped_up,
        "sent": sent,
        "unknown_before_check": status_before_check,
        "finding": finding,
        "balance_after": reads.balance(acting),
    }


def test_a_plain_function_reads_tops_up_sends_and_reconciles(alice):
    credential = HandedCredential("alice", ALICE_PASSWORD)

    done = nightly_job(credential)

    assert done["figures"].balance == 5000
    assert {a.name for a in done["figures"].sub_accounts} == {"alice-nairobi", "alice-kampala"}
    assert done["topped_up"].status == Status.SUCCEEDED
    assert account("alice", "Mama Mboga Traders").balance == 1300
    assert done["sent"].status == Status.SUCCEEDED and done["sent"].message_id
    assert done["unknown_before_check"] == Status.UNKNOWN
    assert done["finding"].status == Status.SUCCEEDED
    assert account("alice", "alice-nairobi").balance == 325
    # A cached read is never older than the job's own writes.
    assert done["balance_after"] == reseller("alice").balance == 5000 - 100 - 1 - 25
    rows = LedgerEntry.objects.order_by("id")
    assert [(e.actor, e.actor_name) for e in rows] == [(None, "nightly job")] * 3
    assert {e.reseller.username for e in rows} == {"alice"}
    assert credential.refusals == 0


def test_refused_credentials_are_reported_to_their_source_once(alice):
    credential = HandedCredential("alice", "not-the-password")
    acting = Acting(Reseller.of_username("alice"), Gateway(credential), actor_name="nightly job")

    entry = topups.top_up(
        acting,
        CLIENTS,
        form_key=uuid.uuid4(),
        name="Jinja Fish",
        amount=5,
        balance_before=5000,
        target_balance_before=0,
    ).entry

    assert entry.status == Status.FAILED
    assert credential.refusals == 1
    assert acting.gateway.refused
