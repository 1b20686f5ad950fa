"""Receipts and statements as PDF, drawn top to bottom like the paper they become.

fpdf2 is pure Python; the DejaVu Sans font ships in `billing/fonts/` so that any name mSpace
holds (Swahili, accents, Cyrillic) prints without system fonts. A character DejaVu lacks (an
emoji) is left out of the PDF rather than failing it.
"""

import io
import logging
from pathlib import Path

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing.money import format_amount, format_price
from billing.receipts import NOT_A_TAX_INVOICE, Receipt
from billing.statements import Statement

_FONTS = Path(__file__).resolve().parent / "fonts"
# fpdf2 warns once per missing glyph; that is expected for emoji and not worth a log line.
logging.getLogger("fpdf.output").setLevel(logging.ERROR)


class _Paper(FPDF):
    """An A4 page with the app's few drawing habits: a heading, label/value rows, a rule."""

    def __init__(self, title: str):
        super().__init__(format="A4")
        self.set_title(title)
        self.set_creator("mSpace Reseller Admin")
        self.set_auto_page_break(auto=True, margin=15)
        self.add_font("DejaVu", "", _FONTS / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", _FONTS / "DejaVuSans-Bold.ttf")
        self.add_page()
        self.set_font("DejaVu", size=10)

    def text_line(self, text: str, *, size=10, bold=False, height=6):
        self.set_font("DejaVu", "B" if bold else "", size)
        self.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("DejaVu", "", 10)

    def row(self, cells, widths, *, bold=False, aligns=None):
        self.set_font("DejaVu", "B" if bold else "", 9)
        aligns = aligns or ["L"] * len(cells)
        for cell, width, align in zip(cells, widths, aligns, strict=True):
            self.cell(width, 6, str(cell), align=align)
        self.ln(6)
        self.set_font("DejaVu", "", 10)

    def fact(self, label: str, value: str):
        self.row([label, value], [55, 125], aligns=["L", "L"])

    def rule(self):
        self.ln(2)
        y = self.get_y()
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(3)

    def letterhead(self, name: str, address: str, logo_png: bytes, fallback: str):
        if logo_png:
            self.image(io.BytesIO(logo_png), x=self.w - self.r_margin - 35, y=10, h=20)
        self.text_line(name or fallback, size=14, bold=True, height=8)
        for line in address.splitlines():
            self.text_line(line, size=9, height=5)
        self.rule()

    def bytes(self) -> bytes:
        return bytes(self.output())


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a one-page PDF."""
    paper = _Paper(_("Receipt %(number)s") % {"number": receipt.number})
    paper.letterhead(
        receipt.business_name, receipt.address, receipt.logo_png, receipt.reseller_username
    )
    paper.text_line(_("Receipt No. %(number)s") % {"number": receipt.number}, size=13, bold=True)
    paper.text_line(str(NOT_A_TAX_INVOICE), size=9)
    paper.ln(2)
    paper.fact(_("Date"), _local(receipt.topped_up_at))
    paper.fact(receipt.account_kind.capitalize(), receipt.account_name)
    paper.fact(_("SMS credit"), _sms(receipt.sms))
    if receipt.amount is None:
        paper.fact(_("Price per SMS"), _("no price was set"))
    else:
        paper.fact(_("Price per SMS"), format_price(receipt.price, receipt.currency))
        paper.fact(_("Amount"), format_amount(receipt.amount, receipt.currency))
    paper.rule()
    paper.text_line(_("Payments"), bold=True)
    if not receipt.payments:
        paper.text_line(_("None recorded yet."), size=9)
    for payment in receipt.payments:
        paper.row(
            [
                _local(payment.when),
                payment.method,
                payment.reference,
                format_amount(payment.amount, receipt.currency),
            ],
            [45, 30, 60, 45],
            aligns=["L", "L", "L", "R"],
        )
    if receipt.owed is not None:
        paper.rule()
        paper.fact(_("Paid"), format_amount(receipt.paid, receipt.currency))
        paper.fact(_("Still owed"), format_amount(receipt.owed, receipt.currency))
    paper.ln(4)
    paper.text_line(_("Ledger reference: top-up %(id)s") % {"id": receipt.entry_id}, size=8)
    return paper.bytes()


def statement_pdf(statements: list[Statement], *, business_name, address, logo_png, username):
    """One account's statement for a month (a section per currency) as a PDF."""
    first = statements[0]
    paper = _Paper(_("Statement for %(name)s") % {"name": first.name})
    paper.letterhead(business_name, address, logo_png, username)
    paper.text_line(_("Statement for %(name)s") % {"name": first.name}, size=13, bold=True)
    paper.text_line(_("Period: %(month)s") % {"month": date_format(first.month, "F Y")})
    for statement in statements:
        _statement_section(paper, statement)
    paper.ln(3)
    paper.text_line(str(NOT_A_TAX_INVOICE), size=8)
    return paper.bytes()


def _statement_section(paper: _Paper, s: Statement):
    currency = s.currency
    paper.rule()
    paper.fact(_("Currency"), currency)
    paper.fact(_("Opening SMS balance"), _sms_or_not_recorded(s.opening_balance))
    paper.fact(_("Closing SMS balance"), _sms_or_not_recorded(s.closing_balance))
    paper.fact(_("Owed at the start"), format_amount(s.opening_owed, currency))
    paper.ln(2)
    paper.text_line(_("Top-ups"), bold=True)
    widths = [40, 25, 30, 40, 45]
    right = ["L", "L", "R", "R", "R"]
    paper.row([_("Date"), _("Receipt"), _("SMS"), _("Price"), _("Amount")], widths, bold=True)
    for line in s.sales:
        paper.row(
            [
                _local(line.when),
                str(line.receipt_number),
                f"{line.sms:,}",
                format_price(line.price, currency) or _("no price"),
                format_amount(line.amount, currency),
            ],
            widths,
            aligns=right,
        )
    paper.row(
        [_("Total"), "", f"{s.sms_total:,}", "", format_amount(s.sales_total, currency)],
        widths,
        bold=True,
        aligns=right,
    )
    paper.ln(2)
    paper.text_line(_("Payments"), bold=True)
    widths = [40, 25, 30, 40, 45]
    paper.row(
        [_("Date"), _("Receipt"), _("Method"), _("Reference"), _("Amount")], widths, bold=True
    )
    for line in s.payments:
        paper.row(
            [
                _local(line.when),
                str(line.receipt_number),
                line.method,
                line.reference,
                format_amount(line.amount, currency),
            ],
            widths,
            aligns=["L", "L", "L", "L", "R"],
        )
    paper.row(
        [_("Total"), "", "", "", format_amount(s.payments_total, currency)],
        widths,
        bold=True,
        aligns=["L", "L", "L", "L", "R"],
    )
    paper.ln(2)
    paper.fact(_("Owed at the end"), format_amount(s.closing_owed, currency))


def _sms_or_not_recorded(value):
    return _("not recorded") if value is None else _sms(value)


def _sms(count: int) -> str:
    # "12,500 SMS", "SMS 12,500": each language puts the word where it reads naturally.
    return _("%(count)s SMS") % {"count": f"{count:,}"}


def _local(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
