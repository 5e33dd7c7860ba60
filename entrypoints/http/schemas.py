"""What goes over the wire: request bodies and the views the API answers with."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from application.ports import RecordedEvent
from domain import messages
from domain.messages import Message, message_from_dict
from domain.notification import Notification

Reference = Annotated[
    str, Meta(max_length=messages.MAX_REFERENCE, description="The client's own correlation id.")
]
EmailAddress = Annotated[str, Meta(max_length=254, examples=["a@example.org"])]
PhoneNumber = Annotated[
    str, Meta(pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164", examples=["+15551234567"])
]


class EmailRequest(
    msgspec.Struct, tag="email", tag_field="channel", forbid_unknown_fields=True, kw_only=True
):
    """An email, with a text part, an HTML part or both."""

    to: Annotated[list[EmailAddress], Meta(min_length=1, max_length=messages.MAX_EMAIL_RECIPIENTS)]
    subject: Annotated[str, Meta(max_length=messages.MAX_SUBJECT)]
    cc: list[EmailAddress] = []
    bcc: list[EmailAddress] = []
    text: str | None = None
    html: str | None = None
    reply_to: EmailAddress | None = None
    read_receipt: Annotated[bool, Meta(description="Ask the recipient's mail client for a read receipt.")] = (
        False
    )
    reference: Reference | None = None


class SmsRequest(msgspec.Struct, tag="sms", tag_field="channel", forbid_unknown_fields=True, kw_only=True):
    """A text message."""

    to: PhoneNumber
    body: Annotated[str, Meta(min_length=1, max_length=messages.MAX_SMS_BODY)]
    reference: Reference | None = None


class TemplateRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A template approved by WhatsApp (a Twilio Content SID), and the values of its variables."""

    content_sid: Annotated[str, Meta(pattern=r"^HX[0-9a-fA-F]{32}$", examples=["HX" + "0" * 32])]
    variables: Annotated[
        dict[str, str], Meta(max_length=messages.MAX_TEMPLATE_VARIABLES, examples=[{"1": "12/1"}])
    ] = {}


class WhatsAppRequest(
    msgspec.Struct, tag="whatsapp", tag_field="channel", forbid_unknown_fields=True, kw_only=True
):
    """A WhatsApp message: a free-form body (inside the 24-hour customer-service window) or a
    template, exactly one of them."""

    to: PhoneNumber
    body: Annotated[str, Meta(min_length=1, max_length=messages.MAX_WHATSAPP_BODY)] | None = None
    template: TemplateRequest | None = None
    reference: Reference | None = None


NotificationRequest = EmailRequest | SmsRequest | WhatsAppRequest


def to_message(request: NotificationRequest) -> tuple[Message, str | None]:
    """Returns the domain message and the reference. Raises InvalidMessage naming the field."""
    data: dict[str, Any] = msgspec.to_builtins(request)
    channel, reference = data.pop("channel"), data.pop("reference", None)
    return message_from_dict(channel, data), reference


class NotificationView(msgspec.Struct):
    id: UUID
    channel: str
    status: Annotated[str, Meta(description="pending, delivered or refused")]
    reason: str | None
    attempts: int
    reference: str | None
    created_at: datetime
    updated_at: datetime
    read_receipt_requested: Annotated[
        bool, Meta(description="Whether the email asked its recipient's mail client for a read receipt.")
    ] = False

    @classmethod
    def of(cls, notification: Notification) -> NotificationView:
        return cls(
            id=notification.id,
            channel=notification.channel.value,
            status=notification.status.value,
            reason=notification.reason,
            attempts=notification.attempts,
            reference=notification.reference,
            created_at=notification.created_on,
            updated_at=notification.modified_on,
            read_receipt_requested=notification.read_receipt_requested,
        )


class EventView(msgspec.Struct):
    type: str
    version: int
    timestamp: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, event: RecordedEvent) -> EventView:
        return cls(event.type, event.version, event.timestamp, event.data)
