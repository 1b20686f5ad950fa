"""Whole numbers in words, in English and Kiswahili: "12,500" is "twelve thousand five hundred"
or "elfu kumi na mbili na mia tano". A large top-up is confirmed with its amount in words,
so that a zero too many is read, not just seen."""

from django.utils.translation import get_language

# fmt: off
_EN_SMALL = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# fmt: on
_EN_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))

# fmt: off
_SW_UNITS = ["sifuri", "moja", "mbili", "tatu", "nne", "tano", "sita", "saba", "nane", "tisa"]
_SW_TENS = [
    "", "kumi", "ishirini", "thelathini", "arobaini", "hamsini", "sitini", "sabini", "themanini",
    "tisini",
]
# fmt: on
_SW_SCALES = ((10**9, "bilioni"), (10**6, "milioni"), (1000, "elfu"))


def in_words(number: int, language: str | None = None) -> str:
    """`number` (0 or more) in words, in `language` ("sw…" for Kiswahili, else English);
    by default the language of the page being shown."""
    if number < 0:
        raise ValueError("Only whole numbers from 0 are written in words here.")
    language = language or get_language() or "en"
    return _swahili(number) if language.startswith("sw") else _english(number)


def _english(n: int) -> str:
    if n < 20:
        return _EN_SMALL[n]
    if n < 100:
        tens, units = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_SMALL[units]}" if units else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_EN_SMALL[hundreds]} hundred" + (f" and {_english(rest)}" if rest else "")
    for size, name in _EN_SCALES:
        if n >= size:
            count, rest = divmod(n, size)
            words = f"{_english(count)} {name}"
            if not rest:
                return words
            return words + (" and " if rest < 100 else " ") + _english(rest)
    raise AssertionError("unreachable")  # pragma: no cover


def _swahili(n: int) -> str:
    if n < 10:
        return _SW_UNITS[n]
    if n < 100:
        tens, units = divmod(n, 10)
        return _SW_TENS[tens] + (f" na {_SW_UNITS[units]}" if units else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"mia {_SW_UNITS[hundreds]}" + (f" na {_swahili(rest)}" if rest else "")
    for size, name in _SW_SCALES:
        if n >= size:
            count, rest = divmod(n, size)
            words = f"{name} {_swahili(count)}"
            return words + (f" na {_swahili(rest)}" if rest else "")
    raise AssertionError("unreachable")  # pragma: no cover
