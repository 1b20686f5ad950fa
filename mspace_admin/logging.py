"""A last line of defence: no log line may carry a gateway password.

The gateway takes the password as a URL path segment (`/password=...`). Our own code never
logs such a URL, but a library might (urllib3 at DEBUG, a traceback holding a URL), so every
record passing through the console handler is masked here as a backstop.
"""

import logging
import re

# `password=` up to the next path separator, whitespace, quote or query delimiter, whether
# written plainly or percent-encoded (`password%3D...`).
_PASSWORD_SEGMENT = re.compile(r"(?i)(password(?:=|%3D))[^/\s'\"&?#]*")


def mask(text: str) -> str:
    """Return `text` with anything shaped like a gateway password segment masked."""
    return _PASSWORD_SEGMENT.sub(r"\1***", text)


class MaskGatewayPasswords(logging.Filter):
    """Rewrite each record's message and traceback text with passwords masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the whole line
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info:
            # Format the traceback now, masked; handlers reuse record.exc_text as is.
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True
