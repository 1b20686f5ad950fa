"""Keep watch's stored sentences, put into the reader's language when shown.

The worker writes a round's trouble and the watch events' details while nobody is reading, so
they are stored in English, the words below (like mSpace's own sentences, which
`messaging.gateway_words` explains), and `shown()` turns them into the language of whoever
reads them later: a reseller who started watch in Kiswahili and reads in English sees English.
Text it does not recognise (rows written before this) is shown as it is, so nothing is lost.
"""

import re

from django.utils.translation import gettext, gettext_noop

from messaging.gateway_words import said

STARTED = gettext_noop(
    "Your mSpace password is stored encrypted so balances are read while you are away."
)
STOPPED = gettext_noop("Your stored mSpace password was deleted.")
ROTATED = gettext_noop("Your stored password was re-encrypted under the server's newest key.")
OPERATOR = gettext_noop("the server's operator")
WORKER = gettext_noop("the watch worker")
UNREADABLE = gettext_noop(
    "Your stored password could not be opened with this server's keys (WATCH_KEYS changed). "
    "Turn watch off and on again."
)
ROUND_FAILED = gettext_noop("Watching failed unexpectedly this round; it will be tried again.")
REFUSED = gettext_noop(
    "mSpace refused the stored password (%(reason)s), so it was deleted and watching "
    "stopped. Turn watch on again with your current password."
)
OWN_TROUBLE = gettext_noop("Your balance: %(reason)s")
BOOK_TROUBLE = gettext_noop("%(book)s: %(reason)s")

# A round's troubles are stored one a line; a page shows them as one paragraph.
LINES = "\n"

_FIXED = frozenset({STARTED, STOPPED, ROTATED, OPERATOR, WORKER, UNREADABLE, ROUND_FAILED})


def _pattern(sentence: str) -> re.Pattern:
    pieces = re.split(r"%\((\w+)\)s", sentence)
    return re.compile(
        "".join(
            re.escape(piece) if even else f"(?P<{piece}>.+?)"
            for even, piece in zip([True, False] * len(pieces), pieces, strict=False)
        ),
        re.DOTALL,
    )


# Most specific first: "%(book)s: %(reason)s" would also match "Your balance: …".
_WITH_VALUES = tuple((_pattern(s), s) for s in (REFUSED, OWN_TROUBLE, BOOK_TROUBLE))


def _value(text: str) -> str:
    # mSpace's sentence, or a word this app translates ("Clients"), or a name left alone.
    explained = said(text)
    return explained if explained != text else gettext(text)


def _one(line: str) -> str:
    if line in _FIXED:
        return gettext(line)
    for pattern, sentence in _WITH_VALUES:
        found = pattern.fullmatch(line)
        if found:
            return gettext(sentence) % {k: _value(v) for k, v in found.groupdict().items()}
    return said(line)


def shown(text: str) -> str:
    """`text` as stored by keep watch, in the active language."""
    return " ".join(_one(line) for line in (text or "").split(LINES) if line)
