"""What the gateway says, word for word, and the pages a misbehaving Tomcat serves.

The sentences keep the gateway document's own spelling, case and punctuation
("Athentication failure" on writes, "Authentication failure" on reads), because the app
must cope with exactly those.
"""

import random
from dataclasses import dataclass
from xml.sax.saxutils import escape  # nosec B406 - writes XML, parses nothing

# Tomcat without an explicit charset would leave the app guessing; the document asks clients
# to speak UTF-8, so the simulator says so. JSON is still served as text/plain.
TEXT = "text/plain;charset=UTF-8"
HTML = "text/html;charset=utf-8"
XML = "application/xml;charset=UTF-8"

# Without a read timeout a real hang lasts forever; a minute outlasts any sane client.
UNBOUNDED_HANG = 60.0
# A "huge" reply, unless the fault says otherwise: what once grew a worker to 668 MB.
HUGE_REPLY_BYTES = 300 * 1024 * 1024
_PADDING_CHUNK = b" " * (64 * 1024)

BALANCE_AUTH_FAILURE = "Error 100: Authentication Failure"
READ_AUTH_FAILURE = "Authentication failure"
WRITE_AUTH_FAILURE = "Athentication failure"
USER_EXISTS = "user exists"
INSUFFICIENT_BALANCE = "Insufficient Balance"
INVALID_SENDER_ID = "Invalid sender ID"
NOT_AUTHORIZED = "You are not Authorized to make this transaction"
CONTACT_PROVIDERS = "Kindly Contact Providers for help"
# The document's list of failures may hold this as one sentence, comma and all; the
# simulator answers an account that resells nothing with it.
NOT_AUTHORIZED_CONTACT_PROVIDERS = f"{NOT_AUTHORIZED},{CONTACT_PROVIDERS}"
TOP_UP_NOT_SUCCESSFUL = "Top up not Successful"
FAILED_TO_DEDUCT = "failed to deduct your account"
INTERNAL_ERROR = "Internal service error"


def top_up_succeeded(amount: int, name: str) -> str:
    return f"Successful Top up of {amount} SMS to {name}"


def top_up_failed(name: str) -> str:
    return f"Failed to top up {name} account"


@dataclass(frozen=True)
class Reply:
    """One answer of the gateway, and how the connection behaves around it.

    `delay` is how long the gateway takes before answering (or before going silent).
    `disconnect` is None for a normal answer, or "hang" (never answers), "reset" (drops the
    connection after reading the request) or "refuse" (never accepted it); then `body` is what
    would have been said and nobody hears it. `drip` is the pause before each byte of the
    body (0: all at once); `size`, when set, pads the body with spaces to that many bytes,
    made as they are sent and never held whole.
    """

    status: int
    body: str
    content_type: str = TEXT
    delay: float = 0.0
    disconnect: str | None = None
    fault: str = ""
    drip: float = 0.0
    size: int = 0

    @property
    def streamed(self) -> bool:
        """Whether the body goes out bit by bit (a "drip" or "huge" fault)."""
        return bool(self.drip or self.size)

    def chunks(self):
        """The body's bytes in the pieces they are sent in (see `streamed`)."""
        body = self.body.encode("utf-8")
        if self.drip:
            yield from (body[i : i + 1] for i in range(len(body)))
            return
        yield body
        left = self.size - len(body)
        while left > 0:
            yield _PADDING_CHUNK[:left]
            left -= len(_PADDING_CHUNK)


def text(body: str) -> Reply:
    return Reply(200, body)


def _tomcat_page(status: int, title: str, message: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><title>HTTP Status {status} – {title}'
        '</title><style type="text/css">body {font-family:Tahoma,Arial,sans-serif;} '
        "h1 {font-size:22px;}</style></head><body>"
        f'<h1>HTTP Status {status} – {title}</h1><hr class="line" />'
        f"<p><b>Type</b> Status Report</p><p><b>Message</b> {message}</p>"
        "<p><b>Description</b> The server encountered an unexpected condition that prevented "
        'it from fulfilling the request.</p><hr class="line" />'
        "<h3>Apache Tomcat/8.5.32</h3></body></html>"
    )


def not_found() -> Reply:
    return Reply(
        404,
        _tomcat_page(404, "Not Found", "The requested resource is not available"),
        content_type=HTML,
    )


def method_not_allowed() -> Reply:
    return Reply(
        405,
        _tomcat_page(405, "Method Not Allowed", "HTTP method not supported"),
        content_type=HTML,
    )


def request_too_large() -> Reply:
    """Tomcat's answer to a request line longer than it will read."""
    return Reply(
        400,
        _tomcat_page(400, "Bad Request", "Request header is too large"),
        content_type=HTML,
    )


def server_error() -> Reply:
    return Reply(
        500,
        _tomcat_page(500, "Internal Server Error", "java.lang.NullPointerException"),
        content_type=HTML,
    )


def login_page() -> Reply:
    """What a captive portal or a gateway under maintenance serves with a cheerful 200."""
    body = (
        "<!DOCTYPE html><html><head><title>mSpace - Login</title></head><body>"
        "<h2>mSpace Bulk SMS</h2><p>The system is undergoing scheduled maintenance. "
        "Please log in again later.</p>"
        '<form method="post" action="/mspace/login"><input name="username">'
        '<input name="password" type="password"><button>Login</button></form>'
        "</body></html>"
    )
    return Reply(200, body, content_type=HTML)


def garbage() -> Reply:
    # Printable noise that is neither a number, a known sentence nor JSON.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789#$%&*~^|\x7f"
    body = "~" + "".join(random.choices(alphabet, k=random.randint(16, 64)))  # nosec B311
    return Reply(200, body)


def empty() -> Reply:
    return Reply(200, "")


def truncated(reply: Reply) -> Reply:
    """The right answer cut in half, as when the gateway dies mid-write."""
    return Reply(reply.status, reply.body[: len(reply.body) // 2], reply.content_type)


def as_xml(rows: list[dict[str, str]], root: str, row: str) -> Reply:
    """A list reply as the gateway answers it when the client does not ask for JSON.

    mSpace's own sample says its server answers XML for the sub-account and send methods
    unless JSON is asked for; nobody outside mSpace has published that XML, so the element
    names here are a guess in the style of a Java (JAXB) server: one element per row, one
    child per field. The app's client relies on that shape, not on these names.
    """
    body = "".join(
        f"<{row}>"
        + "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in fields.items())
        + f"</{row}>"
        for fields in rows
    )
    declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    return Reply(200, f"{declaration}<{root}>{body}</{root}>", content_type=XML)
