"""A tenant and an actor: whose money (a `Reseller`) apart from who acted, every write bumping
the reseller's version, and every query of a tenant's rows through one helper."""

import re
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from accounts.identity import canonical_username
from accounts.models import Reseller
from accounts.tenancy import reseller_of, rows
from messaging import ledger
from messaging.acting import Acting
from messaging.models import LedgerEntry, ResellerPreferences
from tests.topup_helpers import entry, outcome_entry, tenant, top_up, user

ROOT = Path(settings.BASE_DIR)


def test_a_canonical_username_is_stripped_nfkc_and_casefolded():
    assert canonical_username("  Alice\t") == "alice"
    assert canonical_username("ＡＬＩＣＥ") == "alice"  # full-width letters
    assert canonical_username("STRASSE") == canonical_username("straße")
    assert canonical_username("ﬁona") == "fiona"  # the ligature is two letters


def test_people_typing_one_name_differently_act_for_one_reseller(db):
    assert Reseller.of_username(" Alice") == Reseller.of_username("ALICE")
    assert Reseller.objects.get().username == "alice"


def test_a_site_administrator_is_nobodys_reseller(db):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
    assert reseller_of(root) is None


def test_a_top_up_records_whose_money_and_who_acted(alice_client):
    recorded = outcome_entry(top_up(alice_client))
    assert recorded.reseller == tenant("alice")
    assert recorded.actor == user("alice")
    assert recorded.actor_name == "alice"


def test_work_without_a_person_must_name_itself(db):
    with pytest.raises(ValueError, match="name itself"):
        Acting(tenant("alice"), gateway=None)
    background = Acting(tenant("alice"), gateway=None, actor_name="nightly check")
    made = ledger.claim(
        acting=background,
        form_key=uuid.uuid4(),
        kind=LedgerEntry.Kind.CLIENT_TOP_UP,
        target="Jinja Fish",
        amount=5,
    )
    assert (made.actor, made.actor_name) == (None, "nightly check")


# --- Freshness no writer can forget ------------------------------------------------------


def version_of(reseller):
    return reseller.current_version()


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda r: entry(r), id="create"),
        pytest.param(
            lambda r: LedgerEntry.objects.bulk_create(
                [LedgerEntry(reseller=r, kind="test_sms", target="2547", amount=1)]
            ),
            id="bulk_create",
        ),  # noqa: E501
        pytest.param(lambda r: rows(LedgerEntry, r).update(detail="changed"), id="update"),
        pytest.param(lambda r: rows(LedgerEntry, r).first().save(), id="save"),
        pytest.param(lambda r: rows(LedgerEntry, r).delete(), id="queryset delete"),
        pytest.param(lambda r: rows(LedgerEntry, r).first().delete(), id="delete"),
        pytest.param(lambda r: ledger.settle(rows(LedgerEntry, r).first(), "failed"), id="settle"),
    ],
)
def test_every_kind_of_ledger_write_bumps_the_resellers_version(db, write):
    alice, bob = tenant("alice"), tenant("bob")
    entry(alice, status=LedgerEntry.Status.PENDING)
    entry(bob)
    alice_before, bob_before = version_of(alice), version_of(bob)

    write(alice)

    assert version_of(alice) > alice_before
    assert version_of(bob) == bob_before  # another reseller's reads stay good


def test_an_update_keeps_updated_at_true(db):
    made = entry(tenant("alice"))
    rows(LedgerEntry, made.reseller).update(detail="later")
    made_again = LedgerEntry.objects.get(pk=made.pk)
    assert made_again.updated_at > made.updated_at


def test_a_write_rolled_back_leaves_the_version_as_it_was(db):
    from django.db import transaction

    alice = tenant("alice")
    before = version_of(alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        entry(alice)
        raise RuntimeError("the transaction fails")
    assert version_of(alice) == before


# --- One helper for every query --------------------------------------------------------


def tenant_models():
    """Every model whose rows belong to a reseller (a `reseller` foreign key to it)."""
    found = []
    for model in apps.get_models():
        field = next((f for f in model._meta.fields if f.name == "reseller"), None)
        if field is not None and field.related_model is Reseller:
            found.append(model)
    return found


def app_sources():
    """The Python files of the project's own apps, but migrations, the admin (site
    administrators see every reseller's rows on purpose) and the helper itself."""
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if ROOT not in folder.parents:
            continue
        for source in folder.rglob("*.py"):
            parts = source.relative_to(ROOT).parts
            if "migrations" in parts or source.name == "admin.py":
                continue
            if source == ROOT / "accounts" / "tenancy.py":
                continue
            yield source


def test_the_ledger_and_preferences_are_tenant_models():
    assert {LedgerEntry, ResellerPreferences} <= set(tenant_models())


def test_app_code_queries_tenant_rows_only_through_the_helper():
    names = "|".join(model.__name__ for model in tenant_models())
    # `Model.objects.create(...)` writes a row (with its reseller); anything else reads.
    direct = re.compile(rf"\b(?:{names})\.(?:objects|_default_manager)\b(?!\.create\()")
    found = [
        f"{source.relative_to(ROOT)}:{number}: {line.strip()}"
        for source in app_sources()
        for number, line in enumerate(source.read_text().splitlines(), start=1)
        if direct.search(line)
    ]
    assert found == []


def test_the_scan_would_see_a_forgotten_filter(tmp_path):
    # The control: the pattern above catches the mistake it is there for.
    names = "|".join(model.__name__ for model in tenant_models())
    direct = re.compile(rf"\b(?:{names})\.(?:objects|_default_manager)\b(?!\.create\()")
    assert direct.search("entries = LedgerEntry.objects.filter(kind=kind)")
    assert not direct.search("LedgerEntry.objects.create(reseller=acting.reseller)")


def test_rows_refuses_a_reseller_that_is_not_saved():
    with pytest.raises(ValueError):
        rows(LedgerEntry, Reseller(username="ghost"))
