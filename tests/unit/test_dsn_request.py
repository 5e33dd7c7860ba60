"""The DSN parameters (RFC 3461): xtext, and what each envelope asks."""

from __future__ import annotations

import re
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from adapters.dsn_request import mail_options, rcpt_options, xtext


def from_xtext(value: str) -> str:
    return re.sub(r"\+([0-9A-F]{2})", lambda m: chr(int(m[1], 16)), value)


def test_xtext_leaves_plain_characters_and_encodes_plus_equals_and_the_rest() -> None:
    assert xtext("alice+x=y z@example.org") == "alice+2Bx+3Dy+20z@example.org"
    assert xtext("01a2280f-92a9-77cf-a7ad-3f16efdeb97b") == "01a2280f-92a9-77cf-a7ad-3f16efdeb97b"


@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127)))
def test_xtext_is_printable_ascii_without_equals_and_reads_back(value: str) -> None:
    encoded = xtext(value)
    assert all(33 <= ord(c) <= 126 and c != "=" for c in encoded)
    assert from_xtext(encoded) == value


def test_the_envelope_asks_for_failures_and_delays_and_success_only_with_a_read_receipt() -> None:
    notification_id = UUID("01a2280f-92a9-77cf-a7ad-3f16efdeb97b")
    assert mail_options(notification_id) == ["RET=HDRS", f"ENVID={notification_id}"]
    assert rcpt_options("a@example.org", False) == ["NOTIFY=FAILURE,DELAY", "ORCPT=rfc822;a@example.org"]
    assert rcpt_options("a@example.org", True)[0] == "NOTIFY=SUCCESS,FAILURE,DELAY"
