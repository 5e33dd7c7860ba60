"""Which field of a request body a decoding or validation error is about, and which rule it broke.

msgspec names the path of a bad value (`template.content_sid`, `to[2]`), except in three cases this
module resolves from the body itself: a value it cannot decode at all (a lone surrogate such as
`"\\ud800"` makes the whole JSON "malformed"), a number beyond a float's range (`1e999`, reported at
`$[...]`), and a value inside a mapping (`template.variables[...]`).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from entrypoints.http.schemas import PATTERN_RULES

_PATTERN = re.compile(r"matching regex '(.*)'$")
_GOT = re.compile(r"got `(\w+)`")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_JSON_TYPES = {bool: "bool", int: "int", float: "float", str: "str", list: "array", dict: "object"}


def field_and_rule(key: str | None, message: str, body: bytes | None) -> tuple[str, str]:
    """Returns the field's path (`body` for the whole) and the rule it broke, from Litestar's `key`
    and msgspec's `message`, looking into the raw body where msgspec gives no path."""
    # msgspec calls a lone surrogate "malformed", or "truncated" when it ends the body's last string
    if message.startswith(("JSON is malformed", "Input data was truncated")) or "at `$[...]`" in message:
        return _unreadable_value(body)
    if message == "'data'":  # Litestar found no body at all
        return "body", "is empty; a JSON object is expected"
    parent = "" if key in (None, "data") else f"{key}."
    if message.startswith("Invalid value") and parent in ("", "channel."):
        return "channel", "must be one of email, sms, whatsapp"
    if message.startswith(("Object missing required field", "Object contains unknown field")):
        name = message.rpartition(" ")[2].strip("`")
        return f"{parent}{name}", "is required" if "missing" in message else "is not a known field"
    field = "body" if key in (None, "data") else str(key)
    if "[...]" in field:
        field = _resolve_mapping_key(field, message, body)
    found = _PATTERN.search(message)
    if found:
        return field, PATTERN_RULES.get(found.group(1), f"does not match the pattern {found.group(1)}")
    return field, message[0].lower() + message[1:]


def _unreadable_value(body: bytes | None) -> tuple[str, str]:
    try:
        document = json.loads(body or b"")  # Python's decoder takes lone surrogates and 1e999
    except ValueError:
        return "body", "is not valid JSON"
    found = _first_unreadable(document, "")
    return found or ("body", "is not valid JSON")


def _first_unreadable(value: Any, path: str) -> tuple[str, str] | None:
    if isinstance(value, str) and _SURROGATE.search(value):
        return (
            path or "body",
            "must not contain a lone UTF-16 surrogate (a \\uD800 to \\uDFFF escape unpaired)",
        )
    if isinstance(value, float) and math.isinf(value):
        return path or "body", "is a number out of range"
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for name, child in children:
        if isinstance(name, str) and _SURROGATE.search(name):
            return f"{path}.{name}".lstrip("."), "must not contain a lone UTF-16 surrogate"
        step = f"{path}[{name}]" if isinstance(name, int) else f"{path}.{name}".lstrip(".")
        found = _first_unreadable(child, step)
        if found:
            return found
    return None


def _resolve_mapping_key(field: str, message: str, body: bytes | None) -> str:
    """Replaces `[...]` with the first key whose value has the JSON type msgspec says it got."""
    prefix, _, _ = field.partition("[...]")
    got = _GOT.search(message)
    try:
        mapping: Any = json.loads(body or b"")
        for name in prefix.split("."):
            mapping = mapping[name]
    except (ValueError, KeyError, TypeError, IndexError):
        return prefix
    for name, value in mapping.items() if isinstance(mapping, dict) else ():
        if got and _JSON_TYPES.get(type(value), "null") == got.group(1):
            return f"{prefix}.{name}"
    return prefix
