"""Exact SMS counting (SPEC §5), mirrored character for character by static/js/sms-counter.js.

A message is sent as GSM-7 when every character is in the GSM 03.38 default alphabet or its
extension table, and as UCS-2 otherwise. Resellers pay per part, so the count must match what
the network does: parts are filled in order and a character is never split across two parts.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_PARTS = 10

GSM_7 = "GSM-7"
UCS_2 = "UCS-2"

# The GSM 03.38 default alphabet, in table order (0x1B is the escape to the extension table).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through the escape code, so each costs two septets.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

# Units that fit in one SMS, and in each part of a multipart SMS (the rest of a part is the
# header that lets the phone join the parts again).
SINGLE_SMS_UNITS = {GSM_7: 160, UCS_2: 70}
UNITS_PER_PART = {GSM_7: 153, UCS_2: 67}


@dataclass(frozen=True)
class SmsCount:
    """What a message costs: its encoding, length in units, and the SMS parts it needs.

    `culprit` is the first character that forced UCS-2 (None for GSM-7); `characters` is the
    length of the text in code points.
    """

    encoding: str
    units: int
    parts: int
    culprit: str | None
    characters: int


def measure(text: str) -> SmsCount:
    """Count `text` as the network will send it. Never raises for any str."""
    culprit = next((ch for ch in text if ch not in GSM_BASIC and ch not in GSM_EXTENSION), None)
    if culprit is None:
        encoding = GSM_7
        sizes = [2 if ch in GSM_EXTENSION else 1 for ch in text]
    else:
        encoding = UCS_2
        # UCS-2 here is really UTF-16: a character outside the BMP travels as a surrogate pair.
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    units = sum(sizes)
    return SmsCount(
        encoding=encoding,
        units=units,
        parts=_parts_needed(sizes, encoding),
        culprit=culprit,
        characters=len(text),
    )


def _parts_needed(sizes: list[int], encoding: str) -> int:
    units = sum(sizes)
    if units == 0:
        return 0
    if units <= SINGLE_SMS_UNITS[encoding]:
        return 1
    per_part = UNITS_PER_PART[encoding]
    parts, room = 1, per_part
    for size in sizes:
        # An escape pair or a surrogate pair cut in half would arrive as garbage on the
        # phone, so a 2-unit character that does not fit moves whole to the next part.
        if size > room:
            parts += 1
            room = per_part
        room -= size
    return parts


def describe(count: SmsCount, max_parts: int = MAX_PARTS) -> str:
    """The counter sentence shown under the message box, identical to SmsCounter.describe.

    E.g. "42 characters · 1 SMS · GSM-7" or "75 characters · 2 SMS · Unicode (because of “🎉”)",
    followed by " · too long: at most 10 SMS" when the message needs more than `max_parts`.
    """
    characters = ngettext("%(count)s character", "%(count)s characters", count.characters)
    if count.encoding == GSM_7:
        encoding = "GSM-7"
    else:
        encoding = _("Unicode (because of %(character)s)") % {"character": _show(count.culprit)}
    sentence = " · ".join(
        (
            characters % {"count": f"{count.characters:,}"},
            _("%(count)s SMS") % {"count": count.parts},
            encoding,
        )
    )
    if count.parts > max_parts:
        sentence += " · " + _("too long: at most %(count)s SMS") % {"count": max_parts}
    return sentence


def counter_words() -> list[tuple[str, str]]:
    """The counter's words in the active language, for the page's live counter
    (static/js/sms-counter.js reads them from data- attributes, so both say the same)."""
    return [
        ("character-one", ngettext("%(count)s character", "%(count)s characters", 1)),
        ("character-other", ngettext("%(count)s character", "%(count)s characters", 2)),
        ("parts", _("%(count)s SMS")),
        ("unicode", _("Unicode (because of %(character)s)")),
        ("too-long", _("too long: at most %(count)s SMS")),
    ]


def _show(character: str) -> str:
    # A non-breaking space or a zero-width joiner between quotes tells the reseller nothing,
    # so characters that cannot be seen are named by code point. Lone surrogates are named too:
    # they cannot be written to a UTF-8 page.
    code_point = ord(character)
    if any(first <= code_point <= last for first, last in _INVISIBLE):
        return f"U+{code_point:04X}"
    return f"“{character}”"


# Controls, spaces, soft hyphen, combining marks, zero-width and direction marks, line and
# paragraph separators, variation selectors, surrogates and the byte order mark.
# Same ranges as INVISIBLE in sms-counter.js.
_INVISIBLE = (
    (0x0000, 0x0020),
    (0x007F, 0x00A0),
    (0x00AD, 0x00AD),
    (0x0300, 0x036F),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x206F),
    (0x3000, 0x3000),
    (0xD800, 0xDFFF),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
)
