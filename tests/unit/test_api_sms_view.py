"""The status view of an SMS says its encoding, its length and how many segments it is sent as."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.unit.conftest import EMAIL, SMS, WHATSAPP


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("Your code is 123456", {"encoding": "GSM-7", "length": 19, "segments": 1}, id="short"),
        pytest.param("x" * 161, {"encoding": "GSM-7", "length": 161, "segments": 2}, id="161 septets"),
        pytest.param(
            "€" * 80, {"encoding": "GSM-7", "length": 160, "segments": 1}, id="80 extension characters"
        ),
        pytest.param("\U0001f600" * 35, {"encoding": "UCS-2", "length": 70, "segments": 1}, id="35 emoji"),
        pytest.param("\U0001f600" * 36, {"encoding": "UCS-2", "length": 72, "segments": 2}, id="36 emoji"),
    ],
)
def test_an_sms_status_says_its_encoding_length_and_segments(
    client: TestClient[Litestar], auth: dict[str, str], body: str, expected: dict[str, Any]
) -> None:
    accepted = client.post("/v1/notifications", json={**SMS, "body": body}, headers=auth)

    status = client.get(accepted.headers["Location"], headers=auth).json()

    assert accepted.json()["sms"] == expected
    assert status["sms"] == expected


@pytest.mark.parametrize("body", [EMAIL, WHATSAPP], ids=["email", "whatsapp"])
def test_the_status_of_another_channel_has_no_sms_part(
    client: TestClient[Litestar], auth: dict[str, str], body: dict[str, Any]
) -> None:
    accepted = client.post("/v1/notifications", json=body, headers=auth)

    assert client.get(accepted.headers["Location"], headers=auth).json()["sms"] is None
