"""The gateway's methods, once: what each is called on the wire, the segments it takes after
the username and password, whether it moves credit, and the `MspaceClient` method that calls
it. The client, the books, the services and the simulator all read this table.

Plain Python: `messaging.mspace` imports it and must never import Django.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    wire: str  # in the URL: {base}/{wire}/username=.../password=...
    segments: tuple[str, ...]  # the extra segments, in the document's order
    client_method: str  # the `MspaceClient` method that calls it
    # A write: never retried, recorded in the ledger before it is sent; `target` is the
    # segment naming where the credit goes (the account topped up, the SMS's recipient).
    moves_credit: bool = False
    target: str = ""


LOGIN = Method("login", (), "login")
BALANCE = Method("balance", (), "balance")
SUB_ACCOUNTS = Method("subusers", (), "sub_accounts")
CLIENTS = Method("resellerclients", (), "reseller_clients")
CLIENT_TOP_UP = Method(
    "resellerclienttopup",
    ("clientname", "noofsms"),
    "top_up_client",
    moves_credit=True,
    target="clientname",
)
SUB_ACCOUNT_TOP_UP = Method(
    "subacctopup",
    ("subaccname", "noofsms"),
    "top_up_sub_account",
    moves_credit=True,
    target="subaccname",
)
SEND_TEXT = Method(
    "sendtext",
    ("senderid", "recipient", "message"),
    "send_text",
    moves_credit=True,
    target="recipient",
)

# Every method, in the gateway document's order, by wire name.
METHODS = {
    method.wire: method
    for method in (
        BALANCE,
        LOGIN,
        SUB_ACCOUNTS,
        CLIENTS,
        CLIENT_TOP_UP,
        SUB_ACCOUNT_TOP_UP,
        SEND_TEXT,
    )
}
WRITES = tuple(wire for wire, method in METHODS.items() if method.moves_credit)
READS = tuple(wire for wire, method in METHODS.items() if not method.moves_credit)
