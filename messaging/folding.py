"""Names as people read them: the one folding used to search and to sort accounts.

A reseller types "cafe ngong' road" for "Café  Ngong’ Road" and expects to find it, and
expects "Ébène Salon" among the E's rather than after "Zebra Ltd". `fold` is the key both
comparisons use, so search and order can never disagree about what counts as the same name.
"""

import re
import unicodedata

# Every apostrophe-like mark a phone keyboard or a word processor produces: ’ ‘ ʼ ` ´ ′.
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc\u0060\u00b4\u2032", "'"))
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """`text` with case, accents, runs of spaces and the kind of apostrophe ignored.

    "  Café  Ngong’ Road " and "cafe ngong' road" fold to the same string. Letters that are
    not a base letter plus an accent ("ß", "ø") fold by case only ("ss", "ø").
    """
    # NFKD splits "é" into "e" and a combining accent, which is then dropped.
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.casefold()).strip()
