"""An SMS is measured as the carrier measures it: GSM-7 septets or UTF-16 units, in segments of
160/153 or 70/67, and its body is limited to 1,600 of those units."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.messages import MAX_SMS_BODY, InvalidMessage, PhoneNumber, Sms
from domain.sms_length import SmsEncoding, SmsLength, measure

PHONE = PhoneNumber("+15551234567")
# 3GPP TS 23.038 section 6.2.1: the default alphabet (without its escape, 0x1B) and the extension table
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "\f^{}\\[]~|€"
EMOJI = "\U0001f600"


def reference_length(body: str) -> SmsLength:
    """Splits the body into segments character by character, as a carrier does."""
    gsm = all(c in GSM_BASIC or c in GSM_EXTENSION for c in body)
    sizes = [(2 if c in GSM_EXTENSION else 1) if gsm else len(c.encode("utf-16-le")) // 2 for c in body]
    single, each = (160, 153) if gsm else (70, 67)
    segments: list[int] = [0]
    for size in sizes:
        if segments[-1] + size > each:
            segments.append(0)
        segments[-1] += size
    units = sum(sizes)
    return SmsLength(
        SmsEncoding.GSM7 if gsm else SmsEncoding.UCS2, units, 1 if units <= single else len(segments)
    )


def test_the_reference_alphabet_is_the_standards_127_characters_and_10_extensions() -> None:
    assert (len(set(GSM_BASIC)), len(set(GSM_EXTENSION))) == (127, 10)


def test_1600_emoji_are_refused_as_3200_utf16_units() -> None:
    with pytest.raises(InvalidMessage) as refused:
        Sms(PHONE, EMOJI * 1600)

    assert refused.value.field == "body"
    assert "3200 UTF-16 units" in refused.value.reason


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        pytest.param("x" * 1600, True, id="1600 GSM-7 characters"),
        pytest.param("€" * 800, True, id="800 extension characters are 1600 septets"),
        pytest.param("€" * 800 + "x", False, id="1601 septets in 801 characters"),
        pytest.param(EMOJI * 800, True, id="800 emoji are 1600 UTF-16 units"),
        pytest.param(EMOJI * 800 + "x", False, id="1601 UTF-16 units"),
        pytest.param("ç" * 1600, True, id="1600 UCS-2 characters of the BMP"),
    ],
)
def test_the_sms_limit_is_applied_in_the_units_of_the_bodys_encoding(body: str, accepted: bool) -> None:
    if accepted:
        assert Sms(PHONE, body).length.units == MAX_SMS_BODY
    else:
        with pytest.raises(InvalidMessage):
            Sms(PHONE, body)


alphabet = (
    st.sampled_from(GSM_BASIC)
    | st.sampled_from(GSM_EXTENSION)
    | st.sampled_from("çâ\u2019\u201cßЖ中" + EMOJI + "\U0001f44d")
)
gsm_heavy = st.text(st.sampled_from(GSM_BASIC) | st.sampled_from(GSM_EXTENSION), max_size=1700)
any_body = st.text(alphabet, max_size=1700) | gsm_heavy


@given(any_body)
def test_an_sms_is_measured_as_the_reference_segmenter_measures_it(body: str) -> None:
    assert measure(body) == reference_length(body)


@given(st.integers(min_value=1, max_value=1600), st.sampled_from(["x", "ç"]))
def test_segments_hold_160_or_153_septets_and_70_or_67_units(length: int, character: str) -> None:
    single, each = (160, 153) if character == "x" else (70, 67)

    segments = measure(character * length).segments

    assert segments == (1 if length <= single else math.ceil(length / each))


@given(st.integers(min_value=0, max_value=300))
def test_an_extension_character_is_not_split_across_two_segments(padding: int) -> None:
    body = "x" * padding + "€" * 200

    assert measure(body).segments == reference_length(body).segments


@given(any_body.filter(lambda body: body.strip() and "\f" not in body))  # form feed is a refused control
def test_an_sms_is_accepted_exactly_when_its_length_in_units_is_within_the_limit(body: str) -> None:
    within = reference_length(body).units <= MAX_SMS_BODY
    try:
        Sms(PHONE, body)
    except InvalidMessage as refused:
        assert not within and refused.value.field == "body"
    else:
        assert within
