"""Which characters the text of a message may hold: one rule shared by every text field.

Refused everywhere: the C0 controls other than tab, line feed and carriage return (U+0000 to
U+001F: NUL would reach an `.eml` as a raw 0x00 byte), DEL (U+007F), the C1 controls (U+0080 to
U+009F, which are never meant in Unicode text and usually betray a wrong decoding), and lone
surrogates (U+D800 to U+DFFF, which no UTF-8 or UTF-16 encoder can write).
Single-line fields also refuse tab, line feed, carriage return and the Unicode line and paragraph
separators (U+2028, U+2029): RFC 5322 section 2.2 keeps line breaks out of a header's body.
"""

from __future__ import annotations

import re

CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
"""The control characters no text may hold, as the inside of a regular expression's character
class: escapes that Python's `re` and ECMA-262 (JSON Schema's `pattern`) read alike."""
SURROGATES = r"\ud800-\udfff"
"""No text may hold these either; a JSON Schema pattern cannot name them (its validators read
strings as Unicode scalar values, which exclude surrogates)."""
LINE_BREAKS = r"\t\n\r\u2028\u2029"
"""The characters a single-line text may not hold either, in the same form."""

_NEVER = re.compile(f"[{CONTROLS}{SURROGATES}]")
_NOT_IN_A_LINE = re.compile(f"[{LINE_BREAKS}]")


def forbidden_character(text: str, single_line: bool = False) -> str | None:
    """Returns why the text cannot be sent, naming the first forbidden character, or None."""
    found = _NEVER.search(text)
    if found:
        return f"must not contain {_kind(found.group())} {_code(found.group())} (at position {found.start()})"
    found = _NOT_IN_A_LINE.search(text) if single_line else None
    if found:
        return f"must not contain line breaks or tabs: {_code(found.group())} at position {found.start()}"
    return None


def _kind(character: str) -> str:
    return "the lone surrogate" if "\ud800" <= character <= "\udfff" else "the control character"


def _code(character: str) -> str:
    return f"U+{ord(character):04X}"
