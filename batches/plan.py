"""What a bulk top-up would do: each account with its balance, amount and balance after. Pure.

Two rules: "bring every account below `below` up to `up_to`" (each account below gets the
difference), and "add `add` to each chosen account". An unlimited account is never below
anything and gains nothing from more SMS; an unreadable one cannot be chosen (see
`messaging.topups.read_balances`, which leaves it out).
"""

from dataclasses import dataclass

from messaging.mspace import UNLIMITED


@dataclass(frozen=True)
class Line:
    name: str
    balance: int
    amount: int
    # Why this account cannot be part of the batch now (an open top-up), or "".
    blocked: str = ""

    @property
    def balance_after(self) -> int:
        return self.balance + self.amount


def lines(accounts, *, rule: str, below=None, up_to=None, add=None, blocked=None) -> list[Line]:
    """The preview's lines for `accounts` (each with `.name`, `.balance`), by name.

    `blocked` maps an account's name to why it cannot be topped up now."""
    blocked = blocked or {}
    found = []
    for account in accounts:
        balance = int(account.balance)
        if balance < 0 or balance >= UNLIMITED:
            continue
        if rule == "up_to":
            if balance >= below:
                continue
            amount = up_to - balance
        else:
            amount = add
        found.append(Line(account.name, balance, amount, blocked.get(account.name, "")))
    return found


def total(chosen: list[Line]) -> int:
    return sum(line.amount for line in chosen)
