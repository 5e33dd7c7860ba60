"""WhatsApp templates over the API, and the read receipt in the status view."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.unit.conftest import EMAIL, PROBLEM

CONTENT_SID = "HX" + "b" * 32
TEMPLATE = {
    "channel": "whatsapp",
    "to": "+447911123456",
    "template": {"content_sid": CONTENT_SID, "variables": {"1": "12/1", "2": "3pm"}},
}


def test_a_whatsapp_template_is_accepted_and_recorded_with_its_variables(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    answer = client.post("/v1/notifications", json=TEMPLATE, headers=auth)
    assert answer.status_code == 202, answer.text
    events = client.get(f"{answer.headers['Location']}/events", headers=auth).json()
    assert events[0]["data"]["message"] == {
        "to": "+447911123456",
        "template": {"content_sid": CONTENT_SID, "variables": {"1": "12/1", "2": "3pm"}},
    }


def test_a_whatsapp_body_is_recorded_as_before(client: TestClient[Litestar], auth: dict[str, str]) -> None:
    body = {"channel": "whatsapp", "to": "+447911123456", "body": "Hello"}
    answer = client.post("/v1/notifications", json=body, headers=auth)
    events = client.get(f"{answer.headers['Location']}/events", headers=auth).json()
    assert events[0]["data"]["message"] == {"to": "+447911123456", "body": "Hello"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({**TEMPLATE, "body": "Hello"}, "body", id="body and template"),
        pytest.param({"channel": "whatsapp", "to": "+447911123456"}, "body", id="neither"),
        pytest.param(
            {**TEMPLATE, "template": {"content_sid": "MG" + "b" * 32}}, "template.content_sid", id="bad sid"
        ),
        pytest.param(
            {**TEMPLATE, "template": {"content_sid": CONTENT_SID, "variables": {"1": " "}}},
            "template.variables.1",
            id="blank variable",
        ),
        pytest.param(
            {**TEMPLATE, "template": {"content_sid": CONTENT_SID, "variables": {"1": 5}}},
            "template.variables.1",
            id="variable not a string",
        ),
    ],
)
def test_a_bad_whatsapp_message_is_refused_naming_the_field(
    client: TestClient[Litestar], auth: dict[str, str], body: dict[str, Any], field: str
) -> None:
    answer = client.post("/v1/notifications", json=body, headers=auth)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == PROBLEM
    assert [p["name"] for p in answer.json()["invalid_params"]] == [field]


@pytest.mark.parametrize(("asked", "said"), [(True, True), (False, False)])
def test_the_status_says_whether_a_read_receipt_was_requested(
    client: TestClient[Litestar], auth: dict[str, str], asked: bool, said: bool
) -> None:
    answer = client.post("/v1/notifications", json={**EMAIL, "read_receipt": asked}, headers=auth)
    assert answer.json()["read_receipt_requested"] is said
    assert client.get(answer.headers["Location"], headers=auth).json()["read_receipt_requested"] is said
