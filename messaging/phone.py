"""Recipients in the form mSpace expects: international digits, no "+", e.g. 254712345678.

Resellers type numbers the way their clients give them: `0712 345 678`, `+256 772 123456`,
`00255-754-123456`, `(0712) 345.678`. `normalise` turns each into one string of digits, or
refuses it with a reason the reseller can act on. A test SMS costs credit, so a number that
cannot be a mobile phone is refused here rather than sent to and charged for.

Whether a number is a mobile one is Google's libphonenumber's call (the `phonenumbers`
package), which knows every country's numbering plan. Kenya and Uganda, where resellers
sell, also get their own examples in the reasons.
"""

import re
from dataclasses import dataclass

import phonenumbers
from babel import Locale, UnknownLocaleError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumberType, ValidationResult

# Written around and inside numbers; never part of one.
_SEPARATORS = re.compile(r"[\s\-.()]+")

# E.164: at most 15 digits with the country code. Fewer than 8 is no mobile number anywhere.
_SHORTEST = 8
_LONGEST = 15
# Numbers a handset can have. Some countries (the United States, Canada) do not tell their
# mobile numbers from their landlines, and libphonenumber says "either" for those.
_CAN_RECEIVE_SMS = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class MobilePlan:
    """How mobile numbers look after a country's calling code, for the reasons we give."""

    country: str  # as in "a Kenyan mobile number" (in Kiswahili "ya Kenya")
    digits: int  # national digits, without the trunk 0
    starts: str  # how mobile numbers start, as people write them
    example: str  # a national number as people write it


MOBILE_PLANS = {
    "254": MobilePlan(_("Kenyan"), 9, _("07 or 01"), "0712 345 678"),
    "256": MobilePlan(_("Ugandan"), 9, "07", "0772 123 456"),
}


def normalise(raw: str, default_country_code: str) -> str:
    """`raw` as international digits without "+" (e.g. "254712345678").

    A number starting with "+" or "00" carries its country code; one starting with a single
    "0" is national and gets `default_country_code`. A number without either that is a
    mobile number of the default country as it stands ("712 345 678") is taken as national
    too; anything else without a prefix must already start with its country code. Every
    number must be a mobile one by its country's numbering plan.

    Raises ValueError with a plain sentence saying what is wrong.
    """
    # "+254 (0)712 345 678": the bracketed trunk 0 is dialled at home only.
    number = _SEPARATORS.sub("", (raw or "").replace("(0)", ""))
    if not number:
        raise ValueError(gettext("Enter the mobile number to send to."))
    international = number.startswith("+")
    if international:
        number = number[1:]
    stray = next((ch for ch in number if not "0" <= ch <= "9"), None)
    if stray is not None:
        raise ValueError(
            gettext(
                "A phone number has only digits (spaces, dashes and a leading + are fine); "
                "“%(stray)s” cannot be part of one."
            )
            % {"stray": stray}
        )

    if international:
        digits = number
    elif number.startswith("00"):
        digits = number[2:]
    elif number.startswith("0"):
        digits = default_country_code + number[1:]
    elif _is_mobile(default_country_code + number):
        digits = default_country_code + number
    else:
        digits = number

    if digits.startswith("0"):
        raise ValueError(
            gettext("After + or 00 comes the country code, which never starts with 0.")
        )
    _check_length(digits)
    _check_mobile(digits)
    return digits


def _parsed(digits: str):
    try:
        return phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None


def _is_mobile(digits: str) -> bool:
    number = _parsed(digits)
    return (
        number is not None
        and phonenumbers.is_valid_number(number)
        and phonenumbers.number_type(number) in _CAN_RECEIVE_SMS
    )


def _check_length(digits: str) -> None:
    if not _SHORTEST <= len(digits) <= _LONGEST:
        if len(digits) < _SHORTEST:
            reason = gettext(
                "That is too short for a mobile number: with its country code it needs "
                "%(least)s to %(most)s digits, and this has %(count)s."
            )
        else:
            reason = gettext(
                "That is too long for a mobile number: with its country code it needs "
                "%(least)s to %(most)s digits, and this has %(count)s."
            )
        raise ValueError(reason % {"least": _SHORTEST, "most": _LONGEST, "count": len(digits)})


def _check_mobile(digits: str) -> None:
    number = _parsed(digits)
    if number is None or not number.country_code:
        raise ValueError(_no_such_country(digits))
    code = str(number.country_code)
    plan = MOBILE_PLANS.get(code)
    if plan is not None:
        _check_home_mobile(digits[len(code) :], plan, number)
        return
    place = _place(number.country_code)
    if place is None:
        raise ValueError(_no_such_country(digits))
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        raise ValueError(
            gettext("That is too short for a mobile number with the country code %(place)s.")
            % {"place": place}
        )
    if possible == ValidationResult.TOO_LONG:
        raise ValueError(
            gettext("That is too long for a mobile number with the country code %(place)s.")
            % {"place": place}
        )
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            gettext(
                "That is not a number in use with the country code %(place)s: check the "
                "digits after +%(code)s."
            )
            % {"place": place, "code": code}
        )
    if phonenumbers.number_type(number) not in _CAN_RECEIVE_SMS:
        raise ValueError(
            gettext(
                "That is not a mobile number with the country code %(place)s; only a mobile "
                "phone can receive SMS."
            )
            % {"place": place}
        )


def _check_home_mobile(national: str, plan: MobilePlan, number) -> None:
    if len(national) != plan.digits:
        if len(national) < plan.digits:
            reason = gettext(
                "That is too short for a %(country)s mobile number: it needs %(digits)s "
                "digits after the 0 (like %(example)s), and this has %(count)s."
            )
        else:
            reason = gettext(
                "That is too long for a %(country)s mobile number: it needs %(digits)s "
                "digits after the 0 (like %(example)s), and this has %(count)s."
            )
        raise ValueError(
            reason
            % {
                "country": plan.country,
                "digits": plan.digits,
                "example": plan.example,
                "count": len(national),
            }
        )
    if not (
        phonenumbers.is_valid_number(number)
        and phonenumbers.number_type(number) in _CAN_RECEIVE_SMS
    ):
        raise ValueError(
            gettext(
                "That is not a %(country)s mobile number (those start with %(starts)s); "
                "a landline cannot receive SMS."
            )
            % {"country": plan.country, "starts": plan.starts}
        )


def _place(country_code: int) -> str | None:
    """ "+49 (Germany)": the code and the main country using it, or None if none does."""
    region = phonenumbers.region_code_for_country_code(country_code)
    example = phonenumbers.example_number(region) if region != "ZZ" else None
    if example is None:
        return None
    return f"+{country_code} ({_country_name(region)})"


def _country_name(region: str) -> str:
    # In the page's language, from Babel's CLDR data; its English name if the language does
    # not name this country. (Not phonenumbers' geocoder: importing it loads every number
    # prefix's place name, ~100 MB in each worker, to name a country.)
    for language in (translation.get_language() or "en", "en"):
        try:
            name = Locale.parse(translation.to_locale(language)).territories.get(region)
        except (ValueError, UnknownLocaleError):
            name = None
        if name:
            return name
    return region


def _no_such_country(digits: str) -> str:
    return gettext(
        "No country's code starts the way +%(start)s… does: check the country code after "
        "the + or 00."
    ) % {"start": digits[:4]}
