"""Money arithmetic: exact decimals, one rounding rule, stated once.

Every amount is a `Decimal` from the moment it is typed to the moment it is printed; no float
ever holds money. The rules:

- A price per SMS has at most four decimal places (KES 0.3500, UGX 27.5).
- An amount of money is rounded to its currency's smallest unit: KES to the cent (0.01), UGX
  to the whole shilling (it has no cents in use). A sale's amount is SMS × price, rounded
  half-up to that unit once, for the whole top-up.
- Topping up "by amount paid" gives the whole number of SMS the payment covers, rounded down:
  a client never gets an SMS they did not pay for. What is left over is stated and stays on
  their account as a credit (their amount owed goes below zero by that much).
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _


class Currency:
    KES = "KES"
    UGX = "UGX"
    CHOICES = [(KES, _("Kenyan shilling (KES)")), (UGX, _("Ugandan shilling (UGX)"))]


# The smallest amount of each currency that is ever charged or paid.
_UNIT = {Currency.KES: Decimal("0.01"), Currency.UGX: Decimal("1")}
PRICE_PLACES = 4
_PRICE_UNIT = Decimal(1).scaleb(-PRICE_PLACES)
# Large enough for any reseller's month, small enough for every database's DECIMAL.
AMOUNT_DIGITS = 14
PRICE_DIGITS = 10


def unit(currency: str) -> Decimal:
    """The smallest amount of `currency` (KES 0.01, UGX 1); KeyError for an unknown one."""
    return _UNIT[currency]


def to_unit(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to `currency`'s smallest unit."""
    return amount.quantize(unit(currency), rounding=ROUND_HALF_UP)


def sale_amount(sms: int, price: Decimal, currency: str) -> Decimal:
    """What `sms` SMS at `price` each cost: exact product, rounded half-up once."""
    return to_unit(Decimal(sms) * price, currency)


@dataclass(frozen=True)
class PaidFor:
    """How many SMS an amount paid buys at a price, and what is left over."""

    sms: int
    left_over: Decimal


def sms_for_amount(paid: Decimal, price: Decimal, currency: str) -> PaidFor:
    """The whole SMS `paid` covers at `price` (rounded down) and the amount left over.

    `left_over` is `paid` less what those SMS cost (`sale_amount`), so
    `sale_amount(sms) + left_over == paid` always holds to the unit. Raises ValueError for
    a price that is not above zero.
    """
    if price <= 0:
        raise ValueError("a price per SMS must be above zero")
    sms = int((paid / price).to_integral_value(rounding=ROUND_DOWN))
    # `paid / price` is exact to 28 digits; the product check guards the last one.
    while sms > 0 and sale_amount(sms, price, currency) > paid:
        sms -= 1
    return PaidFor(sms=sms, left_over=paid - sale_amount(sms, price, currency))


def parse_amount(text: str, currency: str) -> Decimal:
    """An amount of money as typed ("5,000", "5000.50", "KES 5 000"), exact.

    Raises ValueError with a sentence for the reseller when it is not a positive amount
    in whole units of the currency (no more than two decimals for KES, none for UGX).
    """
    cleaned = text.strip().upper().removeprefix(currency).replace(",", "").replace(" ", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("Enter an amount such as 5000 or 5,000.50.")) from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(_("Enter an amount above zero."))
    # Size first: quantizing "1e400" would itself fail.
    if amount.adjusted() >= AMOUNT_DIGITS - 2:
        raise ValueError(_("That amount is too large."))
    if amount != amount.quantize(unit(currency), rounding=ROUND_DOWN):
        if currency == Currency.UGX:
            raise ValueError(_("Uganda shillings are whole numbers: no decimals."))
        raise ValueError(_("Enter at most two decimals (cents)."))
    return amount.quantize(unit(currency))


def parse_price(text: str) -> Decimal:
    """A price per SMS as typed ("0.50", "27.5"), exact, above zero, at most 4 decimals.

    Raises ValueError with a sentence for the reseller otherwise.
    """
    cleaned = text.strip().replace(",", "")
    try:
        price = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("Enter a price per SMS such as 0.50.")) from None
    if not price.is_finite() or price <= 0:
        raise ValueError(_("Enter a price above zero."))
    if price.adjusted() >= PRICE_DIGITS - PRICE_PLACES:
        raise ValueError(_("That price is too large."))
    if price != price.quantize(_PRICE_UNIT, rounding=ROUND_DOWN):
        raise ValueError(_("Enter a price with at most four decimals."))
    return price.quantize(_PRICE_UNIT)


def format_amount(amount: Decimal | None, currency: str) -> str:
    """'KES 5,000.00', 'UGX 27,500', 'KES -0.50'; an empty string for no amount."""
    if amount is None:
        return ""
    places = -unit(currency).as_tuple().exponent
    return f"{currency} {to_unit(amount, currency):,.{places}f}"


def format_price(price: Decimal | None, currency: str) -> str:
    """A price per SMS with its needed decimals only: 'KES 0.50', 'UGX 27.5', 'KES 0.3525'."""
    if price is None:
        return ""
    places = max(-unit(currency).as_tuple().exponent, -price.normalize().as_tuple().exponent)
    return f"{currency} {price:,.{places}f}"
