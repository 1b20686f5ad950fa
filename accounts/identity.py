"""The one canonical form of a username, for everything local: people, tenants, throttling
and ledgers. The gateway still receives the username exactly as it was typed."""

import unicodedata


def canonical_username(username: str) -> str:
    """`username` without surrounding spaces, NFKC-normalised and case-folded: "Alice ",
    "ALICE" and "ａｌｉｃｅ" (full-width) are one person, one tenant, one throttling count."""
    return unicodedata.normalize("NFKC", username.strip()).casefold()
