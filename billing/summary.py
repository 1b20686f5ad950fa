"""Money at a glance: sales, payments and margins per month; who owes what, oldest first.

All sums are of receipted sales (succeeded top-ups) and their payments, per currency.
A margin is a sale's amount less what its SMS cost the reseller at their buying price (each
rounded to the currency's unit), counted only for sales whose buying price was known.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from accounts.tenancy import rows
from billing import money
from billing.models import Payment
from billing.sales import receipted
from billing.statements import month_bounds


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date
    currency: str
    sales: Decimal
    sms: int
    payments: Decimal
    margin: Decimal | None  # None when no sale of the month had a buying price
    margin_sms: int  # how many of the month's SMS the margin covers


@dataclass(frozen=True)
class Owed:
    kind: str
    name: str
    currency: str
    amount: Decimal
    oldest_unpaid: datetime.datetime  # when the oldest top-up not fully paid was made
    oldest_receipt: int
    unpaid_top_ups: int


def month_figures(reseller, month: datetime.date) -> list[MonthFigures]:
    """The month's totals, one row per currency used (none if nothing was sold or paid)."""
    start, end = month_bounds(month)
    sold = receipted(reseller).filter(entry__created_at__gte=start, entry__created_at__lt=end)
    paid = rows(Payment, reseller).filter(paid_at__gte=start, paid_at__lt=end)
    sales = defaultdict(Decimal)
    sms = defaultdict(int)
    margin = {}
    margin_sms = defaultdict(int)
    for sale in sold.select_related(None).only("sms", "amount", "currency", "buying_price"):
        sms[sale.currency] += sale.sms
        if sale.amount is None:
            continue
        sales[sale.currency] += sale.amount
        if sale.buying_price is not None:
            cost = money.sale_amount(sale.sms, sale.buying_price, sale.currency)
            margin[sale.currency] = margin.get(sale.currency, Decimal(0)) + sale.amount - cost
            margin_sms[sale.currency] += sale.sms
    payments = dict(paid.values_list("currency").annotate(total=Sum("amount")))
    currencies = sorted(set(sms) | set(payments))
    return [
        MonthFigures(
            month=month,
            currency=currency,
            sales=money.to_unit(sales[currency], currency),
            sms=sms[currency],
            payments=money.to_unit(payments.get(currency, Decimal(0)), currency),
            margin=margin.get(currency),
            margin_sms=margin_sms[currency],
        )
        for currency in currencies
    ]


def owed_by_account(reseller) -> list[Owed]:
    """Every account that owes money, the one whose oldest unpaid top-up is oldest first."""
    sales = receipted(reseller).exclude(amount=None).annotate(paid=Sum("payments__amount"))
    by_account: dict[tuple, list] = defaultdict(list)
    for sale in sales.order_by("entry__created_at", "id"):
        by_account[(sale.kind, sale.name, sale.currency)].append(sale)
    owed = []
    for (kind, name, currency), account_sales in by_account.items():
        balance = money.to_unit(
            sum((s.amount - (s.paid or 0) for s in account_sales), Decimal(0)), currency
        )
        unpaid = [s for s in account_sales if s.amount > (s.paid or 0)]
        if balance <= 0 or not unpaid:
            continue
        owed.append(
            Owed(
                kind=kind,
                name=name,
                currency=currency,
                amount=balance,
                oldest_unpaid=unpaid[0].entry.created_at,
                oldest_receipt=unpaid[0].receipt_number,
                unpaid_top_ups=len(unpaid),
            )
        )
    return sorted(owed, key=lambda o: (o.oldest_unpaid, o.name.casefold()))
