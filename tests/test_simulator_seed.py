"""The demo world, test accounts, and manage.py seed_simulator."""

import io

import pytest
from django.core.management import CommandError, call_command

from simulator import faults, seed
from simulator.gateway import answer
from simulator.models import SimAccount, SimCall, SimFault
from simulator.seed import make_account, seed_demo


@pytest.fixture(autouse=True)
def _db(db):
    pass


def book(owner, relation=SimAccount.CLIENT):
    return dict(
        SimAccount.objects.filter(parent=owner, relation=relation).values_list(
            "username", "balance"
        )
    )


def test_make_account_builds_a_reseller_with_its_book():
    account = make_account(
        "alice",
        "pw",
        balance=5000,
        clients=[("Mama Mboga Traders", 1200), ("Jinja Fish", 0)],
        subaccounts=[("alice-nairobi", 300)],
        sender_ids=("ALICESHOP", "MSPACE"),
    )

    assert (account.balance, account.is_reseller, account.suspended) == (5000, True, False)
    assert account.check_password("pw")
    assert book(account) == {"Mama Mboga Traders": 1200, "Jinja Fish": 0}
    assert book(account, SimAccount.SUBACCOUNT) == {"alice-nairobi": 300}
    assert account.allowed_sender_ids() == ["ALICESHOP", "MSPACE"]


def test_two_resellers_may_have_clients_of_the_same_name():
    make_account("alice", "a", clients=[("Shared Name", 1)])
    make_account("bob", "b", clients=[("Shared Name", 2)])

    assert SimAccount.objects.filter(username="Shared Name").count() == 2


def test_a_top_level_username_is_unique():
    make_account("alice", "a")

    with pytest.raises(Exception, match="UNIQUE|unique"):
        make_account("alice", "b")


def test_seed_demo_creates_the_demo_reseller_with_a_realistic_book():
    demo = seed_demo()

    clients = book(demo)
    assert demo.check_password("demo") and demo.is_reseller
    assert 30 <= len(clients) <= 40
    assert sum(balance < 100 for balance in clients.values()) >= 3
    assert any("&" in name for name in clients)
    assert any("'" in name for name in clients)
    assert "Café Ngong' Road" in clients
    assert 5 <= len(book(demo, SimAccount.SUBACCOUNT)) <= 8
    assert {"MSPACE", "DEMO SHOP", "24680"} <= set(demo.allowed_sender_ids())
    assert answer("login/username=demo/password=demo").body == "user exists"


def test_seed_demo_adds_a_plain_account_and_a_second_reseller():
    seed_demo()

    plain = SimAccount.objects.get(username="plain", parent=None)
    assert plain.check_password("plain") and not plain.is_reseller and not book(plain)
    assert answer("resellerclients/username=plain/password=plain").body == "[]"
    demo2 = SimAccount.objects.get(username="demo2", parent=None)
    assert demo2.check_password("demo2") and book(demo2)
    assert not set(book(demo2)) & set(book(SimAccount.objects.get(username="demo")))


def test_seed_demo_is_idempotent_and_keeps_the_demos_state():
    seed_demo()
    answer(
        "resellerclienttopup/username=demo/password=demo/clientname=Lamu%20Dhow%20Tours/noofsms=10"
    )
    rows = SimAccount.objects.count()

    again = seed_demo()

    assert SimAccount.objects.count() == rows
    assert again.balance == 25_000 - 10


def test_seed_demo_can_generate_a_large_book_for_benchmarks():
    demo = seed_demo(clients=1200)
    generated = SimAccount.objects.filter(parent=demo, username__startswith="bench-client-")

    assert generated.count() == 1200
    assert generated.filter(username="bench-client-00001").exists()
    assert generated.filter(username="bench-client-01200").exists()
    seed_demo(clients=1200)
    assert generated.count() == 1200


def test_reset_forgets_everything():
    seed_demo()
    faults.inject("*", "empty")
    answer("balance/username=demo/password=demo")

    seed.reset()

    assert not (
        SimAccount.objects.exists() or SimCall.objects.exists() or SimFault.objects.exists()
    )


def run(*args):
    out = io.StringIO()
    call_command("seed_simulator", *args, stdout=out)
    return out.getvalue()


def test_the_seed_command_prepares_the_demo():
    output = run()

    assert "demo / demo" in output
    assert SimAccount.objects.filter(username="demo", parent=None).exists()


def test_the_seed_command_resets_and_generates_clients():
    run()
    answer(
        "resellerclienttopup/username=demo/password=demo/clientname=Lamu%20Dhow%20Tours/noofsms=10"
    )

    run("--reset", "--clients", "50")

    demo = SimAccount.objects.get(username="demo", parent=None)
    assert demo.balance == 25_000
    assert SimAccount.objects.filter(parent=demo, username__startswith="bench-").count() == 50
    assert not SimCall.objects.exists()


def test_the_seed_command_refuses_a_negative_count():
    with pytest.raises(CommandError):
        run("--clients", "-1")
