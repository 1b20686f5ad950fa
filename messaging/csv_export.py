"""CSV downloads that a spreadsheet opens safely.

Names and details come from the gateway or from resellers' own clients, so a cell may start
with `=`, `+`, `-` or `@` and a spreadsheet would run it as a formula (CSV injection). Every
text cell goes through `safe_cell`, which prefixes such a cell with an apostrophe, as OWASP
recommends; numbers stay numbers.
"""

import csv
from collections.abc import Iterable
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

# OWASP's list: the four formula starters, plus tab and carriage return, which some
# spreadsheets skip before looking for one.
_FORMULA_STARTERS = ("=", "+", "-", "@")
_RISKY_FIRST = (*_FORMULA_STARTERS, "\t", "\r")
# Rows per chunk sent to the browser: one write per row would be thousands of tiny writes.
_ROWS_PER_CHUNK = 500
# Excel on Windows reads a CSV without it in a legacy code page and garbles "Café"; with it,
# every spreadsheet (and Python's "utf-8-sig") knows the file is UTF-8.
BYTE_ORDER_MARK = "\ufeff"


def safe_cell(value):
    """`value` as it should go into a CSV cell.

    Text that starts with `= + - @`, a tab or a carriage return (also after leading blanks)
    comes back with a leading `'`, so spreadsheets show it as text instead of running it.
    Numbers are returned unchanged (a negative balance is a number, not a formula); None
    becomes an empty cell; anything else is turned into text and checked like text.
    """
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(_RISKY_FIRST) or text.lstrip(" \t\r\n").startswith(_FORMULA_STARTERS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose `write` hands back the line instead of storing it."""

    def write(self, line):
        return line


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterable[str]:
    """The CSV text of `header` and `rows`, every cell made safe, in chunks of many lines;
    the first chunk starts with the UTF-8 byte-order mark."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow([safe_cell(cell) for cell in header])
    chunk = []
    for row in rows:
        chunk.append(writer.writerow([safe_cell(cell) for cell in row]))
        if len(chunk) >= _ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]):
    """A streamed download of `rows` under `header`, as `filename` (UTF-8 with a byte-order
    mark, CRLF lines).

    `rows` may be a generator: it is consumed while the response is sent, so a long export
    never sits in memory as one string.
    """
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
