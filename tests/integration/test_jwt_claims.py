"""Claims of a correctly signed token: whatever their values, a token is accepted or refused as
InvalidToken, never with another error; dates out of range or in the future are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.jwt_tokens import CLOCK_LEEWAY, JoseTokenAuthority
from application.errors import InvalidToken

SECRET = "s" * 40
ISSUER, AUDIENCE = "notifications", "notifications-api"
YEAR = 365 * 24 * 3600
LEEWAY = int(CLOCK_LEEWAY.total_seconds())
CLAIMS = ("exp", "iat", "nbf", "aud", "iss", "sub", "jti", "scope")
DATES = ("exp", "iat", "nbf")


def authority() -> JoseTokenAuthority:
    return JoseTokenAuthority("HS256", SECRET, SECRET, ISSUER, AUDIENCE)


def valid_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "bank", "jti": str(uuid.uuid4())}
    return claims | {"iat": now, "exp": now + 3600, "scope": "notifications:send"} | overrides


def signed(payload: bytes) -> str:
    """An HS256 token over exactly these payload bytes, so that raw JSON such as `1e999` can be sent."""

    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    header = part(b'{"alg":"HS256","typ":"JWT"}')
    signing_input = header + b"." + part(payload)
    signature = hmac.new(SECRET.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + part(signature)).decode()


def with_raw_claim(name: str, raw_json: str) -> str:
    """A token whose claim `name` is the raw JSON text given, the other claims valid."""
    others = json.dumps({key: value for key, value in valid_claims().items() if key != name})
    return signed(f'{others[:-1]}, "{name}": {raw_json}}}'.encode())


@pytest.mark.parametrize(
    ("name", "raw_json"),
    [
        ("exp", "100000000000000000000"),
        ("exp", "1e999"),
        ("exp", "-1e999"),
        ("iat", "100000000000000000000"),
        ("iat", "-100000000000000000000"),
        ("iat", "1e999"),
        ("nbf", "1e999"),
        ("exp", "253402300800"),  # the first second of the year 10000
    ],
)
def test_a_date_claim_out_of_any_range_is_refused_as_an_invalid_token(name: str, raw_json: str) -> None:
    with pytest.raises(InvalidToken):
        authority().verify(with_raw_claim(name, raw_json))


@pytest.mark.parametrize("name", ["iat", "nbf"])
def test_a_token_issued_a_year_in_the_future_is_refused(name: str) -> None:
    token = signed(json.dumps(valid_claims(**{name: int(time.time()) + YEAR})).encode())

    with pytest.raises(InvalidToken, match=r"future|not yet valid"):
        authority().verify(token)


@pytest.mark.parametrize("name", ["iat", "nbf"])
def test_a_token_issued_beyond_the_clock_leeway_is_refused_and_within_it_accepted(name: str) -> None:
    now = int(time.time())
    beyond = signed(json.dumps(valid_claims(**{name: now + LEEWAY + 5})).encode())
    within = signed(json.dumps(valid_claims(**{name: now + LEEWAY - 5})).encode())

    with pytest.raises(InvalidToken):
        authority().verify(beyond)
    assert authority().verify(within).client == "bank"


def acceptable(name: str, value: Any) -> bool:
    """What a claim may hold in a token that is accepted."""
    if name in DATES:
        return type(value) is int
    if name == "aud":
        return value == AUDIENCE or (isinstance(value, list) and AUDIENCE in value)
    if name == "iss":
        return bool(value == ISSUER)
    if name == "jti":
        return isinstance(value, str) and uuid.UUID(value) is not None
    return isinstance(value, str)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
raw_numbers = st.from_regex(r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,5})?([eE][+-]?[0-9]{1,4})?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(CLAIMS), value=json_values)
def test_any_json_value_in_any_claim_is_accepted_or_refused_as_an_invalid_token(
    name: str, value: Any
) -> None:
    token = signed(json.dumps(valid_claims(**{name: value})).encode())

    try:
        authority().verify(token)
    except InvalidToken:
        return
    assert acceptable(name, value)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(DATES), raw_json=raw_numbers)
def test_any_json_number_in_a_date_claim_is_accepted_or_refused_as_an_invalid_token(
    name: str, raw_json: str
) -> None:
    try:
        authority().verify(with_raw_claim(name, raw_json))
    except InvalidToken:
        return
    assert raw_json.lstrip("-").isdigit()


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(DATES), value=json_values.filter(lambda v: type(v) is not int))
def test_a_date_claim_that_is_not_a_whole_number_is_refused(name: str, value: Any) -> None:
    with pytest.raises(InvalidToken):
        authority().verify(signed(json.dumps(valid_claims(**{name: value})).encode()))


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["iss", "sub", "jti", "scope"]),
    value=json_values.filter(lambda v: not isinstance(v, str)),
)
def test_a_string_claim_of_another_json_type_is_refused(name: str, value: Any) -> None:
    with pytest.raises(InvalidToken):
        authority().verify(signed(json.dumps(valid_claims(**{name: value})).encode()))


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(["iat", "nbf"]), ahead=st.integers(min_value=LEEWAY + 2, max_value=10**11))
def test_an_iat_or_nbf_later_than_the_leeway_is_refused(name: str, ahead: int) -> None:
    token = signed(json.dumps(valid_claims(**{name: int(time.time()) + ahead})).encode())

    with pytest.raises(InvalidToken):
        authority().verify(token)
