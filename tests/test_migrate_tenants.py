"""An existing database migrates in place: every ledger row, preference, session, keep-watch row
and billing row keeps its meaning when they move from the logged-in user to the tenant
(`accounts.Reseller`).

Each test rolls the schema back to before the tenant existed, fills it as the previous release
would have, migrates forward, and compares.
"""

import itertools
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, RequestFactory

from accounts import vault
from accounts.models import Reseller
from accounts.sessions import SessionStore
from messaging.models import LedgerEntry, ResellerPreferences
from tests.conftest import ALICE_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("messaging", "0001_initial"),
    ("watch", "0001_initial"),
    ("billing", "0001_initial"),
    ("accounts", None),
]
KINDS = ("client_topup", "subaccount_topup", "test_sms")
STATUSES = ("pending", "succeeded", "failed", "unknown")
# Every column of the old ledger except the user it hung on: none may change.
KEPT = (
    "form_key",
    "kind",
    "target",
    "amount",
    "status",
    "detail",
    "gateway_reply",
    "message_id",
    "sender_id",
    "message",
    "balance_before",
    "target_balance_before",
    "created_at",
    "updated_at",
    "completed_at",
    "reconciled_at",
    "reconciled_by",
    "reconcile_note",
)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def migrate_to_the_latest():
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def old_schema():
    """The schema of the release before tenants; the latest again afterwards."""
    old_apps = migrate(BEFORE)
    yield old_apps
    migrate_to_the_latest()


def old_rows(old_apps, person, count_from=0):
    """A ledger row of every kind in every status for `person`, as the old release wrote."""
    OldEntry = old_apps.get_model("messaging", "LedgerEntry")
    made = []
    for n, (kind, status) in enumerate(itertools.product(KINDS, STATUSES), start=count_from):
        made.append(
            OldEntry.objects.create(
                reseller_id=person.pk,
                form_key=uuid.uuid4(),
                kind=kind,
                target=f"account {n}" if kind != "test_sms" else "254712345678",
                amount=n + 1,
                status=status,
                detail=f"detail {n}",
                gateway_reply=f"reply {n}",
                message_id=f"id{n}" if status == "succeeded" else "",
                sender_id="SHOP" if kind == "test_sms" else "",
                message="Habari" if kind == "test_sms" else "",
                balance_before=5000 - n,
                target_balance_before=n if kind != "test_sms" else None,
                reconciled_by="alice (balance check)" if status == "failed" else "",
                reconcile_note="checked" if status == "failed" else "",
            )
        )
    return made


def snapshot(entry):
    return {field: getattr(entry, field) for field in KEPT}


def test_every_ledger_row_keeps_its_meaning_and_gains_its_tenant_and_actor(old_schema):
    people = get_user_model().objects
    alice, bob = people.create(username="Alice"), people.create(username="bob")
    before = {e.pk: (snapshot(e), "Alice") for e in old_rows(old_schema, alice)}
    before |= {e.pk: (snapshot(e), "bob") for e in old_rows(old_schema, bob, count_from=100)}

    migrate_to_the_latest()

    after = LedgerEntry.objects.select_related("reseller", "actor")
    assert after.count() == len(before) == 24
    for entry in after:
        kept, person = before[entry.pk]
        assert snapshot(entry) == kept
        assert entry.actor.username == entry.actor_name == person
        assert entry.reseller.username == person.casefold()
    assert set(Reseller.objects.values_list("username", flat=True)) == {"alice", "bob"}


def test_people_whose_names_differ_only_in_case_become_one_tenant(old_schema):
    OldPreferences = old_schema.get_model("messaging", "ResellerPreferences")
    people = get_user_model().objects
    typed_one_way, typed_another = people.create(username="ALICE"), people.create(username="alice")
    old_rows(old_schema, typed_one_way)
    old_rows(old_schema, typed_another, count_from=100)
    OldPreferences.objects.create(reseller_id=typed_one_way.pk, low_balance=10)
    OldPreferences.objects.create(reseller_id=typed_another.pk, low_balance=250)  # changed last

    migrate_to_the_latest()

    alice = Reseller.objects.get()
    assert alice.username == "alice"
    assert LedgerEntry.objects.filter(reseller=alice).count() == 24
    assert set(LedgerEntry.objects.values_list("actor_name", flat=True)) == {"ALICE", "alice"}
    assert ResellerPreferences.objects.get().reseller == alice
    assert ResellerPreferences.low_balance_for(alice) == 250


def test_a_preference_stays_with_its_reseller(old_schema):
    OldPreferences = old_schema.get_model("messaging", "ResellerPreferences")
    people = get_user_model().objects
    bob, nora = people.create(username="bob"), people.create(username="Nora")
    OldPreferences.objects.create(reseller_id=bob.pk, low_balance=7)
    OldPreferences.objects.create(reseller_id=nora.pk, low_balance=900)

    migrate_to_the_latest()

    assert ResellerPreferences.low_balance_for(Reseller.objects.get(username="bob")) == 7
    assert ResellerPreferences.low_balance_for(Reseller.objects.get(username="nora")) == 900


def test_a_session_from_before_the_migration_still_opens_its_pages(old_schema, alice):
    person = get_user_model().objects.create(username="alice")
    person.set_unusable_password()
    person.save()
    (mine,) = [e for e in old_rows(old_schema, person) if e.status == "unknown"][:1]
    # A logged-in session as the old release left it: user, clocks, vaulted password.
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.session.update(
        {
            "_auth_user_id": str(person.pk),
            "_auth_user_backend": "accounts.backends.MspaceBackend",
            "_auth_user_hash": person.get_session_auth_hash(),
        }
    )
    vault.store(request, ALICE_PASSWORD)
    request.session.save()

    migrate_to_the_latest()

    browser = Client()
    browser.cookies["sessionid"] = request.session.session_key
    browser.cookies[vault.KEY_COOKIE] = request._vault_new_key
    entry_page = browser.get(f"/activity/{mine.pk}/")
    assert entry_page.status_code == 200
    assert "unknown" in entry_page.content.decode()
    dashboard = browser.get("/").content.decode()  # the vault still opens: mSpace is asked
    assert 'id="balance-figure">5,000' in dashboard


def test_two_open_top_ups_of_one_account_by_one_tenant_stop_the_migration_plainly(old_schema):
    OldEntry = old_schema.get_model("messaging", "LedgerEntry")
    people = get_user_model().objects
    for person in (people.create(username="Alice"), people.create(username="alice")):
        OldEntry.objects.create(
            reseller_id=person.pk, kind="client_topup", target="Jinja Fish", amount=5
        )

    with pytest.raises(Exception, match="more than one open top-up of 'Jinja Fish'"):
        migrate_to_the_latest()

    # Settled with the previous release as the message says, the migration goes through.
    OldEntry = migrate([("messaging", "0002_tenant_and_actor")]).get_model(
        "messaging", "LedgerEntry"
    )
    OldEntry.objects.filter(reseller__username="Alice").update(status="failed")
    migrate_to_the_latest()
    assert LedgerEntry.objects.filter(reseller__username="alice").count() == 2


def test_the_migration_goes_back_to_one_user_per_row(old_schema):
    people = get_user_model().objects
    alice = people.create(username="Alice")
    made = {e.pk: snapshot(e) for e in old_rows(old_schema, alice)}
    migrate_to_the_latest()

    OldEntry = migrate(BEFORE).get_model("messaging", "LedgerEntry")

    assert {e.pk: snapshot(e) for e in OldEntry.objects.all()} == made
    assert set(OldEntry.objects.values_list("reseller_id", flat=True)) == {alice.pk}


# --- watch/ and billing/ ------------------------------------------------------------------


def old_watch_and_billing(old_apps, person, entries):
    """A row of every watch/ and billing/ model for `person`, as the previous release wrote,
    the standing credential encrypted for the user it hung on; returns what must survive."""
    from decimal import Decimal

    from django.utils import timezone

    from watch import credential

    model = lambda app, name: old_apps.get_model(app, name)  # noqa: E731
    now = timezone.now()
    model("watch", "StandingCredential").objects.create(
        reseller_id=person.pk, ciphertext=credential.encrypt(person.pk, ALICE_PASSWORD)
    )
    for kind in ("started", "stopped", "rotated", "auto_stopped"):
        model("watch", "WatchEvent").objects.create(
            reseller_id=person.pk, kind=kind, by=person.username, detail=f"event {kind}"
        )
    for source in ("worker", "page"):
        model("watch", "WatchRound").objects.create(
            reseller_id=person.pk, at=now, source=source, books_read="own,clients", problem=""
        )
    for book, name in (("own", ""), ("clients", "Mama"), ("subaccounts", "alice-nairobi")):
        account = model("watch", "WatchedAccount").objects.create(
            reseller_id=person.pk,
            book=book,
            name=name,
            balance=700,
            first_seen=now,
            changed_at=now,
            seen_at=now,
        )
        model("watch", "BalancePoint").objects.create(account=account, at=now, balance=700)
        model("watch", "DailyUse").objects.create(
            account=account, day=now.date(), used=30, topped_up=5
        )
    model("billing", "BusinessProfile").objects.create(
        reseller_id=person.pk,
        business_name="Alice Traders",
        default_price=Decimal("0.5"),
        next_receipt_number=3,
    )
    for kind in ("client_topup", "subaccount_topup"):
        model("billing", "AccountPrice").objects.create(
            reseller_id=person.pk, kind=kind, name="Mama", price=Decimal("0.4"), currency="KES"
        )
    top_ups = [e for e in entries if e.kind != "test_sms"]
    for number, entry in enumerate(top_ups[:3], start=1):
        sale = model("billing", "Sale").objects.create(
            reseller_id=person.pk,
            form_key=entry.form_key,
            entry_id=entry.pk,
            kind=entry.kind,
            name=entry.target,
            sms=entry.amount,
            price=Decimal("0.5"),
            currency="KES",
            amount=Decimal(entry.amount) / 2,
            promised_amount=Decimal("1.00"),
            promised_method="mpesa",
            receipt_number=number if entry.status == "succeeded" else None,
        )
        model("billing", "Payment").objects.create(
            reseller_id=person.pk,
            sale=sale,
            amount=Decimal("1.00"),
            currency="KES",
            method="cash",
            paid_at=now,
            recorded_by=person.username,
        )
    return watch_and_billing_now()


def watch_and_billing_now():
    """Every watch/ and billing/ row, as values, without the column that says whose it is."""
    from django.apps import apps

    found = {}
    for app in ("watch", "billing"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__ == "RoundSchedule":
                continue
            skip = {"reseller", "ciphertext"}
            fields = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
            found[model.__name__] = sorted(
                model._default_manager.values_list(*fields), key=lambda row: row[0]
            )
    return found


def test_every_watch_and_billing_row_keeps_its_meaning_and_gains_its_tenant(old_schema):
    from billing.models import BusinessProfile, Payment, Sale
    from watch import credential
    from watch.models import StandingCredential, WatchEvent
    from watch.source import StandingCredentialSource

    people = get_user_model().objects
    people.create(username="bob")  # so alice's user id and her tenant's id differ
    alice = people.create(username="Alice")
    entries = old_rows(old_schema, alice)
    before = old_watch_and_billing(old_schema, alice, entries)
    assert len(before["Sale"]) == 3 and len(before["WatchEvent"]) == 4

    migrate_to_the_latest()

    assert watch_and_billing_now() == before
    tenant = Reseller.objects.get(username="alice")
    assert tenant.pk != alice.pk  # the stored password had to be re-bound to its tenant
    for model in (StandingCredential, WatchEvent, BusinessProfile, Sale, Payment):
        assert set(model.objects.values_list("reseller_id", flat=True)) == {tenant.pk}
    # The worker's source opens the stored password, now naming its tenant.
    assert StandingCredentialSource.for_reseller(tenant).password() == ALICE_PASSWORD
    for sale in Sale.objects.select_related("entry"):  # still on its ledger row's tenant
        assert sale.entry.reseller_id == sale.reseller_id

    # And back: one user per row again, the password bound to that user.
    old_apps = migrate(BEFORE)
    for app, name in (("watch", "WatchedAccount"), ("billing", "Sale"), ("billing", "Payment")):
        old = old_apps.get_model(app, name).objects
        assert set(old.values_list("reseller_id", flat=True)) == {alice.pk}
        assert old.count() == len(before[name])
    stored = old_apps.get_model("watch", "StandingCredential").objects.get()
    assert credential.decrypt(alice.pk, stored.ciphertext) == ALICE_PASSWORD


def test_two_logins_of_one_tenant_with_receipts_stop_the_billing_migration_plainly(old_schema):
    OldProfile = old_schema.get_model("billing", "BusinessProfile")
    people = get_user_model().objects
    for person in (people.create(username="ALICE"), people.create(username="alice")):
        OldProfile.objects.create(reseller_id=person.pk, next_receipt_number=5)

    with pytest.raises(Exception, match="receipt numbers cannot be merged"):
        migrate_to_the_latest()
    # Nothing was changed: both profiles are still there, each with its own numbers.
    OldProfile = migrate(BEFORE).get_model("billing", "BusinessProfile")
    assert list(OldProfile.objects.values_list("next_receipt_number", flat=True)) == [5, 5]
    OldProfile.objects.filter(reseller__username="ALICE").delete()
