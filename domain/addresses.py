"""Value objects for where a message goes: an email address, a phone number."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass(frozen=True)
class EmailAddress:
    value: str

    def __post_init__(self) -> None:
        if len(self.value) > 254 or not _EMAIL.fullmatch(self.value):
            raise InvalidValue("is not a valid email address")

    @property
    def masked(self) -> str:
        local, domain = self.value.rsplit("@", 1)
        return f"{local[0]}***@{domain}"


@dataclass(frozen=True)
class PhoneNumber:
    """A phone number in E.164 form: a plus sign, the country code, at most 15 digits."""

    value: str

    def __post_init__(self) -> None:
        if not _E164.fullmatch(self.value):
            raise InvalidValue("is not a phone number in E.164 form (+ and 7 to 15 digits)")

    @property
    def masked(self) -> str:
        return f"{self.value[:5]}***{self.value[-4:]}"


def masked(text: str, recipients: Iterable[EmailAddress | PhoneNumber]) -> str:
    """Returns the text with each recipient's address or number replaced by its masked form."""
    for recipient in sorted(recipients, key=lambda r: len(r.value), reverse=True):
        text = text.replace(recipient.value, recipient.masked)
    return text


class InvalidValue(ValueError):
    pass
