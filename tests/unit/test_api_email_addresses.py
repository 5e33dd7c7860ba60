"""Email addresses over HTTP: internationalized domains are taken as sent; what cannot be sent is a 400
naming the field."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.unit.conftest import EMAIL, PROBLEM

Stored = Callable[[], list[uuid.UUID]]


@pytest.mark.parametrize("address", ["alice@example.xn--p1ai", "alice@пример.рф", "Alice@Bücher.de"])
def test_an_address_on_an_internationalized_domain_is_accepted_and_kept_as_sent(
    client: TestClient[Litestar], auth: dict[str, str], address: str
) -> None:
    response = client.post("/v1/notifications", json={**EMAIL, "to": [address]}, headers=auth)
    assert response.status_code == 202
    events = client.get(f"{response.headers['Location']}/events", headers=auth).json()
    assert events[0]["data"]["message"]["to"] == [address]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({**EMAIL, "to": ["élise@example.org"]}, "to[0]", "Internationalized characters before the @-sign"),
        ({**EMAIL, "cc": ["a@localhost"]}, "cc[0]", "It should have a period"),
        ({**EMAIL, "text": " \n\t ", "html": None}, "text", "needs a non-empty text or html part"),
    ],
    ids=["non-ascii local part", "dotless domain", "white space text only"],
)
def test_what_cannot_be_sent_is_refused_with_400_naming_the_field(
    client: TestClient[Litestar],
    auth: dict[str, str],
    stored: Stored,
    body: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    response = client.post("/v1/notifications", json=body, headers=auth)
    assert (response.status_code, response.headers["Content-Type"]) == (400, PROBLEM)
    [param] = response.json()["invalid_params"]
    assert param["name"] == field and reason in param["reason"]
    assert stored() == []
