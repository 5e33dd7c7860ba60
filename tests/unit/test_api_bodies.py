"""Request bodies of any shape: never a 5xx, and JSON that a proxy could read otherwise is refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from entrypoints.http.json_bodies import MAX_DEPTH
from tests.unit.conftest import EMAIL, PROBLEM, SMS, WHATSAPP

Stored = Callable[[], list[uuid.UUID]]
TEMPLATE = {"channel": "whatsapp", "to": "+447911123456", "template": {"content_sid": "HX" + "0" * 32}}
BODIES = {"sms": SMS, "email": EMAIL, "whatsapp": WHATSAPP, "template": TEMPLATE}
ANY_TEST = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


def post(client: TestClient[Litestar], auth: dict[str, str], content: bytes) -> Any:
    return client.post(
        "/v1/notifications", content=content, headers={**auth, "Content-Type": "application/json"}
    )


def assert_refused_naming(response: Any, field: str | None = None) -> None:
    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM
    problem = response.json()
    name = problem["invalid_params"][0]["name"]
    assert name and problem["detail"].startswith(f"{name}: ")
    if field is not None:
        assert name == field


def nested(depth: int) -> bytes:
    return ('{"channel":"sms","to":"+15551234567","body":' + "[" * depth + "]" * depth + "}").encode()


@pytest.mark.parametrize("depth", [1000, 900, MAX_DEPTH])
def test_a_body_nested_deeply_in_a_field_is_refused_with_400_and_stores_nothing(
    client: TestClient[Litestar], auth: dict[str, str], stored: Stored, depth: int
) -> None:
    assert_refused_naming(post(client, auth, nested(depth)), "body")
    assert stored() == []


def test_nesting_past_the_limit_is_refused_naming_the_field_it_is_in(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    variables = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    body = '{"channel":"whatsapp","to":"+447911123456","template":{"content_sid":"HX%s","variables":%s}}'
    response = post(client, auth, (body % ("0" * 32, variables)).encode())
    assert_refused_naming(response, "template")
    assert "nests deeper than" in response.json()["detail"]


@ANY_TEST
@given(content=st.binary(max_size=300))
def test_no_bytes_make_a_server_error(
    client: TestClient[Litestar], auth: dict[str, str], content: bytes
) -> None:
    response = post(client, auth, content)
    assert response.status_code < 500
    if response.status_code == 400:
        assert_refused_naming(response)


@ANY_TEST
@given(
    channel=st.sampled_from(sorted(BODIES)),
    field=st.sampled_from(["channel", "to", "body", "subject", "cc", "template", "reference", "text", "x"]),
    value=json_values,
)
def test_no_json_value_in_any_field_makes_a_server_error(
    client: TestClient[Litestar], auth: dict[str, str], channel: str, field: str, value: Any
) -> None:
    response = post(client, auth, json.dumps({**BODIES[channel], field: value}).encode())
    assert response.status_code < 500
    if response.status_code == 400:
        assert_refused_naming(response)


@ANY_TEST
@given(
    channel=st.sampled_from(sorted(BODIES)),
    field=st.sampled_from(["to", "body", "template"]),
    depth=st.integers(1, 3000),
)
def test_no_nesting_at_any_depth_makes_a_server_error(
    client: TestClient[Litestar], auth: dict[str, str], channel: str, field: str, depth: int
) -> None:
    value = "[" * depth + "]" * depth
    body = json.dumps({**BODIES[channel], field: None}).replace("null", value)
    response = post(client, auth, body.encode())
    assert response.status_code < 500
    if response.status_code == 400:
        assert_refused_naming(response)


@ANY_TEST
@given(top=json_values)
def test_no_json_document_makes_a_server_error(
    client: TestClient[Litestar], auth: dict[str, str], top: Any
) -> None:
    response = post(client, auth, json.dumps(top).encode())
    assert response.status_code < 500
    if response.status_code == 400:
        assert_refused_naming(response)


def test_a_repeated_name_is_refused_with_400_naming_it_and_sends_to_no_one(
    client: TestClient[Litestar], auth: dict[str, str], stored: Stored
) -> None:
    content = b'{"channel":"sms","to":"+15551234567","body":"x","to":"+15559999999"}'
    assert_refused_naming(post(client, auth, content), "to")
    assert stored() == []


def test_a_repeated_name_before_deep_nesting_is_refused_with_400(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    content = b'{"channel":"sms","x":{"a":1,"a":2},"to":' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert_refused_naming(post(client, auth, content))


def render(value: Any, path: tuple[str, ...], name: str, repeat: Any) -> str:
    """JSON text of `value` whose object at `path` carries `name` once more, with `repeat`."""
    if not isinstance(value, dict):
        return json.dumps(value)
    members = [
        f"{json.dumps(key)}:{render(item, path[1:] if path and path[0] == key else (), name, repeat)}"
        for key, item in value.items()
    ]
    if path == ():
        members.append(f"{json.dumps(name)}:{json.dumps(repeat)}")
    return "{" + ",".join(members) + "}"


WITH_VARIABLES = {**TEMPLATE, "template": {**TEMPLATE["template"], "variables": {"1": "12/1", "2": "3pm"}}}
PLACES = [
    (SMS, ()),
    (EMAIL, ()),
    (WHATSAPP, ()),
    (WITH_VARIABLES, ("template",)),
    (WITH_VARIABLES, ("template", "variables")),
]


@ANY_TEST
@given(place=st.sampled_from(PLACES), data=st.data(), repeat=json_values)
def test_a_name_repeated_in_any_object_is_refused_naming_its_path(
    client: TestClient[Litestar],
    auth: dict[str, str],
    place: tuple[dict[str, Any], tuple[str, ...]],
    data: st.DataObject,
    repeat: Any,
) -> None:
    body, path = place
    target = body
    for key in path:
        target = target[key]
    name = data.draw(st.sampled_from(sorted(target)))
    response = post(client, auth, render(body, path, name, repeat).encode())
    assert_refused_naming(response, ".".join((*path, name)))
    assert "is repeated" in response.json()["detail"]
