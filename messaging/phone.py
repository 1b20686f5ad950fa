"""Recipients in the form mSpace expects: international digits, no "+", e.g. 254712345678.

Resellers type numbers the way their clients give them: `0712 345 678`, `+256 772 123456`,
`00255-754-123456`, `(0712) 345.678`. `normalise` turns each into one string of digits, or
refuses it with a reason the reseller can act on. A test SMS costs credit, so a number that
cannot be a mobile phone is refused here rather than sent to and charged for.

Plain code rather than the `phonenumbers` library: resellers here sell into four countries
whose mobile ranges fit in a table, and every other country gets the E.164 length check.
"""

import re
from dataclasses import dataclass

# Written around and inside numbers; never part of one.
_SEPARATORS = re.compile(r"[\s\-.()]+")

# E.164: at most 15 digits with the country code. Fewer than 8 is no mobile number anywhere.
_SHORTEST = 8
_LONGEST = 15


@dataclass(frozen=True)
class MobilePlan:
    """How mobile numbers look after a country's calling code."""

    country: str  # as in "a Kenyan mobile number"
    digits: int  # national digits, without the trunk 0
    prefixes: str  # first national digit of a mobile number
    example: str  # a national number as people write it


MOBILE_PLANS = {
    "254": MobilePlan("Kenyan", 9, "71", "0712 345 678"),
    "256": MobilePlan("Ugandan", 9, "7", "0772 123 456"),
    "255": MobilePlan("Tanzanian", 9, "67", "0754 123 456"),
    "250": MobilePlan("Rwandan", 9, "7", "0788 123 456"),
}


def normalise(raw: str, default_country_code: str) -> str:
    """`raw` as international digits without "+" (e.g. "254712345678").

    A number starting with "+" or "00" carries its country code; one starting with a single
    "0" is national and gets `default_country_code`. A number without either, exactly as
    long as a national mobile number of the default country and starting like one
    ("712 345 678"), is taken as national too; anything else without a prefix must already
    start with its country code. Kenya, Uganda, Tanzania and Rwanda are checked against their
    mobile ranges; other countries only against E.164's length.

    Raises ValueError with a plain sentence saying what is wrong.
    """
    # "+254 (0)712 345 678": the bracketed trunk 0 is dialled at home only.
    number = _SEPARATORS.sub("", (raw or "").replace("(0)", ""))
    if not number:
        raise ValueError("Enter the mobile number to send to.")
    international = number.startswith("+")
    if international:
        number = number[1:]
    stray = next((ch for ch in number if not "0" <= ch <= "9"), None)
    if stray is not None:
        raise ValueError(
            f"A phone number has only digits (spaces, dashes and a leading + are fine); "
            f"“{stray}” cannot be part of one."
        )

    if international:
        digits = number
    elif number.startswith("00"):
        digits = number[2:]
    elif number.startswith("0"):
        digits = default_country_code + number[1:]
    elif _looks_national(number, default_country_code):
        digits = default_country_code + number
    else:
        digits = number

    if digits.startswith("0"):
        raise ValueError("After + or 00 comes the country code, which never starts with 0.")
    plan = _plan_for(digits)
    if plan is None:
        return _checked_length(digits)
    code, plan = plan
    return code + _checked_mobile(digits[len(code) :], plan)


def _looks_national(number: str, default_country_code: str) -> bool:
    plan = MOBILE_PLANS.get(default_country_code)
    return plan is not None and len(number) == plan.digits and number[0] in plan.prefixes


def _plan_for(digits: str) -> tuple[str, MobilePlan] | None:
    for code, plan in MOBILE_PLANS.items():
        if digits.startswith(code):
            return code, plan
    return None


def _checked_mobile(national: str, plan: MobilePlan) -> str:
    if len(national) != plan.digits:
        shorter_or_longer = "short" if len(national) < plan.digits else "long"
        raise ValueError(
            f"That is too {shorter_or_longer} for a {plan.country} mobile number: it needs "
            f"{plan.digits} digits after the 0 (like {plan.example}), and this has "
            f"{len(national)}."
        )
    if national[0] not in plan.prefixes:
        starts = " or ".join(f"0{prefix}" for prefix in plan.prefixes)
        raise ValueError(
            f"That is not a {plan.country} mobile number (those start with {starts}); "
            f"a landline cannot receive SMS."
        )
    return national


def _checked_length(digits: str) -> str:
    if not _SHORTEST <= len(digits) <= _LONGEST:
        shorter_or_longer = "short" if len(digits) < _SHORTEST else "long"
        raise ValueError(
            f"That is too {shorter_or_longer} for a mobile number: with its country code it "
            f"needs {_SHORTEST} to {_LONGEST} digits, and this has {len(digits)}."
        )
    return digits
