"""messaging.csv_export: downloads a spreadsheet opens without running anything."""

import csv
import io
from decimal import Decimal

import pytest

from messaging.csv_export import csv_response, safe_cell


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+254700000000", "'+254700000000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\rtext", "'\rtext"),
        ("  =1+1", "'  =1+1"),
        ("\n@x", "'\n@x"),
        ("Mama Mboga", "Mama Mboga"),
        ("a=b", "a=b"),
        ('Tom & Jerry\'s "Shop"', 'Tom & Jerry\'s "Shop"'),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(cell, expected):
    assert safe_cell(cell) == expected


@pytest.mark.parametrize("number", [0, 1200, -5, 2.5, Decimal("-3.5")])
def test_numbers_stay_numbers(number):
    assert safe_cell(number) == number


def test_none_is_an_empty_cell_and_other_values_become_safe_text():
    assert safe_cell(None) == ""
    assert safe_cell(True) == "True"

    class Sneaky:
        def __str__(self):
            return "=EVIL()"

    assert safe_cell(Sneaky()) == "'=EVIL()"


def read(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "a spreadsheet needs the UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_response_streams_a_named_attachment_with_a_header():
    response = csv_response("clients-2026-11-25.csv", ["name", "balance"], [("A", 1)])

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="clients-2026-11-25.csv"'
    assert read(response) == [["name", "balance"], ["A", "1"]]


def test_csv_response_quotes_commas_quotes_and_line_breaks():
    rows = [('Tom, "Jerry"', 5), ("two\nlines", 6), ("=1+1", -7)]

    assert read(csv_response("x.csv", ["name", "balance"], rows)) == [
        ["name", "balance"],
        ['Tom, "Jerry"', "5"],
        ["two\nlines", "6"],
        ["'=1+1", "-7"],
    ]


def test_csv_response_consumes_a_generator_of_many_rows():
    rows = ((f"client-{n}", n) for n in range(1234))

    lines = read(csv_response("many.csv", ["name", "balance"], rows))

    assert len(lines) == 1235
    assert lines[-1] == ["client-1233", "1233"]


def test_a_header_cell_is_made_safe_too():
    assert read(csv_response("x.csv", ["=name"], []))[0] == ["'=name"]
