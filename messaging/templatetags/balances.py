"""`{% load balances %}`: SMS balances in templates (see `messaging.balances`)."""

from django import template

from messaging import balances

register = template.Library()


@register.filter
def sms_balance(balance):
    """ "12,400", "49.5", "Unlimited" or "unreadable"."""
    return balances.shown(balance)


@register.filter
def script_balance(balance):
    """The exact number, or "unlimited", for a data attribute that topup.js reads."""
    return balances.for_script(balance)


@register.filter
def unreadable_balance(balance):
    """Whether mSpace sent this list row in a form that could not be read."""
    return balance is not None and balance < 0
