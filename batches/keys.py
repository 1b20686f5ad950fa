"""One-time keys derived from a batch or a rule.

Each row of a batch, and each refill, is a ledger entry with a one-time key of its own. The
key is derived (UUID version 5) from the batch's confirm key and the row's position and
account, or from the rule's key and its crossing number, so the same row or refill always has
the same key: after a crash, the ledger is searched for it, and a second claim of it fails
before any call is made (`messaging.ledger.claim`).
"""

import uuid


def for_row(batch_key: uuid.UUID, position: int, target: str) -> uuid.UUID:
    return uuid.uuid5(batch_key, f"row:{position}:{target}")


def for_refill(rule_key: uuid.UUID, crossing: int) -> uuid.UUID:
    return uuid.uuid5(rule_key, f"refill:{crossing}")
