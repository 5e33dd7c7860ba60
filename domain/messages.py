"""Value objects: addresses and the three kinds of message, which refuse bad values when made."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any, ClassVar

MAX_SMS_BODY = 1600
MAX_WHATSAPP_BODY = 4096
MAX_SUBJECT = 998
MAX_EMAIL_CONTENT_BYTES = 512 * 1024
MAX_EMAIL_RECIPIENTS = 50
MAX_REFERENCE = 128

_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


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


@dataclass(frozen=True)
class Email:
    to: tuple[EmailAddress, ...]
    subject: str
    text: str | None = None
    html: str | None = None
    cc: tuple[EmailAddress, ...] = ()
    bcc: tuple[EmailAddress, ...] = ()
    reply_to: EmailAddress | None = None
    read_receipt: bool = False
    channel: ClassVar[Channel] = Channel.EMAIL

    def __post_init__(self) -> None:
        if not self.to:
            raise InvalidMessage("to", "needs at least one recipient")
        if len(self.to) + len(self.cc) + len(self.bcc) > MAX_EMAIL_RECIPIENTS:
            raise InvalidMessage("to", f"at most {MAX_EMAIL_RECIPIENTS} recipients in to, cc and bcc")
        _check_single_line("subject", self.subject, MAX_SUBJECT)
        if not (self.text or self.html):
            raise InvalidMessage("text", "an email needs a non-empty text or html part")
        size = len((self.text or "").encode()) + len((self.html or "").encode())
        if size > MAX_EMAIL_CONTENT_BYTES:
            raise InvalidMessage("text", f"text and html together exceed {MAX_EMAIL_CONTENT_BYTES} bytes")

    @property
    def recipients(self) -> tuple[EmailAddress, ...]:
        return self.to + self.cc + self.bcc

    @property
    def masked_recipient(self) -> str:
        return ", ".join(address.masked for address in self.to)

    def as_dict(self) -> dict[str, Any]:
        return {
            "to": [a.value for a in self.to],
            "cc": [a.value for a in self.cc],
            "bcc": [a.value for a in self.bcc],
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "reply_to": self.reply_to.value if self.reply_to else None,
            "read_receipt": self.read_receipt,
        }


@dataclass(frozen=True)
class PhoneMessage:
    to: PhoneNumber
    body: str
    channel: ClassVar[Channel]
    max_body: ClassVar[int]

    def __post_init__(self) -> None:
        if not self.body.strip():
            raise InvalidMessage("body", "must not be empty")
        if len(self.body) > self.max_body:
            raise InvalidMessage("body", f"exceeds {self.max_body} characters")

    @property
    def masked_recipient(self) -> str:
        return self.to.masked

    def as_dict(self) -> dict[str, Any]:
        return {"to": self.to.value, "body": self.body}


class Sms(PhoneMessage):
    channel = Channel.SMS
    max_body = MAX_SMS_BODY


class WhatsApp(PhoneMessage):
    channel = Channel.WHATSAPP
    max_body = MAX_WHATSAPP_BODY


Message = Email | Sms | WhatsApp


def message_from_dict(channel: str, data: dict[str, Any]) -> Message:
    """Builds a message from plain values, naming the field that holds a bad one."""
    if channel == Channel.EMAIL:
        return Email(
            to=_addresses("to", data.get("to") or []),
            cc=_addresses("cc", data.get("cc") or []),
            bcc=_addresses("bcc", data.get("bcc") or []),
            subject=data.get("subject") or "",
            text=data.get("text"),
            html=data.get("html"),
            reply_to=_address("reply_to", data["reply_to"]) if data.get("reply_to") is not None else None,
            read_receipt=bool(data.get("read_receipt")),
        )
    if channel in (Channel.SMS, Channel.WHATSAPP):
        kind: type[Sms] | type[WhatsApp] = Sms if channel == Channel.SMS else WhatsApp
        return kind(to=_phone("to", data.get("to") or ""), body=data.get("body") or "")
    raise InvalidMessage("channel", f"unknown channel {channel!r}")


def check_reference(reference: str | None) -> None:
    if reference is not None:
        _check_single_line("reference", reference, MAX_REFERENCE, allow_empty=True)


def _check_single_line(field: str, value: str, limit: int, allow_empty: bool = False) -> None:
    if not value.strip() and not allow_empty:
        raise InvalidMessage(field, "must not be empty")
    if _LINE_BREAK.search(value) or _CONTROL.search(value):
        raise InvalidMessage(field, "must not contain line breaks or control characters")
    if len(value) > limit:
        raise InvalidMessage(field, f"exceeds {limit} characters")


def _addresses(field: str, values: list[str]) -> tuple[EmailAddress, ...]:
    return tuple(_address(f"{field}[{i}]", value) for i, value in enumerate(values))


def _address(field: str, value: str) -> EmailAddress:
    try:
        return EmailAddress(value)
    except InvalidValue as error:
        raise InvalidMessage(field, str(error)) from None


def _phone(field: str, value: str) -> PhoneNumber:
    try:
        return PhoneNumber(value)
    except InvalidValue as error:
        raise InvalidMessage(field, str(error)) from None


class InvalidValue(ValueError):
    pass


class InvalidMessage(ValueError):
    """A message field holds a value no provider could send."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason
