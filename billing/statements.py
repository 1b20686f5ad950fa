"""Monthly statements: what a client bought and paid in one month, and what they owe.

`build` is a pure function of rows already read, so the sums can be checked on their own;
`for_account` reads those rows from the database. A statement covers one currency: a client
priced in KES and later in UGX gets one statement per currency, never a sum of both.

The amount owed at the start of the month is every earlier sale less every earlier payment;
at the end, that plus the month's sales less its payments. Below zero, the client is in credit.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from accounts.tenancy import rows
from billing.models import Payment, Sale
from billing.money import to_unit
from billing.sales import receipted
from messaging.models import LedgerEntry

# Ledger kinds of top-up, and the watch book (watch.models.WatchedAccount.Book) of each.
_WATCH_BOOK = {
    LedgerEntry.Kind.CLIENT_TOP_UP: "clients",
    LedgerEntry.Kind.SUB_ACCOUNT_TOP_UP: "subaccounts",
}


@dataclass(frozen=True)
class SaleLine:
    when: datetime.datetime
    receipt_number: int
    entry_id: int  # the ledger entry: /activity/<id>/
    sale_id: int
    sms: int
    price: Decimal | None
    amount: Decimal | None


@dataclass(frozen=True)
class PaymentLine:
    when: datetime.datetime
    receipt_number: int  # of the top-up it paid for
    method: str
    reference: str
    amount: Decimal


@dataclass(frozen=True)
class Statement:
    name: str
    kind: str
    month: datetime.date  # its first day
    currency: str
    opening_owed: Decimal
    sales: list[SaleLine]
    payments: list[PaymentLine]
    # SMS balances at the start and end of the month, where a history was kept; else None.
    opening_balance: int | None = None
    closing_balance: int | None = None
    sales_total: Decimal = field(init=False)
    payments_total: Decimal = field(init=False)
    sms_total: int = field(init=False)
    closing_owed: Decimal = field(init=False)

    def __post_init__(self):
        sales_total = sum((s.amount for s in self.sales if s.amount is not None), Decimal(0))
        payments_total = sum((p.amount for p in self.payments), Decimal(0))
        object.__setattr__(self, "sales_total", sales_total)
        object.__setattr__(self, "payments_total", payments_total)
        object.__setattr__(self, "sms_total", sum(s.sms for s in self.sales))
        object.__setattr__(self, "closing_owed", self.opening_owed + sales_total - payments_total)

    @property
    def unpriced(self) -> list[SaleLine]:
        """Top-ups made while no price was set: they show SMS but no amount."""
        return [s for s in self.sales if s.amount is None]


def build(
    *,
    name,
    kind,
    month,
    currency,
    earlier_sales,
    earlier_payments,
    sales,
    payments,
    opening_balance=None,
    closing_balance=None,
):
    """A statement from the rows of the month, the two sums from before it, and the SMS
    balances at its start and end where a history was kept."""
    return Statement(
        name=name,
        kind=kind,
        month=month,
        currency=currency,
        # SQL sums come back with whatever scale the database keeps: put them on the unit.
        opening_owed=to_unit(earlier_sales - earlier_payments, currency),
        sales=sorted(sales, key=lambda s: (s.when, s.receipt_number)),
        payments=sorted(payments, key=lambda p: (p.when, p.receipt_number)),
        opening_balance=opening_balance,
        closing_balance=closing_balance,
    )


def parse_month(text: str) -> datetime.date | None:
    """'2026-11' as the first day of that month, or None if it is not YYYY-MM."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            return None
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        return None


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of the month and of the next one, in the app's time zone (Africa/Nairobi)."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(month, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(following, datetime.time(), tzinfo=zone)
    return start, end


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def for_account(reseller, kind: str, name: str, month: datetime.date) -> list[Statement]:
    """The account's statements for `month`, one per currency it was ever sold in."""
    start, end = month_bounds(month)
    sales = receipted(reseller).filter(kind=kind, name=name)
    payments = rows(Payment, reseller).filter(sale__kind=kind, sale__name=name)
    currencies = sorted(set(sales.values_list("currency", flat=True))) or [None]
    opening_balance, closing_balance = recorded_balances(reseller, kind, name, start, end)
    statements = []
    for currency in currencies:
        mine = sales.filter(currency=currency) if currency else sales
        paid = payments.filter(currency=currency) if currency else payments
        statements.append(
            build(
                name=name,
                kind=kind,
                month=month,
                currency=currency or _profile_currency(reseller),
                earlier_sales=_sum(mine.filter(entry__created_at__lt=start)),
                earlier_payments=_sum(paid.filter(paid_at__lt=start)),
                sales=[
                    _sale_line(sale)
                    for sale in mine.filter(entry__created_at__gte=start, entry__created_at__lt=end)
                ],
                payments=[
                    _payment_line(payment)
                    for payment in paid.filter(paid_at__gte=start, paid_at__lt=end).select_related(
                        "sale"
                    )
                ],
                opening_balance=opening_balance,
                closing_balance=closing_balance,
            )
        )
    return statements


# How close to a moment a watch round must have read the book for its balance then to be
# known: rounds come every WATCH_MINUTES, so a day without one means nobody was watching.
_ROUND_NEAR = datetime.timedelta(days=1)


def recorded_balances(reseller, kind, name, start, end) -> tuple[int | None, int | None]:
    """The account's SMS balance at `start` and at `end` (or now, for the current month) from
    watch's history (issue 16), each None ("not recorded") unless the account was watched
    then: a balance recorded at or before that moment, and a round that read its book within
    a day of it."""
    from watch.models import WatchedAccount, WatchRound

    book = _WATCH_BOOK.get(kind)
    account = rows(WatchedAccount, reseller).filter(book=book, name=name).first()
    if account is None:
        return None, None

    def balance_at(moment):
        point = account.points.filter(at__lte=moment).order_by("-at", "-id").first()
        watched = (
            rows(WatchRound, reseller)
            .filter(
                books_read__contains=book,
                at__gte=moment - _ROUND_NEAR,
                at__lte=moment + _ROUND_NEAR,
            )
            .exists()
        )
        return point.balance if point and watched else None

    return balance_at(start), balance_at(min(end, timezone.now()))


def names_with_activity(reseller, kind: str, month: datetime.date) -> list[str]:
    """Accounts of `kind` sold to by the end of `month`: each has a statement for it (one
    with nothing that month still says what is owed)."""
    start, end = month_bounds(month)
    sold = receipted(reseller).filter(kind=kind, entry__created_at__lt=end)
    return sorted(set(sold.values_list("name", flat=True)), key=str.casefold)


def _sum(queryset) -> Decimal:
    return queryset.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def _sale_line(sale: Sale) -> SaleLine:
    return SaleLine(
        when=sale.entry.created_at,
        receipt_number=sale.receipt_number,
        entry_id=sale.entry_id,
        sale_id=sale.pk,
        sms=sale.sms,
        price=sale.price,
        amount=sale.amount,
    )


def _payment_line(payment: Payment) -> PaymentLine:
    return PaymentLine(
        when=payment.paid_at,
        receipt_number=payment.sale.receipt_number,
        method=payment.get_method_display(),
        reference=payment.reference,
        amount=payment.amount,
    )


def _profile_currency(reseller) -> str:
    from billing.prices import profile_to_read

    return profile_to_read(reseller).currency
