"""The money part of the top-up form: price, payment taken, "top up by amount paid".

The top-up view calls this in four places and stays in charge of the top-up itself:
`TopUpPayment(...)` when it reads the form, `data_with_sms` before validating the top-up,
`promise` just before the top-up is sent and `settle` with its outcome.
"""

from django.http import QueryDict

from billing import money, sales
from billing.forms import PaymentFields
from billing.prices import Price, prices_for, profile_to_read


class TopUpPayment:
    """The payment fields of one top-up form of `book`, bound to `data` when given."""

    def __init__(self, reseller, book, data=None):
        self.reseller = reseller
        self.book = book
        self.profile = profile_to_read(reseller)
        self.own_prices = prices_for(reseller, book.ledger_kind)
        name = data.get("name", "") if data is not None else ""
        self.price = self.price_of(name) if name else None
        self.form = PaymentFields(data, price=self.price)
        self._valid = None

    @property
    def default(self) -> Price:
        return Price(self.profile.default_price, self.profile.currency, own=False)

    def price_of(self, name: str) -> Price:
        return self.own_prices.get(name, self.default)

    def is_valid(self) -> bool:
        if self._valid is None:
            self._valid = self.form.is_bound and self.form.is_valid()
        return self._valid

    def paid_for(self) -> money.PaidFor | None:
        """What the amount paid buys, when an amount and a price are both known."""
        return self.form.sms_for_amount_paid() if self.is_valid() else None

    def data_with_sms(self, data: QueryDict) -> QueryDict:
        """`data` with the number of SMS worked out from the amount paid, if it was left empty."""
        paid_for = self.paid_for()
        if data.get("noofsms", "").strip() or paid_for is None or paid_for.sms < 1:
            return data
        filled = data.copy()
        filled["noofsms"] = str(paid_for.sms)
        return filled

    def promise(self, *, form_key, name, sms) -> None:
        """Write the sale and the payment taken before the top-up is sent, so a payment is
        never lost, whatever happens next. Without a payment there is nothing to lose: the
        sale is written when the top-up succeeds, at the same price (`sales.settle`)."""
        paid = self.form.promise(sms) if self.is_valid() else None
        if paid is None:
            return
        sales.promise(
            self.reseller,
            form_key=form_key,
            kind=self.book.ledger_kind,
            name=name,
            sms=sms,
            price=self.price_of(name),
            paid=paid,
        )

    @staticmethod
    def settle(entry) -> None:
        """Link the sale to the settled top-up; a succeeded one gets its receipt."""
        sales.settle(entry)

    def page_context(self) -> dict:
        """What the top-up page needs to show the payment fields and the price preview."""
        return {
            "payment": self,
            "payment_form": self.form,
            "paid_for": self.paid_for(),
            "default_price": _price_data(self.default),
            "own_prices": [(name, _price_data(p)) for name, p in self.own_prices.items()],
        }


def _price_data(price: Price) -> dict:
    # As text, for data attributes (the CSP allows no inline script, not even JSON): the
    # page's script does its arithmetic on whole numbers of 1/10,000, never floats.
    return {
        "price": "" if price.amount is None else str(price.amount),
        "currency": price.currency,
        "places": -money.unit(price.currency).as_tuple().exponent,
    }
