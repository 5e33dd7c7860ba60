"""The OpenAPI description's text patterns say exactly what the domain accepts, field by field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.messages import (
    Email,
    EmailAddress,
    InvalidMessage,
    PhoneNumber,
    Sms,
    Template,
    WhatsApp,
    check_reference,
)
from entrypoints.http.request_schemas import (
    EMAIL_REQUEST,
    REQUESTS,
    SMS_REQUEST,
    TEMPLATE_REQUEST,
    WHATSAPP_REQUEST,
)

TO = (EmailAddress("alice@example.org"),)
PHONE = PhoneNumber("+15551234567")
SID = "HX" + "0" * 32


def string_schema(schema: Any) -> Any:
    """The string branch of a `oneOf: [string, null]`, or the schema itself."""
    return next((s for s in schema.one_of or [] if s.pattern), schema)


# (field, its schema, a constructor that raises InvalidMessage when the domain refuses the text)
FIELDS: list[tuple[str, Any, Callable[[str], object]]] = [
    ("sms body", SMS_REQUEST.properties["body"], lambda v: Sms(PHONE, v)),
    ("whatsapp body", WHATSAPP_REQUEST.properties["body"], lambda v: WhatsApp(PHONE, body=v)),
    ("subject", EMAIL_REQUEST.properties["subject"], lambda v: Email(TO, v, text="t")),
    ("text", EMAIL_REQUEST.properties["text"], lambda v: Email(TO, "s", text=v, html="h")),
    ("html", EMAIL_REQUEST.properties["html"], lambda v: Email(TO, "s", text="t", html=v)),
    ("reference", EMAIL_REQUEST.properties["reference"], check_reference),
    (
        "template variable",
        TEMPLATE_REQUEST.properties["variables"].additional_properties,
        lambda v: Template(SID, {"1": v}),
    ),
]
# Every kind of character the rules name: C0, tab and line breaks, DEL, C1, U+2028/9, Python's
# other white space, and letters. Not lone surrogates: a pattern cannot name them (JSON Schema
# validators read Unicode scalar values), so the description says it in words.
texts = st.text(
    st.sampled_from("\x00\x07\t\n\r\x0b\x1c\x1f\x7f\x80\x85\x9f\xa0\u2028\u2029\u3000 a\u00e9")
    | st.characters(exclude_categories=["Cs"]),
    max_size=12,
)


def matches(pattern: str, text: str) -> bool:
    # JSON Schema's `$` (ECMA-262) is the end of the text; Python's also matches before a final newline
    return re.search(pattern.removesuffix("$") + r"\Z", text) is not None


def accepted(make: Callable[[str], object], text: str) -> bool:
    try:
        make(text)
    except InvalidMessage:
        return False
    return True


@pytest.mark.parametrize(("field", "schema", "make"), FIELDS, ids=[field for field, _, _ in FIELDS])
@given(text=texts)
def test_a_short_text_matches_its_field_s_pattern_exactly_when_the_domain_accepts_it(
    field: str, schema: Any, make: Callable[[str], object], text: str
) -> None:
    assert matches(string_schema(schema).pattern, text) == accepted(make, text), ascii(text)


def patterns(schema: Any) -> list[str]:
    found = [schema["pattern"]] if isinstance(schema, dict) and "pattern" in schema else []
    children = schema.values() if isinstance(schema, dict) else schema if isinstance(schema, list) else []
    return found + [pattern for child in children for pattern in patterns(child)]


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_every_pattern_compiles_in_the_validator_schemathesis_uses_so_none_is_dropped(name: str) -> None:
    found = patterns(REQUESTS[name].to_schema())

    assert found
    for pattern in found:
        jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
