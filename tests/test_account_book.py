"""messaging.reads.AccountBook: its sorted views, and what they share to stay small.

The views are built without a key tuple per account and share one set of case-folded names;
the orders must be exactly those of the plain definition (folded name, then the name as
written, then the gateway's order; balance, then that name order).
"""

from hypothesis import given
from hypothesis import strategies as st

from messaging import reads
from messaging.folding import fold
from messaging.mspace import Account


def plainly_sorted(accounts, sort):
    """The orders as first written: one sort with a key tuple per account."""

    def by_name(account):
        return (fold(account.name), account.name)

    if sort == "name":
        return sorted(accounts, key=by_name)
    if sort == "-name":
        return sorted(accounts, key=by_name, reverse=True)
    if sort == "balance":
        return sorted(accounts, key=lambda a: (a.balance, *by_name(a)))
    return sorted(accounts, key=lambda a: (-a.balance, *by_name(a)))


# Few letters and balances, so that equal names, names equal but for case, accents, spaces or
# apostrophes, and equal balances are common; "ß" and "ẞ" fold to "ss".
names = st.text(alphabet="aAbBsSßẞ éÉ'’", max_size=4)
accounts = st.lists(st.builds(Account, names, st.integers(0, 5)), max_size=30)


@given(accounts)
def test_every_sorted_view_is_the_plain_order(accounts):
    book = reads.AccountBook(accounts)

    for sort in reads.SORTS:
        view = book.sorted_by(sort)
        expected = plainly_sorted(accounts, sort)
        # `is`, not ==: equal accounts from different rows of the gateway keep their order.
        assert len(view) == len(expected)
        assert all(a is b for a, b in zip(view, expected, strict=True))


@given(accounts, names)
def test_find_is_a_folded_substring_in_any_order(accounts, text):
    book = reads.AccountBook(accounts)

    for sort in reads.SORTS:
        found = book.find(text, sort)
        expected = [a for a in plainly_sorted(accounts, sort) if fold(text) in fold(a.name)]
        assert all(a is b for a, b in zip(found, expected, strict=True))


def test_the_four_views_share_one_set_of_folded_names():
    book = reads.AccountBook(Account(f"Client {n:03d}", n % 7) for n in range(200))
    views = [book._view(sort) for sort in reads.SORTS]

    folded_by_account = {}
    for view in views:
        for account, folded in zip(view.accounts, view.folded, strict=True):
            assert folded == fold(account.name)
            # The same string object in every view, not an equal copy.
            assert folded_by_account.setdefault(id(account), folded) is folded
    assert len({id(folded) for folded in folded_by_account.values()}) == 200


def test_a_name_already_folded_is_not_copied():
    book = reads.AccountBook([Account("mama mboga", 1), Account("Jinja Fish", 2)])

    folded = dict(zip(book.sorted_by("name"), book._view("name").folded, strict=True))

    assert folded[book[0]] is book[0].name
    assert folded[book[1]] == "jinja fish"
