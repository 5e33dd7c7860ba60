from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.messages import (
    MAX_EMAIL_CONTENT_BYTES,
    Email,
    EmailAddress,
    InvalidMessage,
    InvalidValue,
    PhoneNumber,
    Sms,
    Template,
    WhatsApp,
    message_from_dict,
)


@pytest.mark.parametrize("value", ["a@example.org", "first.last+tag@mail.example.co.uk"])
def test_an_email_address_accepts_ordinary_addresses(value: str) -> None:
    assert EmailAddress(value).value == value


@pytest.mark.parametrize(
    "value", ["", "plain", "a@b", "a@@example.org", "a b@example.org", "a@example.org\r\nBcc: x@y.org"]
)
def test_an_email_address_refuses_what_is_not_one(value: str) -> None:
    with pytest.raises(InvalidValue):
        EmailAddress(value)


@pytest.mark.parametrize("value", ["+15551234567", "+447911123456"])
def test_a_phone_number_is_in_e164_form(value: str) -> None:
    assert PhoneNumber(value).value == value


@pytest.mark.parametrize("value", ["15551234567", "+0555123456", "+1 555 123 4567", "+1234567890123456"])
def test_a_phone_number_refuses_other_forms(value: str) -> None:
    with pytest.raises(InvalidValue):
        PhoneNumber(value)


def test_recipients_are_masked_for_the_logs() -> None:
    assert EmailAddress("alice@example.org").masked == "a***@example.org"
    assert PhoneNumber("+15551234567").masked == "+*******4567"


def test_an_email_needs_text_or_html() -> None:
    with pytest.raises(InvalidMessage) as refused:
        Email(to=(EmailAddress("a@example.org"),), subject="Hello")
    assert refused.value.field == "text"


@pytest.mark.parametrize("blank", [" ", "\n\t ", "\u00a0\u3000"])
def test_a_text_of_white_space_only_counts_as_none(blank: str) -> None:
    with pytest.raises(InvalidMessage) as refused:
        Email(to=(EmailAddress("a@example.org"),), subject="Hello", text=blank)
    assert refused.value.field == "text"
    assert Email(to=(EmailAddress("a@example.org"),), subject="Hello", text=blank, html="<p>Hi</p>").html


def test_a_subject_with_a_line_break_is_refused() -> None:
    with pytest.raises(InvalidMessage) as refused:
        Email(to=(EmailAddress("a@example.org"),), subject="Hi\r\nBcc: x@example.org", text="t")
    assert refused.value.field == "subject"


def test_an_email_over_the_size_limit_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="exceed"):
        Email(to=(EmailAddress("a@example.org"),), subject="s", text="x" * (MAX_EMAIL_CONTENT_BYTES + 1))


def test_an_sms_body_is_at_most_1600_characters() -> None:
    Sms(PhoneNumber("+15551234567"), "x" * 1600)
    with pytest.raises(InvalidMessage) as refused:
        Sms(PhoneNumber("+15551234567"), "x" * 1601)
    assert refused.value.field == "body"


def test_a_whatsapp_body_may_be_longer_than_an_sms() -> None:
    assert WhatsApp(PhoneNumber("+15551234567"), "x" * 4096).channel == "whatsapp"


def test_a_bad_field_is_named_with_its_position() -> None:
    with pytest.raises(InvalidMessage) as refused:
        message_from_dict(
            "email", {"to": ["a@example.org"], "cc": ["b@example.org", "nope"], "subject": "s", "text": "t"}
        )
    assert refused.value.field == "cc[1]"


@given(
    st.lists(st.from_regex(r"[a-z]{1,10}@[a-z]{1,10}\.org", fullmatch=True), min_size=1, max_size=5),
    st.text(min_size=1, max_size=50).filter(lambda s: s.strip() and s.isprintable()),
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\t\n\r"), max_size=200
    ).filter(str.strip),
)
def test_an_email_survives_the_round_trip_through_plain_values(
    to: list[str], subject: str, text: str
) -> None:
    email = message_from_dict("email", {"to": to, "subject": subject, "text": text})
    assert message_from_dict("email", email.as_dict()) == email


def test_a_whatsapp_message_has_a_body_or_a_template_not_both() -> None:
    template = Template("HX" + "a" * 32, {"1": "Tuesday"})
    assert WhatsApp(PhoneNumber("+15551234567"), template=template).template == template
    for body, chosen in [("Hello", template), (None, None)]:
        with pytest.raises(InvalidMessage) as refused:
            WhatsApp(PhoneNumber("+15551234567"), body, chosen)
        assert refused.value.field == "body"


def test_a_template_keeps_its_variables_as_given_and_unchangeable() -> None:
    variables = {"1": "Tuesday"}
    template = Template("HX" + "a" * 32, variables)
    variables["1"] = "Friday"
    assert template.as_dict() == {"content_sid": "HX" + "a" * 32, "variables": {"1": "Tuesday"}}
    with pytest.raises(TypeError):
        template.variables["1"] = "Friday"  # type: ignore[index]


@pytest.mark.parametrize(
    ("content_sid", "variables", "field"),
    [
        ("MG" + "a" * 32, {}, "template.content_sid"),
        ("HX" + "a" * 31, {}, "template.content_sid"),
        ("HX" + "a" * 32, {"a b": "x"}, "template.variables"),
        ("HX" + "a" * 32, {"1": "x" * 1025}, "template.variables.1"),
    ],
)
def test_a_template_refuses_what_twilio_would(
    content_sid: str, variables: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidMessage) as refused:
        Template(content_sid, variables)
    assert refused.value.field == field


def test_a_template_message_survives_its_plain_values() -> None:
    message = WhatsApp(PhoneNumber("+15551234567"), template=Template("HX" + "a" * 32, {"1": "x"}))
    assert message_from_dict("whatsapp", message.as_dict()) == message
