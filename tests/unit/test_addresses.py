"""Addresses: internationalized domains in either form, each mailbox once, and masks that hide."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domain.addresses import EmailAddress, InvalidValue, Mailbox, PhoneNumber, distinct, masked

E164 = st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)
LOCAL_PARTS = st.from_regex(r"[A-Za-z0-9_+-]{1,20}(\.[A-Za-z0-9_+-]{1,10}){0,2}", fullmatch=True)
DOMAINS = st.sampled_from(["example.org", "bank.example", "example.xn--p1ai", "пример.рф", "bücher.de"])


def valid(value: str) -> EmailAddress:
    try:
        return EmailAddress(value)
    except InvalidValue:
        assume(False)
        raise


@pytest.mark.parametrize(
    ("value", "ascii_form"),
    [
        ("alice@example.xn--p1ai", "alice@example.xn--p1ai"),
        ("alice@пример.рф", "alice@xn--e1afmkfd.xn--p1ai"),
        ("Alice@Bücher.DE", "Alice@xn--bcher-kva.de"),
    ],
)
def test_an_internationalized_domain_is_accepted_as_sent_with_its_ascii_form(
    value: str, ascii_form: str
) -> None:
    address = EmailAddress(value)
    assert (address.value, address.ascii) == (value, ascii_form)


@given(LOCAL_PARTS, DOMAINS)
def test_any_ordinary_address_on_an_idna_domain_is_accepted_in_both_forms(local: str, domain: str) -> None:
    unicode_form = valid(f"{local}@{domain}")
    punycode_form = EmailAddress(unicode_form.ascii)
    assert unicode_form.ascii == punycode_form.ascii
    assert unicode_form.ascii.isascii()


def test_a_non_ascii_local_part_is_refused_saying_why() -> None:
    with pytest.raises(InvalidValue, match="Internationalized characters before the @-sign"):
        EmailAddress("élise@example.org")


def test_the_same_mailbox_counts_once_whatever_the_case_of_its_domain() -> None:
    addresses = [EmailAddress(a) for a in ["alice@example.org", "alice@example.org", "alice@EXAMPLE.org"]]
    assert distinct(addresses) == (addresses[0],)


def test_local_parts_that_differ_in_case_are_two_mailboxes() -> None:  # RFC 5321 section 2.4
    assert len(distinct([EmailAddress("Alice@example.org"), EmailAddress("alice@example.org")])) == 2


@given(st.lists(st.tuples(LOCAL_PARTS, DOMAINS, st.booleans()), min_size=1, max_size=20))
def test_distinct_keeps_each_mailbox_once_and_drops_none(parts: list[tuple[str, str, bool]]) -> None:
    addresses = [valid(f"{local}@{domain.upper() if shout else domain}") for local, domain, shout in parts]
    kept = distinct(addresses)
    assert len({a.ascii for a in kept}) == len(kept)
    assert {a.ascii for a in kept} == {a.ascii for a in addresses}


def test_a_short_phone_number_shows_four_of_its_digits() -> None:
    assert PhoneNumber("+1234567").masked == "+***4567"
    assert PhoneNumber("+15551234567").masked == "+*******4567"


@given(E164)
def test_a_masked_number_shows_at_most_four_digits_and_hides_at_least_three(number: str) -> None:
    mask = PhoneNumber(number).masked
    assert len(re.findall(r"[0-9]", mask)) <= 4
    assert mask.count("*") >= 3
    assert mask.endswith(number[-4:])


def test_a_one_character_local_part_is_hidden_whole() -> None:
    assert EmailAddress("a@example.org").masked == "***@example.org"
    assert EmailAddress("alice@example.org").masked == "a***@example.org"


@given(st.emails())
def test_a_masked_address_shows_at_most_the_first_character_of_its_local_part(value: str) -> None:
    address = valid(value)
    local, domain = value.rsplit("@", 1)
    shown, _, masked_domain = address.masked.partition("***@")
    assert shown in ("", local[0])
    assert len(shown) < len(local)
    assert masked_domain == domain


def test_a_reply_quoting_the_ascii_form_of_an_address_is_masked() -> None:
    address = EmailAddress("alice@пример.рф")
    reply = masked("550 <alice@xn--e1afmkfd.xn--p1ai> unknown; alice@пример.рф", [address])
    assert "alice" not in reply


def test_a_mailbox_reads_a_quoted_display_name_and_an_address() -> None:
    mailbox = Mailbox.parse('"Zoë Bänk, Inc." <no-reply@example.org>')
    assert (mailbox.display_name, mailbox.address.value) == ("Zoë Bänk, Inc.", "no-reply@example.org")


@pytest.mark.parametrize(
    "text",
    [
        "Zoë Bänk, Inc. <no-reply@example.org>",
        "Bank, Inc. <no-reply@example.org>",
        "a@example.org, b@example.org",
    ],
)
def test_a_mailbox_with_an_unquoted_comma_or_two_addresses_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue, match="is not one address"):
        Mailbox.parse(text)
