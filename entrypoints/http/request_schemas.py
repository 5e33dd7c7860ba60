"""The JSON Schemas of the request bodies, as strict as the service: what they allow is accepted.

Litestar derives schemas from the msgspec structs, which carry only part of the rules (the rest
are the domain's value objects). These say all of them, from the same limits and patterns, so that
a client generator or a fuzzer (`tests/e2e/test_openapi_contract.py`) sees what the service does.
"""

from __future__ import annotations

from litestar.openapi.spec import Discriminator, OpenAPIFormat, OpenAPIType, Reference, Schema

from domain import addresses, messages, text

NULL = Schema(type=OpenAPIType.NULL)
# Python's whitespace (what `str.strip` removes), spelled out: `\s` differs between Python and ECMA-262
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_IN_A_LINE = text.CONTROLS + text.LINE_BREAKS


def _characters(forbidden: str, blank: bool = False) -> str:
    """A pattern for a text without the `forbidden` characters (domain.text) and, unless `blank`,
    with one at least that `str.strip` keeps (the domain refuses a text of white space only)."""
    if blank:
        return rf"^[^{forbidden}]*$"
    return rf"^[^{forbidden}]*[^{forbidden}{_SPACE}][^{forbidden}]*$"


NOT_BLANK = rf"[^{_SPACE}]"  # somewhere in the text
_NO_CONTROLS = (
    "no control character but tab, line feed and carriage return (C0, DEL, C1), and no lone surrogate "
    "(a \\uD800 to \\uDFFF escape unpaired, RFC 8259 section 8.2)"
)

EMAIL_ADDRESS = Schema(
    type=OpenAPIType.STRING,
    max_length=254,
    format=OpenAPIFormat.EMAIL,
    description=(
        "An address (RFC 5322's addr-spec, dot-atom form); the domain may be internationalized, in "
        "Unicode or punycode form, but not a special-use name (RFC 6761: localhost, .test, .local, "
        ".invalid, .onion, .arpa). The local part is ASCII, at most 64 octets. Checked by "
        "email-validator, without DNS."
    ),
    examples=["alice@example.org"],
)
PHONE_NUMBER = Schema(
    type=OpenAPIType.STRING,
    pattern=f"^{addresses.E164.pattern}$",
    description="E.164: a plus sign, the country code and the number, 7 to 15 digits.",
    examples=["+15551234567"],
)
REFERENCE = Schema(
    one_of=[
        Schema(
            type=OpenAPIType.STRING,
            max_length=messages.MAX_REFERENCE,
            pattern=_characters(_IN_A_LINE, blank=True),
        ),
        NULL,
    ],
    description="The client's own correlation id: one line (no tab or line break), no control characters.",
)


def _text(limit: int, description: str, single_line: bool = False) -> Schema:
    return Schema(
        type=OpenAPIType.STRING,
        min_length=1,
        max_length=limit,
        pattern=_characters(_IN_A_LINE if single_line else text.CONTROLS),
        description=description,
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
        one_of=[
            # No maxLength: the limit is on the UTF-8 bytes of both parts together, which JSON Schema
            # cannot count (said in EmailRequest's description); a maxLength of that many characters
            # would be a weaker bound that schemathesis cannot draw past (its examples stay small)
            Schema(type=OpenAPIType.STRING, pattern=_characters(text.CONTROLS, blank=True)),
            NULL,
        ],
        description=(
            f"The {name} part; {_NO_CONTROLS}. With the other part, at most "
            f"{messages.MAX_EMAIL_CONTENT_BYTES} bytes in UTF-8."
        ),
    )


EMAIL_REQUEST = Schema(
    type=OpenAPIType.OBJECT,
    title="EmailRequest",
    description=(
        f"An email, with a text part, an HTML part or both (one at least not empty; together at most "
        f"{messages.MAX_EMAIL_CONTENT_BYTES} bytes in UTF-8; white space only counts as empty). At most "
        f"{messages.MAX_EMAIL_RECIPIENTS} recipients in to, cc and bcc together."
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
            pattern=_characters(_IN_A_LINE),
            description=(
                "One line (RFC 5322 section 2.1.1: at most 998 characters), not blank; no tab, line "
                f"break or U+2028/U+2029, and {_NO_CONTROLS}."
            ),
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
        Schema(required=[part], properties={part: Schema(type=OpenAPIType.STRING, pattern=NOT_BLANK)})
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
        "body": _text(
            messages.MAX_SMS_BODY,
            f"The text, not blank; {_NO_CONTROLS}. At most {messages.MAX_SMS_BODY} units of its "
            "encoding, as carriers count them: GSM-7 septets when every character is in the GSM 03.38 "
            "alphabet (one of `^{}\\[~]|€` counts two), else UTF-16 units (an emoji counts two).",
        ),
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
            type=OpenAPIType.STRING, pattern=f"^{messages.CONTENT_SID.pattern}$", examples=["HX" + "0" * 32]
        ),
        "variables": Schema(
            type=OpenAPIType.OBJECT,
            max_properties=messages.MAX_TEMPLATE_VARIABLES,
            property_names=Schema(pattern=r"^[A-Za-z0-9_]{1,64}$"),
            additional_properties=_text(
                messages.MAX_TEMPLATE_VALUE,
                f"A variable's value: one line, not blank; no tab or line break, and {_NO_CONTROLS}.",
                single_line=True,
            ),
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
        "body": Schema(
            one_of=[_text(messages.MAX_WHATSAPP_BODY, f"The text, not blank; {_NO_CONTROLS}."), NULL]
        ),
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
