"""What goes over the wire: request bodies and the views the API answers with."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from application.ports import RecordedEvent
from domain import addresses, messages
from domain.messages import Channel, Message, message_from_dict
from domain.notification import Notification
from domain.sms_length import measure

Reference = Annotated[
    str, Meta(max_length=messages.MAX_REFERENCE, description="The client's own correlation id.")
]
PHONE_PATTERN = f"^{addresses.E164.pattern}$"
CONTENT_SID_PATTERN = f"^{messages.CONTENT_SID.pattern}$"
PATTERN_RULES = {
    PHONE_PATTERN: "is not a phone number in E.164 form (+ and 7 to 15 digits)",
    CONTENT_SID_PATTERN: "is not a Content SID (HX and 32 hex digits)",
}
"""What each pattern requires, in words: msgspec's error quotes the pattern."""

EmailAddress = Annotated[str, Meta(max_length=254, examples=["a@example.org"])]
PhoneNumber = Annotated[str, Meta(pattern=PHONE_PATTERN, description="E.164", examples=["+15551234567"])]
Recipients = Annotated[list[EmailAddress], Meta(max_length=messages.MAX_EMAIL_RECIPIENTS)]


class EmailRequest(
    msgspec.Struct, tag="email", tag_field="channel", forbid_unknown_fields=True, kw_only=True
):
    """An email, with a text part, an HTML part or both."""

    to: Annotated[list[EmailAddress], Meta(min_length=1, max_length=messages.MAX_EMAIL_RECIPIENTS)]
    subject: Annotated[str, Meta(max_length=messages.MAX_SUBJECT)]
    cc: Recipients = []
    bcc: Recipients = []
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

    content_sid: Annotated[str, Meta(pattern=CONTENT_SID_PATTERN, examples=["HX" + "0" * 32])]
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


class SmsView(msgspec.Struct):
    """How the carrier sends an SMS: what it will cost, in segments."""

    encoding: Annotated[
        str,
        Meta(description="GSM-7, or UCS-2 when the body holds a character outside the GSM 03.38 alphabet"),
    ]
    length: Annotated[
        int, Meta(description="In the encoding's units: GSM-7 septets, or UTF-16 units in UCS-2")
    ]
    segments: Annotated[
        int, Meta(description="Parts the message is sent (and billed) as: 160/153 or 70/67 each")
    ]

    @classmethod
    def of(cls, notification: Notification) -> SmsView | None:
        if notification.channel is not Channel.SMS:
            return None
        length = measure(notification.message_data.get("body") or "")  # derived, never stored
        return cls(length.encoding.value, length.units, length.segments)


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
    sms: Annotated[
        SmsView | None, Meta(description="An SMS's encoding and segments; null for other channels")
    ] = None
    read_at: Annotated[
        datetime | None,
        Meta(description="When the reader's mail client reported the email displayed (RFC 8098); null until"),
    ] = None
    bounced: Annotated[
        list[str],
        Meta(
            description="Recipients (masked) that a delivery status notification reported failed (RFC 3464)"
        ),
    ] = msgspec.field(default_factory=list)

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
            sms=SmsView.of(notification),
            read_at=notification.read_at,
            bounced=[address.masked for address in notification.bounced],
        )


class EventView(msgspec.Struct):
    type: str
    version: int
    timestamp: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, event: RecordedEvent) -> EventView:
        return cls(event.type, event.version, event.timestamp, event.data)


def status_view(notification: Notification) -> dict[str, Any]:
    """The notification as `GET /v1/notifications/{id}` shows it: a webhook message's `data`."""
    view: dict[str, Any] = msgspec.to_builtins(NotificationView.of(notification))
    return view
