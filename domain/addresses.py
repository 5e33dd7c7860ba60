"""Value objects for where a message goes: an email address, a mailbox (a named sender), a phone number."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from email_validator import EmailNotValidError, ValidatedEmail, validate_email

from domain import rules

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
"""A phone number as E.164 writes it (ITU-T E.164 section 6): a plus sign and 7 to 15 digits."""
SHOWN_DIGITS = 4


@dataclass(frozen=True)
class EmailAddress:
    """An address as RFC 5321 and RFC 6531 allow it, the domain in Unicode or IDNA (punycode) form.

    `value` is what was given, kept for the status and the events; `ascii` is the form for the SMTP
    envelope and the headers (the domain in punycode and lower case, RFC 5890), and names one mailbox.
    The syntax is checked by email-validator, without DNS. A non-ASCII local part (RFC 6531) is
    refused: it needs SMTPUTF8 and UTF-8 headers (RFC 6532), and messages go out 7-bit.
    Raises InvalidValue with the validator's reason.
    """

    value: str
    ascii: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "ascii", _checked(self.value).ascii_email if rules.applied() else _ascii(self.value)
        )

    @property
    def masked(self) -> str:
        """The address with the local part hidden but its first character (all of it if that is one)."""
        local, domain = self.value.rsplit("@", 1)
        return f"{local[0] if len(local) > 1 else ''}***@{domain}"


@dataclass(frozen=True)
class Mailbox:
    """An address with an optional display name (RFC 5322 section 3.4): the sender of emails.

    The display name is a phrase, where a run of white space means one space (RFC 5322 section
    3.2.2): it is kept with each run of white space made one space and none at its ends, as mail
    clients read it back.
    """

    address: EmailAddress
    display_name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "display_name", " ".join(self.display_name.split()))

    @classmethod
    def parse(cls, text: str) -> Mailbox:
        """Reads `Name <address>`, `"Name, Inc." <address>` or a bare address, by email-validator's
        rules for client addresses; a display name with specials or non-ASCII letters must be quoted.
        Raises InvalidValue with the reason."""
        checked = _checked(text, display_name=True)
        return cls(EmailAddress(checked.normalized), checked.display_name or "")


@dataclass(frozen=True)
class PhoneNumber:
    """A phone number in E.164 form: a plus sign, the country code, at most 15 digits."""

    value: str

    def __post_init__(self) -> None:
        if rules.applied() and not E164.fullmatch(self.value):
            raise InvalidValue("is not a phone number in E.164 form (+ and 7 to 15 digits)")

    @property
    def masked(self) -> str:
        """Only the last four digits shown, the country code hidden too: `+*******4567`."""
        digits = self.value[1:]
        return "+" + "*" * (len(digits) - SHOWN_DIGITS) + digits[-SHOWN_DIGITS:]


def masked(text: str, recipients: Iterable[EmailAddress | PhoneNumber]) -> str:
    """Returns the text with each recipient's address or number (an email's ASCII form too) replaced
    by its masked form."""
    forms = {(form, r.masked) for r in recipients for form in {r.value, getattr(r, "ascii", r.value)}}
    for form, mask in sorted(forms, key=lambda pair: len(pair[0]), reverse=True):
        text = text.replace(form, mask)
    return text


def distinct(addresses: Iterable[EmailAddress]) -> tuple[EmailAddress, ...]:
    """The addresses without repeats, first seen kept: two are one mailbox when their ASCII forms are
    equal (the domain compared without case, RFC 5321 section 2.4; the local part as given)."""
    seen: dict[str, EmailAddress] = {}
    for address in addresses:
        seen.setdefault(address.ascii, address)
    return tuple(seen.values())


def _ascii(value: str) -> str:
    """The ASCII form of an address accepted under earlier rules: the validator's where it still
    takes it, else the domain through Python's IDNA codec, else the address as it is."""
    try:
        return _checked(value).ascii_email or value
    except InvalidValue:
        local, _, domain = value.rpartition("@")
        try:
            return f"{local}@{domain.encode('idna').decode('ascii')}"
        except UnicodeError:
            return value


@lru_cache(maxsize=4096)  # about 45 us a check; notifications are rebuilt from their events on each read
def _checked(text: str, display_name: bool = False) -> ValidatedEmail:
    try:
        return validate_email(
            text, check_deliverability=False, allow_smtputf8=False, allow_display_name=display_name
        )
    except EmailNotValidError as error:
        form = 'one address, with a display name if any, such as "Bank, Inc." <no-reply@bank.example>'
        raise InvalidValue(f"is not {form if display_name else 'a valid email address'}: {error}") from None


class InvalidValue(ValueError):
    pass
