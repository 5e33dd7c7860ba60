"""Value objects: the three kinds of message, which refuse bad values when made."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from domain import rules
from domain.addresses import EmailAddress as EmailAddress
from domain.addresses import InvalidValue as InvalidValue
from domain.addresses import PhoneNumber as PhoneNumber
from domain.sms_length import SmsEncoding, SmsLength, measure
from domain.text import forbidden_character

MAX_SMS_BODY = 1600
"""In the units of the body's encoding: GSM-7 septets or UTF-16 units (Twilio's error 21617)."""
MAX_WHATSAPP_BODY = 4096
MAX_SUBJECT = 998
MAX_EMAIL_CONTENT_BYTES = 512 * 1024
MAX_EMAIL_RECIPIENTS = 50
MAX_REFERENCE = 128
MAX_TEMPLATE_VARIABLES = 100
MAX_TEMPLATE_VALUE = 1024

CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
"""A Twilio Content SID: a WhatsApp template's name."""
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


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
        if not rules.applied():
            return
        if not self.to:
            raise InvalidMessage("to", "needs at least one recipient")
        _check_recipient_count(self.to, self.cc, self.bcc)
        _check_single_line("subject", self.subject, MAX_SUBJECT)
        if not ((self.text or "").strip() or (self.html or "").strip()):  # white space only is none
            raise InvalidMessage("text", "an email needs a non-empty text or html part")
        _check_characters("text", self.text or "")
        _check_characters("html", self.html or "")
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
class Template:
    """A template approved by WhatsApp, named by its Twilio Content SID, with its variables filled in."""

    content_sid: str
    variables: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "variables", MappingProxyType(dict(self.variables)))
        if not rules.applied():
            return
        if not CONTENT_SID.fullmatch(self.content_sid):
            raise InvalidMessage("template.content_sid", "is not a Content SID (HX and 32 hex digits)")
        if len(self.variables) > MAX_TEMPLATE_VARIABLES:
            raise InvalidMessage("template.variables", f"at most {MAX_TEMPLATE_VARIABLES} variables")
        for name, value in self.variables.items():
            if not _VARIABLE_NAME.fullmatch(name):
                raise InvalidMessage("template.variables", f"{name!r} is not a variable name")
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEMPLATE_VALUE:
                raise InvalidMessage(
                    f"template.variables.{name}", f"must be 1 to {MAX_TEMPLATE_VALUE} characters"
                )
            # Meta refuses template parameters holding line breaks or tabs (WhatsApp error 132018)
            _check_characters(f"template.variables.{name}", value, single_line=True)

    def as_dict(self) -> dict[str, Any]:
        return {"content_sid": self.content_sid, "variables": dict(self.variables)}


class _ToPhone:
    to: PhoneNumber

    @property
    def recipients(self) -> tuple[PhoneNumber, ...]:
        return (self.to,)

    @property
    def masked_recipient(self) -> str:
        return self.to.masked


@dataclass(frozen=True)
class Sms(_ToPhone):
    to: PhoneNumber
    body: str
    channel: ClassVar[Channel] = Channel.SMS

    def __post_init__(self) -> None:
        if rules.applied():
            _check_body(self.body, MAX_SMS_BODY)
            _check_sms_length(self.length)

    @property
    def length(self) -> SmsLength:
        """The body's encoding, length and segments as the carrier counts them."""
        return measure(self.body)

    def as_dict(self) -> dict[str, Any]:
        return {"to": self.to.value, "body": self.body}


@dataclass(frozen=True)
class WhatsApp(_ToPhone):
    """A free-form body (inside WhatsApp's 24-hour customer-service window) or a template: one of them."""

    to: PhoneNumber
    body: str | None = None
    template: Template | None = None
    channel: ClassVar[Channel] = Channel.WHATSAPP

    def __post_init__(self) -> None:
        if not rules.applied():
            return
        if (self.body is None) == (self.template is None):
            raise InvalidMessage("body", "a WhatsApp message needs either a body or a template, not both")
        if self.body is not None:
            _check_body(self.body, MAX_WHATSAPP_BODY)

    def as_dict(self) -> dict[str, Any]:
        if self.template is None:  # the shape of a body message, and so its request digest, is unchanged
            return {"to": self.to.value, "body": self.body}
        return {"to": self.to.value, "template": self.template.as_dict()}


Message = Email | Sms | WhatsApp


def message_from_dict(channel: str, data: dict[str, Any], *, checked: bool = True) -> Message:
    """Builds a message from plain values, naming the field that holds a bad one (InvalidMessage).

    `checked=False` is for a message read back from its events: it was accepted under the rules of
    its day and is taken as it is (see `domain.rules`).
    """
    if checked:
        return _message(channel, data)
    with rules.suspended():
        return _message(channel, data)


def _message(channel: str, data: dict[str, Any]) -> Message:
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
    if channel == Channel.SMS:
        return Sms(to=_phone("to", data.get("to") or ""), body=data.get("body") or "")
    if channel == Channel.WHATSAPP:
        template = data.get("template")
        return WhatsApp(
            to=_phone("to", data.get("to") or ""),
            body=data.get("body"),
            template=_template(template) if template is not None else None,
        )
    raise InvalidMessage("channel", f"unknown channel {channel!r}")


def check_reference(reference: str | None) -> None:
    if reference is not None:
        _check_single_line("reference", reference, MAX_REFERENCE, allow_empty=True)


def _check_single_line(field: str, value: str, limit: int, allow_empty: bool = False) -> None:
    if not value.strip() and not allow_empty:
        raise InvalidMessage(field, "must not be empty")
    _check_characters(field, value, single_line=True)
    if len(value) > limit:
        raise InvalidMessage(field, f"exceeds {limit} characters")


def _check_body(body: str, limit: int) -> None:
    if not body.strip():
        raise InvalidMessage("body", "must not be empty")
    _check_characters("body", body)
    if len(body) > limit:
        raise InvalidMessage("body", f"exceeds {limit} characters")


def _check_sms_length(length: SmsLength) -> None:
    if length.units > MAX_SMS_BODY:
        unit = "septets" if length.encoding is SmsEncoding.GSM7 else "UTF-16 units"
        raise InvalidMessage(
            "body", f"is {length.units} {unit} long in {length.encoding}; at most {MAX_SMS_BODY}"
        )


def _check_characters(field: str, value: str, single_line: bool = False) -> None:
    reason = forbidden_character(value, single_line)
    if reason:
        raise InvalidMessage(field, reason)


def _check_recipient_count(*lists: tuple[EmailAddress, ...]) -> None:
    """Names the list (to, cc or bcc) in which the count passes the limit."""
    total = 0
    for name, addresses in zip(("to", "cc", "bcc"), lists, strict=True):
        total += len(addresses)
        if total > MAX_EMAIL_RECIPIENTS:
            raise InvalidMessage(
                name, f"at most {MAX_EMAIL_RECIPIENTS} recipients in to, cc and bcc together"
            )


def _template(data: dict[str, Any]) -> Template:
    return Template(content_sid=data.get("content_sid") or "", variables=data.get("variables") or {})


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


class InvalidMessage(ValueError):
    """A message field holds a value no provider could send."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason
