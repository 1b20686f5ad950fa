"""Totals reconcile with the ledger to the cent, whatever the prices and amounts.

Hypothesis makes prices, top-ups (some failing), payments and dates; the statements and the
money page are then checked against sums worked out here straight from the ledger rows
(SMS that moved × the price, rounded half-up once per top-up) and the payments.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import sales, statements, summary
from billing.models import BusinessProfile, Payment, Sale
from billing.prices import Price
from billing.sales import Promise
from messaging.models import LedgerEntry
from tests.topup_helpers import tenant, user

pytestmark = pytest.mark.django_db

CLIENTS = ["Mama Mboga Traders", "Jinja Fish", "Kampala Boda Riders"]
MONTHS = [datetime.date(2026, 9, 1), datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)]
CENT = Decimal("0.01")

top_ups = st.lists(
    st.fixed_dictionaries(
        {
            "client": st.sampled_from(CLIENTS),
            "sms": st.integers(min_value=1, max_value=1_000_000),
            "price": st.decimals(min_value="0.0001", max_value="50", places=4),
            "month": st.sampled_from(MONTHS),
            "day": st.integers(min_value=1, max_value=28),
            "succeeded": st.booleans(),
            "payments": st.lists(
                st.tuples(
                    st.decimals(min_value="0.01", max_value="100000", places=2),
                    st.sampled_from(MONTHS),
                ),
                max_size=2,
            ),
        }
    ),
    min_size=1,
    max_size=8,
)


def _moment(month, day):
    zone = timezone.get_default_timezone()
    return datetime.datetime(month.year, month.month, day, 12, tzinfo=zone)


def _make(reseller, plan):
    """The planned top-ups as the app would record them: promise, ledger row, settle."""
    for item in plan:
        when = _moment(item["month"], item["day"])
        status = LedgerEntry.Status.SUCCEEDED if item["succeeded"] else LedgerEntry.Status.FAILED
        top = LedgerEntry.objects.create(
            reseller=reseller,
            kind=LedgerEntry.Kind.CLIENT_TOP_UP,
            target=item["client"],
            amount=item["sms"],
            status=status,
        )
        LedgerEntry.objects.filter(pk=top.pk).update(created_at=when)
        top.refresh_from_db()
        sales.promise(
            reseller,
            form_key=top.form_key,
            kind=top.kind,
            name=top.target,
            sms=top.amount,
            price=Price(item["price"], "KES", own=True),
        )
        sale = sales.settle(top)
        if item["succeeded"]:
            for amount, month in item["payments"]:
                paid_at = max(when, _moment(month, item["day"]))
                sales.record_payment(sale, Promise(amount, "cash"), actor=user("alice"), at=paid_at)


def _from_the_ledger(reseller, client, before):
    """What `client` bought before `before`, from ledger rows and each top-up's price."""
    total = Decimal(0)
    for top in LedgerEntry.objects.filter(
        reseller=reseller,
        target=client,
        status=LedgerEntry.Status.SUCCEEDED,
        created_at__lt=before,
    ):
        price = Sale.objects.get(form_key=top.form_key).price
        total += (Decimal(top.amount) * price).quantize(CENT, rounding=ROUND_HALF_UP)
    return total


def _paid(reseller, client, before):
    return sum(
        (
            p.amount
            for p in Payment.objects.filter(
                reseller=reseller, sale__name=client, paid_at__lt=before
            )
        ),
        Decimal(0),
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=top_ups)
def test_statements_and_money_page_reconcile_with_the_ledger_to_the_cent(alice, plan):
    with transaction.atomic():
        reseller = tenant("alice")
        BusinessProfile.objects.get_or_create(reseller=reseller)
        _make(reseller, plan)
        for month in MONTHS:
            start, end = statements.month_bounds(month)
            month_sales = Decimal(0)
            month_payments = Decimal(0)
            for client in CLIENTS:
                found = statements.for_account(
                    reseller, LedgerEntry.Kind.CLIENT_TOP_UP, client, month
                )
                (statement,) = found
                bought = _from_the_ledger(reseller, client, end) - _from_the_ledger(
                    reseller, client, start
                )
                paid = _paid(reseller, client, end) - _paid(reseller, client, start)
                assert statement.sales_total == bought
                assert statement.payments_total == paid
                assert statement.opening_owed == _from_the_ledger(reseller, client, start) - _paid(
                    reseller, client, start
                )
                assert statement.closing_owed == _from_the_ledger(reseller, client, end) - _paid(
                    reseller, client, end
                )
                month_sales += bought
                month_payments += paid
            figures = summary.month_figures(reseller, month)
            assert sum((f.sales for f in figures), Decimal(0)) == month_sales
            assert sum((f.payments for f in figures), Decimal(0)) == month_payments
        owed = {o.name: o.amount for o in summary.owed_by_account(reseller)}
        for client in CLIENTS:
            everything = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
            left = _from_the_ledger(reseller, client, everything) - _paid(
                reseller, client, everything
            )
            assert owed.get(client, Decimal(0)) == (left if left > 0 else Decimal(0))
        # Every succeeded top-up, and only those, has a receipt; numbers run 1..n.
        numbers = sorted(
            Sale.objects.exclude(receipt_number=None).values_list("receipt_number", flat=True)
        )
        succeeded = LedgerEntry.objects.filter(status=LedgerEntry.Status.SUCCEEDED).count()
        assert numbers == list(range(1, succeeded + 1))
        transaction.set_rollback(True)
