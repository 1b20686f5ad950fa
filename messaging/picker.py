"""Choosing one account from a book that may hold 10,000: what the top-up form lists.

A select of 10,000 names cannot be scrolled by a person, so past `SHOWN_AT_MOST` the form
lists the first matches of a search (`?q=`, folded like every search here) and says how many
more there are. It is plain HTML: the search is a GET form, so it works without script;
`static/js/account-picker.js` only runs it as the reseller types.
"""

from dataclasses import dataclass

from messaging.mspace import Account
from messaging.reads import AccountBook

SHOWN_AT_MOST = 100
# A book longer than this gets a search box above its list.
SEARCH_FROM = 20
# Longer than any account name; a longer search could only echo megabytes back.
SEARCH_LIMIT = 100


@dataclass(frozen=True)
class Choices:
    options: list[Account]  # what the list shows, by name as people read them
    search: str
    found: int  # accounts matching the search (all of them without one)
    total: int

    @property
    def searchable(self) -> bool:
        return self.total > SEARCH_FROM

    @property
    def shortened(self) -> bool:
        """Whether some matches are not listed (the reseller should type more)."""
        return self.found > SHOWN_AT_MOST


def choices_for(listing: AccountBook, *, search: str = "", chosen: str = "") -> Choices:
    """The accounts of `listing` to list: those matching `search`, at most `SHOWN_AT_MOST`,
    by name; the `chosen` one is always among them, even when it does not match."""
    search = search.strip()[:SEARCH_LIMIT]
    found = listing.find(search, "name")
    options = list(found[:SHOWN_AT_MOST])
    if chosen and not any(account.name == chosen for account in options):
        picked = next((account for account in listing if account.name == chosen), None)
        if picked is not None:
            options.insert(0, picked)
    return Choices(options=options, search=search, found=len(found), total=len(listing))
