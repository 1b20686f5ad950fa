from django import template

from messaging.gateway_words import said as said_in_words

register = template.Library()


@register.filter
def said(error) -> str:
    """An MspaceError's plain words (or such a sentence) in the reader's language."""
    return said_in_words(getattr(error, "message", error))
