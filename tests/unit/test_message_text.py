"""Every text field of every channel refuses control characters and lone surrogates, naming itself;
bodies keep tab, line feed and carriage return, single-line fields refuse them too."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.messages import Email, EmailAddress, InvalidMessage, PhoneNumber, Sms, Template, WhatsApp
from domain.notification import Notification

PHONE = PhoneNumber("+15551234567")
TO = (EmailAddress("ada@example.org"),)
SID = "HX" + "0" * 32


def reference(value: str) -> None:
    Notification.request(uuid4(), "bank", Sms(PHONE, "hi"), reference=value)


BODIES: dict[str, tuple[Callable[[str], object], str]] = {
    "sms body": (lambda value: Sms(PHONE, value), "body"),
    "whatsapp body": (lambda value: WhatsApp(PHONE, value), "body"),
    "email text": (lambda value: Email(TO, "Subject", text=value), "text"),
    "email html": (lambda value: Email(TO, "Subject", html=value), "html"),
}
LINES: dict[str, tuple[Callable[[str], object], str]] = {
    "email subject": (lambda value: Email(TO, value, text="t"), "subject"),
    "template variable": (lambda value: Template(SID, {"1": value}), "template.variables.1"),
    "reference": (reference, "reference"),
}
FIELDS = BODIES | LINES

forbidden = st.characters(min_codepoint=0, max_codepoint=0x1F).filter(
    lambda c: c not in "\t\n\r"
) | st.sampled_from(["\x7f", "\x80", "\x85", "\x9f", "\ud800", "\udbff", "\udc00", "\udfff"])
plain = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)


@pytest.mark.parametrize(("make", "field"), FIELDS.values(), ids=FIELDS.keys())
def test_a_nul_in_any_text_field_is_refused_naming_the_field(
    make: Callable[[str], object], field: str
) -> None:
    with pytest.raises(InvalidMessage) as refused:
        make("a\u0000b")

    assert refused.value.field == field
    assert "U+0000" in refused.value.reason


@given(name=st.sampled_from(sorted(FIELDS)), before=plain, bad=forbidden, after=plain)
def test_a_forbidden_character_anywhere_in_a_text_field_is_refused_naming_the_field(
    name: str, before: str, bad: str, after: str
) -> None:
    make, field = FIELDS[name]

    with pytest.raises(InvalidMessage) as refused:
        make(f"x{before}{bad}{after}")

    assert refused.value.field == field
    assert f"U+{ord(bad):04X} (at position {len(before) + 1})" in refused.value.reason


@given(name=st.sampled_from(sorted(BODIES)), before=plain, breaks=st.text("\t\n\r", min_size=1), after=plain)
def test_tabs_and_line_breaks_are_kept_in_a_body(name: str, before: str, breaks: str, after: str) -> None:
    make, _ = BODIES[name]

    make(f"x{before}{breaks}{after}")


@given(
    name=st.sampled_from(sorted(LINES)), before=plain, bad=st.sampled_from("\t\n\r\u2028\u2029"), after=plain
)
def test_a_tab_or_line_break_in_a_single_line_field_is_refused_naming_the_field(
    name: str, before: str, bad: str, after: str
) -> None:
    make, field = LINES[name]

    with pytest.raises(InvalidMessage) as refused:
        make(f"x{before}{bad}{after}")

    assert refused.value.field == field
