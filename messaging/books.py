"""A reseller's two books of accounts: clients and sub-accounts.

They behave alike (a list with balances, a top-up), so everything that differs between them
lives here, once, and views take a book instead of repeating themselves.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from messaging import methods
from messaging.models import LedgerEntry


@dataclass(frozen=True)
class Book:
    slug: str  # as in the URL: /clients/, /subaccounts/
    title: str  # "Clients" (in the reader's language)
    singular: str  # "client"
    meaning: str  # what one is, in one line, for someone new to reselling
    ledger_kind: str
    read_method: methods.Method  # the gateway method listing the book
    top_up_method: methods.Method  # the gateway method topping one account up
    list_view: str  # URL name of the list page
    top_up_view: str  # URL name of the top-up form
    history_view: str  # URL name (in watch:) of one account's history page

    def list_url(self) -> str:
        return reverse(self.list_view)

    def top_up_url(self) -> str:
        return reverse(self.top_up_view)


CLIENTS = Book(
    slug="clients",
    title=_("Clients"),
    singular=_("client"),
    meaning=_(
        "A client is a business you sell SMS to: it has its own mSpace account, and a "
        "top-up moves SMS from your balance to it."
    ),
    ledger_kind=LedgerEntry.Kind.CLIENT_TOP_UP,
    read_method=methods.CLIENTS,
    top_up_method=methods.CLIENT_TOP_UP,
    list_view="messaging:clients",
    top_up_view="messaging:client_topup",
    history_view="client_history",
)
SUB_ACCOUNTS = Book(
    slug="subaccounts",
    title=_("Sub-accounts"),
    singular=_("sub-account"),
    meaning=_(
        "A sub-account is an account inside your own, such as a branch or a department: a "
        "top-up moves SMS from your balance to it."
    ),
    ledger_kind=LedgerEntry.Kind.SUB_ACCOUNT_TOP_UP,
    read_method=methods.SUB_ACCOUNTS,
    top_up_method=methods.SUB_ACCOUNT_TOP_UP,
    list_view="messaging:subaccounts",
    top_up_view="messaging:subaccount_topup",
    history_view="subaccount_history",
)
BOOKS = {book.slug: book for book in (CLIENTS, SUB_ACCOUNTS)}
BOOK_FOR_KIND = {book.ledger_kind: book for book in (CLIENTS, SUB_ACCOUNTS)}
