"""What mSpace's errors mean, in the reader's language.

`messaging/mspace.py` is plain Python (no Django), so the plain-language `.message` of its
errors is English. Every sentence it can say is listed here, marked for translation, and
`said()` turns one into the active language at the Django boundary (pages, messages, the
ledger's detail). tests/test_gateway_words.py checks this list against mspace.py itself, so
a sentence added there without a translation here fails the tests.
"""

import re

from django.utils.translation import gettext, gettext_noop

# The fixed sentences, exactly as mspace.py writes them.
SENTENCES = frozenset(
    {
        # Each error's default
        gettext_noop("mSpace could not complete the request."),
        gettext_noop("mSpace did not accept the username or password."),
        gettext_noop("Your mSpace balance is too low for this."),
        gettext_noop("mSpace did not accept this sender ID."),
        gettext_noop("mSpace says your account is not authorized to make this transaction."),
        gettext_noop("mSpace did not carry out the top-up."),
        gettext_noop("mSpace gave an answer this site could not understand."),
        gettext_noop("mSpace could not be reached. Please try again in a moment."),
        gettext_noop(
            "mSpace did not confirm whether this went through. "
            "Check the balances before trying again."
        ),
        # Documented refusals
        gettext_noop(
            "mSpace did not carry out the top-up and asks you to contact mSpace for help."
        ),
        gettext_noop(
            "mSpace could not deduct the SMS from your own balance, "
            "so the top-up did not go through."
        ),
        gettext_noop("mSpace failed to top up that account."),
        gettext_noop("mSpace says the top-up was not successful."),
        gettext_noop("mSpace reported an internal error. Please try again later."),
        # Transport failures
        gettext_noop("mSpace could not be reached in time. Please try again in a moment."),
        gettext_noop("mSpace did not answer in time."),
        gettext_noop("mSpace closed the connection without answering."),
        gettext_noop(
            "mSpace did not answer in time, so it is not known whether it went through. "
            "Check before trying again."
        ),
        gettext_noop(
            "The connection to mSpace broke after the request was sent, so it is not known "
            "whether it went through. Check before trying again."
        ),
        gettext_noop(
            "mSpace's answer could not be decoded, so it is not known whether it went "
            "through. Check before trying again."
        ),
        gettext_noop("mSpace sent an answer that could not be decoded."),
        # Replies that make no sense
        gettext_noop("mSpace sent a list of accounts this site could not read."),
        gettext_noop(
            "mSpace confirmed a different top-up from the one asked for. "
            "A person must check both accounts before trying again."
        ),
        gettext_noop("mSpace's answer to the test SMS had no status."),
        gettext_noop(
            "mSpace said the message was sent but gave no message ID. "
            "Check the handset before sending again."
        ),
        gettext_noop(
            "mSpace answered with a success this site could not check. "
            "A person must check the balances before trying again."
        ),
        gettext_noop("mSpace sent an empty answer."),
        gettext_noop("mSpace sent an answer far larger than any real one; it was not read."),
        gettext_noop("mSpace refused the request as too large or malformed."),
        gettext_noop(
            "mSpace's answer was far larger than any real one and was not read, so it is not "
            "known whether it went through. Check before trying again."
        ),
        # The causes the top-up page quotes on their own (messaging/topups.py)
        gettext_noop("The connection to mSpace broke after the request was sent."),
        gettext_noop("mSpace's answer could not be decoded."),
        gettext_noop("mSpace reported an internal error."),
        gettext_noop("mSpace's answer was far larger than any real one and was not read."),
    }
)

# Sentences with a value from mSpace's reply in them: (pattern, translatable sentence).
_WITH_VALUES = (
    (
        re.compile(r"mSpace answered with a redirect \(HTTP (?P<status>\d+)\), not a result\."),
        gettext_noop("mSpace answered with a redirect (HTTP %(status)s), not a result."),
    ),
    (
        re.compile(
            r"mSpace refused the request as too large or malformed \(HTTP (?P<status>\d+)\)\."
        ),
        gettext_noop("mSpace refused the request as too large or malformed (HTTP %(status)s)."),
    ),
    (
        re.compile(r"mSpace answered with an error \(HTTP (?P<status>\d+)\)\."),
        gettext_noop("mSpace answered with an error (HTTP %(status)s)."),
    ),
    (
        re.compile(r"mSpace did not send it \(status: (?P<status>.*)\)\.", re.DOTALL),
        gettext_noop("mSpace did not send it (status: %(status)s)."),
    ),
)


def said(message: str) -> str:
    """`message` (an MspaceError's `.message`, or one of the sentences above) in the active
    language. A text not recognised is returned as it is, so nothing is ever lost."""
    if message in SENTENCES:
        return gettext(message)
    for pattern, sentence in _WITH_VALUES:
        found = pattern.fullmatch(message)
        if found:
            return gettext(sentence) % found.groupdict()
    return message
