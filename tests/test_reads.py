"""messaging.reads: side-by-side reads, the per-reseller cache and its invalidation."""

import threading
import time
from types import SimpleNamespace

import pytest

from messaging import gateway, reads
from messaging.books import CLIENTS, SUB_ACCOUNTS
from messaging.models import LedgerEntry
from messaging.mspace import Account, GatewayUnavailableError, MspaceError
from simulator import faults
from tests.reads_helpers import TogetherOnlyAdapter, calls, read_calls, request_as

# The dashboard's reads run in pool threads with their own database connections: they only
# see rows that were committed.
pytestmark = pytest.mark.django_db(transaction=True)


def make_entry(user, **fields):
    values = {"kind": LedgerEntry.Kind.CLIENT_TOP_UP, "target": "Jinja Fish", "amount": 10}
    return LedgerEntry.objects.create(reseller=user, **{**values, **fields})


# --- Side by side ---------------------------------------------------------------------------


def test_dashboard_reads_are_in_flight_together(alice_client, monkeypatch):
    together = TogetherOnlyAdapter()
    monkeypatch.setattr(gateway, "_simulator_adapter", lambda: together)

    figures = reads.dashboard(request_as(alice_client))

    assert figures.balance == 5000
    assert sorted(a.name for a in figures.clients) == [
        "Jinja Fish",
        "Kampala Boda Riders",
        "Mama Mboga Traders",
    ]
    assert {a.name for a in figures.sub_accounts} == {"alice-nairobi", "alice-kampala"}
    assert len(together.threads) == 3


def test_the_together_only_gateway_fails_reads_made_one_after_another(alice_client, monkeypatch):
    # The control for the test above: the same gateway cannot be satisfied sequentially.
    together = TogetherOnlyAdapter(timeout=0.2)
    monkeypatch.setattr(gateway, "_simulator_adapter", lambda: together)
    request = request_as(alice_client)

    with pytest.raises(GatewayUnavailableError):
        reads.balance(request)


def test_the_dashboard_page_shows_all_three_figures_only_answerable_together(
    alice_client, monkeypatch
):
    together = TogetherOnlyAdapter()
    monkeypatch.setattr(gateway, "_simulator_adapter", lambda: together)

    page = alice_client.get("/").content.decode()

    assert "Could not" not in page
    assert 'id="balance-figure">5,000' in page
    assert 'id="clients-credit">1,240<' in page
    assert 'id="subaccounts-credit">315<' in page


def test_pool_threads_close_the_database_connection_they_opened():
    from django.db import connection

    seen = {}

    def reader():
        from simulator.models import SimAccount

        SimAccount.objects.count()  # opens this thread's connection
        seen["connection"] = connection
        seen["thread"] = threading.get_ident()
        return 1

    assert reads._pool.submit(reads._in_pool_thread, reader).result(timeout=5) == 1
    assert seen["thread"] != threading.get_ident()
    assert seen["connection"].connection is None


def test_a_read_that_fails_in_a_pool_thread_comes_back_as_its_error(alice_client):
    faults.inject("subusers", "internal_error")

    figures = reads.dashboard(request_as(alice_client))

    assert figures.balance == 5000
    assert len(figures.clients) == 3
    assert isinstance(figures.sub_accounts, MspaceError)
    assert "internal error" in figures.sub_accounts.message


# --- The cache ------------------------------------------------------------------------------


def test_reads_are_reused_within_the_cache_time(alice_client):
    request = request_as(alice_client)
    first = reads.dashboard(request)
    again = reads.dashboard(request_as(alice_client))

    assert read_calls("alice") == {"balance": 1, "resellerclients": 1, "subusers": 1}
    assert again.clients is first.clients  # parsed once, kept as it was
    assert again.read_at == first.read_at


def test_single_reads_share_the_cache_with_the_dashboard(alice_client):
    reads.dashboard(request_as(alice_client))
    request = request_as(alice_client)

    assert reads.balance(request) == 5000
    assert len(reads.accounts(request, CLIENTS)) == 3
    assert len(reads.accounts(request, SUB_ACCOUNTS)) == 2
    assert read_calls("alice") == {"balance": 1, "resellerclients": 1, "subusers": 1}


def test_accounts_returns_a_copy_the_caller_may_change(alice_client):
    request = request_as(alice_client)
    reads.accounts(request, CLIENTS).clear()

    assert len(reads.accounts(request, CLIENTS)) == 3


def test_fresh_always_asks_the_gateway_and_refreshes_the_cache(alice_client):
    from simulator.models import SimAccount

    request = request_as(alice_client)
    assert reads.balance(request) == 5000
    SimAccount.objects.filter(username="alice").update(balance=4321)

    assert reads.balance(request) == 5000  # still the cached figure
    assert reads.balance(request, fresh=True) == 4321
    assert reads.balance(request_as(alice_client)) == 4321
    assert calls("alice", "balance") == 2


def test_the_dashboard_refresh_re_reads_everything(alice_client):
    reads.dashboard(request_as(alice_client))
    reads.dashboard(request_as(alice_client), fresh=True)

    assert read_calls("alice") == {"balance": 2, "resellerclients": 2, "subusers": 2}


def test_reads_are_never_shared_between_resellers(alice_client, bob_client):
    alice_figures = reads.dashboard(request_as(alice_client))
    bob_figures = reads.dashboard(request_as(bob_client))

    assert alice_figures.balance == 5000
    assert bob_figures.balance == 800
    assert [a.name for a in bob_figures.clients] == ["Bob Client"]
    assert read_calls("bob") == {"balance": 1, "resellerclients": 1, "subusers": 1}
    assert reads.balance_for_header(request_as(bob_client))[0] == 800
    assert reads.balance_for_header(request_as(alice_client))[0] == 5000
    assert read_calls("bob")["balance"] == 1  # the header reused the dashboard's read


def test_a_new_ledger_entry_drops_the_cached_reads(alice_client):
    request = request_as(alice_client)
    reads.dashboard(request)
    make_entry(request.reseller)

    reads.dashboard(request_as(alice_client))

    assert read_calls("alice") == {"balance": 2, "resellerclients": 2, "subusers": 2}


def test_a_settled_ledger_entry_drops_reads_made_while_it_was_pending(alice_client):
    from messaging import ledger

    request = request_as(alice_client)
    entry = make_entry(request.reseller)
    reads.accounts(request, CLIENTS)  # read while the top-up is in flight
    ledger.settle(entry, LedgerEntry.Status.SUCCEEDED, reply="Successful Top up")

    reads.accounts(request_as(alice_client), CLIENTS)

    assert calls("alice", "resellerclients") == 2


def test_another_resellers_ledger_entry_keeps_alices_cache(alice_client, bob_client):
    reads.dashboard(request_as(alice_client))
    make_entry(request_as(bob_client).reseller, target="Bob Client")

    reads.dashboard(request_as(alice_client))

    assert read_calls("alice") == {"balance": 1, "resellerclients": 1, "subusers": 1}


def test_cache_seconds_zero_never_reuses_a_read(alice_client, settings):
    settings.MSPACE_CACHE_SECONDS = 0
    for _ in range(3):
        reads.dashboard(request_as(alice_client))
        reads.accounts(request_as(alice_client), CLIENTS)

    assert read_calls("alice") == {"balance": 3, "resellerclients": 6, "subusers": 3}


def test_reads_expire_after_the_cache_seconds(alice_client, settings, monkeypatch):
    settings.MSPACE_CACHE_SECONDS = 30
    clock = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(reads.time, "monotonic", lambda: clock.now)
    reads.accounts(request_as(alice_client), CLIENTS)

    clock.now += 29
    reads.accounts(request_as(alice_client), CLIENTS)
    assert calls("alice", "resellerclients") == 1

    clock.now += 1
    reads.accounts(request_as(alice_client), CLIENTS)
    assert calls("alice", "resellerclients") == 2


def test_a_failed_read_is_not_cached(alice_client):
    faults.inject("resellerclients", "http500", times=1)
    request = request_as(alice_client)
    with pytest.raises(MspaceError):
        reads.accounts(request, CLIENTS)

    assert len(reads.accounts(request, CLIENTS)) == 3
    assert calls("alice", "resellerclients") == 2


def test_forget_everything_drops_every_read(alice_client):
    reads.dashboard(request_as(alice_client))
    reads.forget_everything()
    reads.dashboard(request_as(alice_client))

    assert read_calls("alice") == {"balance": 2, "resellerclients": 2, "subusers": 2}


def test_forget_drops_one_resellers_reads(alice_client, bob_client):
    reads.dashboard(request_as(alice_client))
    reads.dashboard(request_as(bob_client))
    reads.forget(request_as(alice_client).reseller)

    reads.dashboard(request_as(alice_client))
    reads.dashboard(request_as(bob_client))

    assert calls("alice", "balance") == 2
    assert calls("bob", "balance") == 1


# --- The header's balance -------------------------------------------------------------------


def test_the_header_balance_is_read_when_nothing_was_read_yet(alice_client):
    value, read_at = reads.balance_for_header(request_as(alice_client))

    assert value == 5000
    assert read_at is not None
    assert calls("alice", "balance") == 1


def test_the_header_balance_reuses_a_usable_read(alice_client):
    reads.balance(request_as(alice_client))

    assert reads.balance_for_header(request_as(alice_client))[0] == 5000
    assert calls("alice", "balance") == 1


def test_the_header_balance_is_read_again_after_a_ledger_change(alice_client):
    from simulator.models import SimAccount

    request = request_as(alice_client)
    reads.balance(request)
    make_entry(request.reseller)
    SimAccount.objects.filter(username="alice").update(balance=4990)

    assert reads.balance_for_header(request_as(alice_client))[0] == 4990
    assert calls("alice", "balance") == 2


def test_the_header_balance_prefers_what_this_request_read(alice_client):
    from simulator.models import SimAccount

    reads.balance(request_as(alice_client))
    SimAccount.objects.filter(username="alice").update(balance=10)
    request = request_as(alice_client)
    reads.balance(request, fresh=True)

    assert reads.balance_for_header(request)[0] == 10
    assert calls("alice", "balance") == 2


def test_the_header_balance_does_not_ask_again_after_this_request_met_an_error(alice_client):
    request = request_as(alice_client)
    faults.inject("resellerclients", "http500")
    with pytest.raises(MspaceError):
        reads.account_book(request, CLIENTS)

    with pytest.raises(MspaceError):
        reads.balance_for_header(request)
    assert calls("alice", "balance") == 0


# --- Memory bound ---------------------------------------------------------------------------


def _read(value):
    return reads._Read(value, 0, reads.timezone.now(), reads.time.monotonic())


def test_the_cache_keeps_only_the_most_recent_resellers(monkeypatch):
    monkeypatch.setattr(reads, "MAX_RESELLERS", 2)
    cache = reads._ResellerCache()
    for user_id in (1, 2):
        cache.put(user_id, "balance", _read(user_id))
    cache.get(1, "balance")  # 1 is now more recent than 2
    cache.put(3, "balance", _read(3))

    assert cache.get(1, "balance").value == 1
    assert cache.get(2, "balance") is None
    assert cache.get(3, "balance").value == 3


def test_the_cache_bounds_the_accounts_it_holds(monkeypatch):
    monkeypatch.setattr(reads, "MAX_CACHED_ACCOUNTS", 1000)
    cache = reads._ResellerCache()
    book = reads.AccountBook(Account(f"c{n}", n) for n in range(400))
    for user_id in (1, 2, 3):
        cache.put(user_id, "clients", _read(book))

    assert cache.get(1, "clients") is None
    assert cache.get(2, "clients") is not None
    assert cache.get(3, "clients") is not None
    assert cache._size == 800


def test_an_older_read_finishing_late_does_not_replace_a_newer_one():
    cache = reads._ResellerCache()
    older, newer = _read(1), _read(2)
    cache.put(7, "balance", newer)
    cache.put(7, "balance", older)

    assert cache.get(7, "balance").value == 2


# --- AccountBook ----------------------------------------------------------------------------

BOOK = reads.AccountBook(
    [
        Account("mama Mboga", 1200),
        Account("Zebra Ltd", 5),
        Account("Árvore", 40),
        Account("banda", 40),
        Account("ZEBRA farm", 900),
    ]
)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Árvore", "banda", "mama Mboga", "ZEBRA farm", "Zebra Ltd"]),
        ("-name", ["Zebra Ltd", "ZEBRA farm", "mama Mboga", "banda", "Árvore"]),
        ("balance", ["Zebra Ltd", "Árvore", "banda", "ZEBRA farm", "mama Mboga"]),
        ("-balance", ["mama Mboga", "ZEBRA farm", "Árvore", "banda", "Zebra Ltd"]),
        ("nonsense", ["Árvore", "banda", "mama Mboga", "ZEBRA farm", "Zebra Ltd"]),
    ],
)
def test_a_book_sorts_ignoring_case_and_accents(sort, expected):
    assert [a.name for a in BOOK.sorted_by(sort)] == expected


def test_a_book_keeps_each_sorted_view():
    assert BOOK.sorted_by("-balance") is BOOK.sorted_by("-balance")


def test_a_book_finds_names_by_case_insensitive_substring():
    assert [a.name for a in BOOK.find("ZEB", "name")] == ["ZEBRA farm", "Zebra Ltd"]
    assert [a.name for a in BOOK.find("arv")] == ["Árvore"]
    assert [a.name for a in BOOK.find("mboga")] == ["mama Mboga"]
    assert list(BOOK.find("nobody")) == []
    assert len(BOOK.find("")) == 5


def test_a_book_lists_the_ones_running_low_lowest_first():
    assert [a.name for a in BOOK.running_low(41)] == ["Zebra Ltd", "Árvore", "banda"]
    assert [a.name for a in BOOK.running_low(40)] == ["Zebra Ltd"]
    assert BOOK.running_low(0) == ()


def test_a_book_totals_its_credit_and_behaves_as_a_sequence():
    assert BOOK.total_credit == 2185
    assert len(BOOK) == 5
    assert BOOK[0] == Account("mama Mboga", 1200)
    assert not reads.AccountBook([])


# --- One read for several pages at once ------------------------------------------------------


# Long enough that the second page surely arrives while the first read is on its way, even on
# a busy machine; the tests below last about this long each.
SHARED_READ_DELAY = 0.8


def read_together(clients, book=CLIENTS, *, fresh=False, before_second=None):
    """Two pages of the same reseller reading `book` at (nearly) the same moment: the second
    starts once the first is on its way. Returns what each got (a book or the error)."""
    results = [None, None]
    first_sent = threading.Event()

    def page(index, client):
        try:
            request = request_as(client)
            if index == 0:
                first_sent.set()
            results[index] = reads.account_book(request, book, fresh=fresh)
        except MspaceError as error:
            results[index] = error
        finally:
            from django.db import connection

            connection.close()

    first = threading.Thread(target=page, args=(0, clients[0]))
    first.start()
    first_sent.wait(timeout=5)
    time.sleep(0.1)  # the first read is now inside the simulator's delay (SHARED_READ_DELAY)
    if before_second:
        before_second()
    second = threading.Thread(target=page, args=(1, clients[1]))
    second.start()
    first.join(timeout=10)
    second.join(timeout=10)
    return results


def test_two_pages_reading_the_same_book_at_once_make_one_call(alice_client):
    faults.inject("resellerclients", "slow", delay=SHARED_READ_DELAY)

    first, second = read_together([alice_client, alice_client])

    assert calls("alice", "resellerclients") == 1
    assert second is first  # the same parsed read, not a second copy of the book
    assert len(first) == 3


def test_a_shared_read_that_fails_fails_for_every_page_that_waited(alice_client, settings):
    settings.MSPACE_TIMEOUT = SHARED_READ_DELAY
    faults.inject("resellerclients", "hang")

    first, second = read_together([alice_client, alice_client])

    assert calls("alice", "resellerclients") == 1
    assert isinstance(first, MspaceError)
    assert isinstance(second, MspaceError)
    assert "did not answer in time" in second.message


def test_a_read_in_flight_before_a_top_up_is_not_shared_after_it(alice_client):
    reseller = request_as(alice_client).reseller
    faults.inject("resellerclients", "slow", delay=SHARED_READ_DELAY)

    # The second page comes after a top-up written while the first read was on its way.
    first, second = read_together(
        [alice_client, alice_client], before_second=lambda: make_entry(reseller)
    )

    assert calls("alice", "resellerclients") == 2
    assert second is not first


def test_fresh_reads_are_never_shared(alice_client):
    faults.inject("resellerclients", "slow", delay=SHARED_READ_DELAY)

    read_together([alice_client, alice_client], fresh=True)

    assert calls("alice", "resellerclients") == 2


def test_different_resellers_never_share_a_read(alice_client, bob_client):
    faults.inject("resellerclients", "slow", delay=SHARED_READ_DELAY)

    alices, bobs = read_together([alice_client, bob_client])

    assert calls("alice", "resellerclients") == 1
    assert calls("bob", "resellerclients") == 1
    assert {a.name for a in alices} != {a.name for a in bobs}
