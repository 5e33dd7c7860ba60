"""Header values are read without the whitespace around them (RFC 9110 §5.5), and counted in
characters."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.exceptions import ValidationException
from litestar.testing import TestClient

from entrypoints.http.headers import idempotency_key
from tests.unit.conftest import PROBLEM, SMS

Stored = Callable[[], list[uuid.UUID]]
whitespace = st.text(st.sampled_from(" \t"), max_size=3)
keys = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)


def send(client: TestClient[Litestar], headers: dict[str, str | bytes]) -> dict[str, str]:
    response = client.post("/v1/notifications", json=SMS, headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 202, response.text
    return dict(response.json())


def test_a_key_with_a_trailing_space_is_the_same_key(
    client: TestClient[Litestar], auth: dict[str, str], stored: Stored
) -> None:
    first = send(client, {**auth, "Idempotency-Key": "k1"})
    second = send(client, {**auth, "Idempotency-Key": "k1 "})
    assert first["id"] == second["id"]
    assert len(stored()) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=keys, before=whitespace, after=whitespace)
def test_whitespace_around_a_key_does_not_make_another_notification(
    client: TestClient[Litestar], auth: dict[str, str], key: str, before: str, after: str
) -> None:
    plain = send(client, {**auth, "Idempotency-Key": key})
    padded = send(client, {**auth, "Idempotency-Key": before + key + after})
    assert padded["id"] == plain["id"]


def test_a_key_is_counted_in_characters_of_utf8(client: TestClient[Litestar], auth: dict[str, str]) -> None:
    send(client, {**auth, "Idempotency-Key": ("é" * 130).encode()})
    send(client, {**auth, "Idempotency-Key": ("é" * 255).encode()})
    response = client.post(
        "/v1/notifications", json=SMS, headers={**auth, "Idempotency-Key": ("é" * 256).encode()}
    )  # type: ignore[dict-item]
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "idempotency_key"


def test_a_blank_key_is_refused_with_400_naming_it(
    client: TestClient[Litestar], auth: dict[str, str], stored: Stored
) -> None:
    response = client.post("/v1/notifications", json=SMS, headers={**auth, "Idempotency-Key": " \t "})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["invalid_params"][0]["name"] == "idempotency_key"
    assert stored() == []


def test_a_key_whose_bytes_are_not_utf8_is_refused_naming_it() -> None:
    # Litestar's test client re-encodes header values as UTF-8, so the bytes are given as Litestar
    # decodes them: latin-1, one character a byte.
    with pytest.raises(ValidationException) as refused:
        idempotency_key(b"caf\xe9".decode("latin-1"))
    assert refused.value.extra == [{"key": "idempotency_key", "message": "is not UTF-8"}]


def test_a_bearer_token_with_whitespace_around_it_authenticates(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    send(client, {"Authorization": f" \t{auth['Authorization']} \t"})


def test_a_request_id_with_whitespace_around_it_is_echoed_without_it(client: TestClient[Litestar]) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": " \tabc-123 "})
    assert response.headers["X-Request-ID"] == "abc-123"
