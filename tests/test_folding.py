"""messaging.folding.fold: one idea of "the same name" for searching and for sorting."""

import pytest

from messaging import reads
from messaging.folding import fold
from messaging.mspace import Account


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("cafe", "Café Ngong’ Road"),
        ("CAFÉ", "Café Ngong’ Road"),
        ("ngong' road", "Café Ngong’ Road"),
        ("ngong’ road", "Café Ngong' Road"),
        ("cafe  ngong", "Café   Ngong’ Road"),
        ("strasse", "Straße Motors"),
        ("ebene", "Ébène Salon"),
    ],
)
def test_a_search_finds_a_name_whatever_the_case_accents_spaces_and_apostrophes(typed, name):
    book = reads.AccountBook([Account(name, 10), Account("Mama Mboga Traders", 5)])

    assert [a.name for a in book.find(typed)] == [name]


def test_folding_leaves_a_plain_lower_case_name_as_it_is():
    assert fold("mama mboga") == "mama mboga"
    assert fold("  Café\u00a0 Ngong’ Road ") == "cafe ngong' road"


def test_a_book_sorts_names_as_people_read_them():
    book = reads.AccountBook(
        [
            Account("Mama Mboga Traders", 1),
            Account("Nakuru Dairy Coop", 1),
            Account("Kisumu Water Works", 1),
            Account("Ébène Salon", 1),
            Account("café Ngong’ Road", 1),
            Account("Zebra Ltd", 1),
        ]
    )

    assert [a.name for a in book.sorted_by("name")] == [
        "café Ngong’ Road",
        "Ébène Salon",
        "Kisumu Water Works",
        "Mama Mboga Traders",
        "Nakuru Dairy Coop",
        "Zebra Ltd",
    ]
