"""The rows of the money CSV downloads. Amounts are written as exact decimals (5000.00),
never through a float, so a spreadsheet sum equals the page's to the cent."""

from billing.statements import Statement
from billing.summary import MonthFigures, Owed
from messaging.books import BOOK_FOR_KIND

STATEMENT_HEADER = [
    "date",
    "line",
    "receipt",
    "sms",
    "price",
    "amount",
    "method",
    "reference",
    "currency",
    "ledger_entry",
]

MONEY_HEADER = [
    "section",
    "month",
    "kind",
    "account",
    "currency",
    "sms",
    "sales",
    "payments",
    "margin",
    "owed",
    "oldest_unpaid",
    "oldest_receipt",
]


def statement_rows(statements: list[Statement]):
    for s in statements:
        month = f"{s.month:%Y-%m-%d}"
        yield [month, "owed at the start", "", "", "", s.opening_owed, "", "", s.currency, ""]
        for line in s.sales:
            yield [
                line.when.isoformat(),
                "top-up",
                line.receipt_number,
                line.sms,
                line.price,
                line.amount,
                "",
                "",
                s.currency,
                line.entry_id,
            ]
        for line in s.payments:
            yield [
                line.when.isoformat(),
                "payment",
                line.receipt_number,
                "",
                "",
                line.amount,
                line.method,
                line.reference,
                s.currency,
                "",
            ]
        yield ["", "owed at the end", "", s.sms_total, "", s.closing_owed, "", "", s.currency, ""]


def money_rows(months: list[MonthFigures], owed: list[Owed]):
    for m in months:
        yield [
            "month",
            f"{m.month:%Y-%m}",
            "",
            "",
            m.currency,
            m.sms,
            m.sales,
            m.payments,
            m.margin,
            "",
            "",
            "",
        ]
    for o in owed:
        yield [
            "owed",
            "",
            BOOK_FOR_KIND[o.kind].singular,
            o.name,
            o.currency,
            "",
            "",
            "",
            "",
            o.amount,
            o.oldest_unpaid.isoformat(),
            o.oldest_receipt,
        ]
