"""Fineract's phone numbers, as its users type them, turned into E.164 as message-gateway did."""

from __future__ import annotations

import re

from domain.addresses import E164, InvalidValue

COUNTRY_CODE = re.compile(r"[1-9][0-9]{0,2}")
"""An ITU-T E.164 country calling code: 1 to 3 digits, not starting with 0."""
_SEPARATORS = re.compile(r"[\s().-]")


def to_e164(number: str, country_code: str = "") -> str:
    """The number in E.164 form: `+254712345678` from `+254 712 345 678`, `00254712345678`, or, with
    the country code `254`, from the national `0712345678` or `712345678` (one trunk `0` dropped).

    Spaces, dots, dashes and brackets are dropped first. Raises InvalidValue for an empty number, a
    national number without a country code, or a result that is not E.164 (ITU-T E.164 section 6).
    """
    compact = _SEPARATORS.sub("", number)
    if not compact:
        raise InvalidValue("is empty")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+"):
        if not country_code:
            raise NationalNumber("is not in E.164 form (+ and the country code)")
        compact = f"+{country_code}{compact.removeprefix('0')}"
    if not E164.fullmatch(compact):
        raise InvalidValue("is not a phone number (E.164: + and 7 to 15 digits)")
    return compact


class NationalNumber(InvalidValue):
    """A number without its country code, and no default country code to complete it."""
