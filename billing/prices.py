"""Selling prices: one per client or sub-account where set, else the reseller's default."""

from dataclasses import dataclass
from decimal import Decimal

from accounts.tenancy import rows
from billing.models import AccountPrice, BusinessProfile


@dataclass(frozen=True)
class Price:
    """The price per SMS for one account; `amount` None when no price is set at all."""

    amount: Decimal | None
    currency: str
    own: bool  # set for this account (True) or the reseller's default (False)


def profile_of(reseller) -> BusinessProfile:
    """The reseller's business profile, made (empty, KES) on first use."""
    return rows(BusinessProfile, reseller).get_or_create(reseller=reseller)[0]


def profile_to_read(reseller) -> BusinessProfile:
    """The reseller's profile for reading only: an unsaved empty one if they have none yet,
    so showing a page never writes (and never waits for the database's write lock)."""
    found = rows(BusinessProfile, reseller).first()
    return found or BusinessProfile(reseller=reseller)


def prices_for(reseller, kind: str) -> dict[str, Price]:
    """Every account of `kind` that has its own price, by name."""
    return {
        row.name: Price(row.price, row.currency, own=True)
        for row in rows(AccountPrice, reseller).filter(kind=kind)
    }


def price_for(reseller, kind: str, name: str, profile: BusinessProfile | None = None) -> Price:
    """The selling price of one account: its own, else the default, else none."""
    own = rows(AccountPrice, reseller).filter(kind=kind, name=name).first()
    if own is not None:
        return Price(own.price, own.currency, own=True)
    profile = profile or profile_to_read(reseller)
    return Price(profile.default_price, profile.currency, own=False)


def set_price(reseller, kind: str, name: str, price: Decimal | None, currency: str) -> None:
    """Give an account its own price; `price` None removes it (the default applies again)."""
    if price is None:
        rows(AccountPrice, reseller).filter(kind=kind, name=name).delete()
        return
    rows(AccountPrice, reseller).update_or_create(
        reseller=reseller, kind=kind, name=name, defaults={"price": price, "currency": currency}
    )
