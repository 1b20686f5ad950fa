"""Large top-ups are confirmed twice: once on the form, once on a page saying the amount in
words with both balances after it.

Large means at least `TOPUP_CONFIRM_ABOVE` SMS, or half the reseller's balance or more. The
confirmation page carries the same one-time key as the form, and nothing is claimed or sent
until it is confirmed, so the top-up still reaches mSpace once, under one key.
"""

from django.conf import settings

# The hidden field the confirmation page posts: the amount the reseller saw in words.
CONFIRMED_FIELD = "confirmed_amount"


def is_large(amount: int, balance: int) -> bool:
    """Whether topping up `amount` out of `balance` needs the second confirmation."""
    return amount >= settings.TOPUP_CONFIRM_ABOVE or amount * 2 >= balance


def is_confirmed(posted, amount: int) -> bool:
    """Whether `posted` (the POST data) confirms exactly `amount`: a confirmation of another
    amount (the form was changed since) confirms nothing."""
    return posted.get(CONFIRMED_FIELD, "") == str(amount)
