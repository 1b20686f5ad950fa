"""Money in templates: `{{ amount|money:currency }}`, `{{ price|price:currency }}`, and the
money part of a top-up's outcome page (`{% topup_money entry %}`)."""

from django import template

from accounts.tenancy import rows
from billing import money, sales
from billing.models import Sale

register = template.Library()


@register.filter(name="money")
def money_filter(amount, currency):
    """'KES 5,000.00'; empty for no amount."""
    return money.format_amount(amount, currency)


@register.filter(name="price")
def price_filter(price, currency):
    """'KES 0.50' per SMS; empty for no price."""
    return money.format_price(price, currency)


@register.inclusion_tag("billing/_topup_money.html")
def topup_money(entry):
    """The sale, receipt and payments of a top-up, for its outcome page.

    A succeeded top-up without a receipt yet (settled later by a check) gets it here.
    """
    sale = sales.settle(entry) if entry.status == entry.Status.SUCCEEDED else None
    if sale is None:
        sale = rows(Sale, entry.reseller_id).filter(form_key=entry.form_key).first()
    paid = sales.paid_towards(sale) if sale else None
    return {
        "entry": entry,
        "sale": sale,
        "paid": paid,
        "owed": sales.owed_on(sale) if sale else None,
        "payments": list(sale.payments.all()) if sale else [],
    }


@register.filter
def price_number(price):
    """A price as a reseller would type it: '0.5', '27.5', '30' (never '3E+1'); empty for none."""
    if price is None:
        return ""
    text = f"{price:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
