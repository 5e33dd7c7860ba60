"""The JSON Schemas of the request bodies, as strict as the service: what they allow is accepted.

Litestar derives schemas from the msgspec structs, which carry only part of the rules (the rest
are the domain's value objects). These say all of them, from the same limits and patterns, so that
a client generator or a fuzzer (`tests/e2e/test_openapi_contract.py`) sees what the service does.
"""

from __future__ import annotations

from litestar.openapi.spec import Discriminator, OpenAPIFormat, OpenAPIType, Reference, Schema

from domain import addresses, messages

NULL = Schema(type=OpenAPIType.NULL)
_NOT_CONTROL = r"\x00-\x1f\x7f\x85\u2028\u2029"  # domain.messages: _LINE_BREAK and _CONTROL
SINGLE_LINE = rf"^[^{_NOT_CONTROL}]*$"
# Python's whitespace (what `str.strip` removes), spelled out: `\s` differs between Python and ECMA-262
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
SINGLE_LINE_NOT_BLANK = rf"^[^{_NOT_CONTROL}]*[^{_SPACE}{_NOT_CONTROL}][^{_NOT_CONTROL}]*$"
NOT_BLANK = rf"[^{_SPACE}]"  # somewhere in the text: the domain refuses what `str.strip` empties

EMAIL_ADDRESS = Schema(
    type=OpenAPIType.STRING,
    max_length=254,
    format=OpenAPIFormat.EMAIL,
    description=(
        "An address (RFC 5322's addr-spec, dot-atom form); the domain may be internationalized, in "
        "Unicode or punycode form. Checked by email-validator, without DNS."
    ),
    examples=["alice@example.org"],
)
PHONE_NUMBER = Schema(
    type=OpenAPIType.STRING,
    pattern=f"^{addresses._E164.pattern}$",
    description="E.164: a plus sign, the country code and the number, 7 to 15 digits.",
    examples=["+15551234567"],
)
REFERENCE = Schema(
    one_of=[Schema(type=OpenAPIType.STRING, max_length=messages.MAX_REFERENCE, pattern=SINGLE_LINE), NULL],
    description="The client's own correlation id: one line, no control characters.",
)


def _text(limit: int, description: str) -> Schema:
    return Schema(
        type=OpenAPIType.STRING, min_length=1, max_length=limit, pattern=NOT_BLANK, description=description
    )


def _channel(name: str) -> Schema:
    return Schema(type=OpenAPIType.STRING, const=name)


def _addresses(limit: int, description: str) -> Schema:
    return Schema(type=OpenAPIType.ARRAY, items=EMAIL_ADDRESS, max_items=limit, description=description)


def _one_of_present(*fields: str) -> list[Schema | Reference]:
    """Exactly one of the fields is given and not null."""
    return [
        Schema(
            required=[field],
            properties={
                field: Schema(schema_not=NULL),
                **{other: NULL for other in fields if other != field},
            },
        )
        for field in fields
    ]


def _content(name: str) -> Schema:
    return Schema(
        one_of=[Schema(type=OpenAPIType.STRING, max_length=messages.MAX_EMAIL_CONTENT_BYTES), NULL],
        description=f"The {name} part.",
    )


EMAIL_REQUEST = Schema(
    type=OpenAPIType.OBJECT,
    title="EmailRequest",
    description=(
        f"An email, with a text part, an HTML part or both (one at least not empty; together at most "
        f"{messages.MAX_EMAIL_CONTENT_BYTES} bytes in UTF-8). At most {messages.MAX_EMAIL_RECIPIENTS} "
        "recipients in to, cc and bcc together."
    ),
    required=["channel", "to", "subject"],
    additional_properties=False,
    properties={
        "channel": _channel("email"),
        "to": Schema(
            type=OpenAPIType.ARRAY,
            items=EMAIL_ADDRESS,
            min_items=1,
            max_items=messages.MAX_EMAIL_RECIPIENTS,
        ),
        "cc": _addresses(messages.MAX_EMAIL_RECIPIENTS - 1, "Copies."),
        "bcc": _addresses(messages.MAX_EMAIL_RECIPIENTS - 1, "Blind copies."),
        "subject": Schema(
            type=OpenAPIType.STRING,
            max_length=messages.MAX_SUBJECT,
            pattern=SINGLE_LINE_NOT_BLANK,
            description="One line (RFC 5322 section 2.1.1: at most 998 characters), not blank.",
        ),
        "text": _content("plain text"),
        "html": _content("HTML"),
        "reply_to": Schema(one_of=[EMAIL_ADDRESS, NULL]),
        "read_receipt": Schema(
            type=OpenAPIType.BOOLEAN, description="Ask the recipient's mail client for a read receipt."
        ),
        "reference": REFERENCE,
    },
    any_of=[
        Schema(required=[part], properties={part: Schema(type=OpenAPIType.STRING, min_length=1)})
        for part in ("text", "html")
    ],
)
SMS_REQUEST = Schema(
    type=OpenAPIType.OBJECT,
    title="SmsRequest",
    description="A text message.",
    required=["channel", "to", "body"],
    additional_properties=False,
    properties={
        "channel": _channel("sms"),
        "to": PHONE_NUMBER,
        "body": _text(messages.MAX_SMS_BODY, "The text, not blank."),
        "reference": REFERENCE,
    },
)
TEMPLATE_REQUEST = Schema(
    type=OpenAPIType.OBJECT,
    title="TemplateRequest",
    description="A template approved by WhatsApp (a Twilio Content SID), and the values of its variables.",
    required=["content_sid"],
    additional_properties=False,
    properties={
        "content_sid": Schema(
            type=OpenAPIType.STRING, pattern=r"^HX[0-9a-fA-F]{32}$", examples=["HX" + "0" * 32]
        ),
        "variables": Schema(
            type=OpenAPIType.OBJECT,
            max_properties=messages.MAX_TEMPLATE_VARIABLES,
            property_names=Schema(pattern=r"^[A-Za-z0-9_]{1,64}$"),
            additional_properties=_text(messages.MAX_TEMPLATE_VALUE, "A variable's value, not blank."),
            examples=[{"1": "12/1"}],
        ),
    },
)
WHATSAPP_REQUEST = Schema(
    type=OpenAPIType.OBJECT,
    title="WhatsAppRequest",
    description=(
        "A WhatsApp message: a free-form body (inside the 24-hour customer-service window) or a "
        "template, exactly one of them."
    ),
    required=["channel", "to"],
    additional_properties=False,
    properties={
        "channel": _channel("whatsapp"),
        "to": PHONE_NUMBER,
        "body": Schema(one_of=[_text(messages.MAX_WHATSAPP_BODY, "The text, not blank."), NULL]),
        "template": Schema(one_of=[Reference(ref="#/components/schemas/TemplateRequest"), NULL]),
        "reference": REFERENCE,
    },
    one_of=_one_of_present("body", "template"),
)
REQUESTS = {
    "EmailRequest": EMAIL_REQUEST,
    "SmsRequest": SMS_REQUEST,
    "TemplateRequest": TEMPLATE_REQUEST,
    "WhatsAppRequest": WHATSAPP_REQUEST,
}
NOTIFICATION_REQUEST = Schema(
    one_of=[
        Reference(ref=f"#/components/schemas/{name}")
        for name in ("EmailRequest", "SmsRequest", "WhatsAppRequest")
    ],
    discriminator=Discriminator(
        property_name="channel",
        mapping={
            channel: f"#/components/schemas/{name}"
            for channel, name in (
                ("email", "EmailRequest"),
                ("sms", "SmsRequest"),
                ("whatsapp", "WhatsAppRequest"),
            )
        },
    ),
    title="Notification",
)
