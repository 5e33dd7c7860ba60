"""Every 400 names the field that holds the bad value, by its path, and the rule that failed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from tests.unit.conftest import EMAIL, SMS, WHATSAPP

SID = "HX" + "0" * 32
TEMPLATE = {
    "channel": "whatsapp",
    "to": "+15551234567",
    "template": {"content_sid": SID, "variables": {"1": "a"}},
}


def post_raw(client: TestClient[Litestar], auth: dict[str, str], raw: str) -> dict[str, Any]:
    headers = {**auth, "Content-Type": "application/json"}
    response = client.post("/v1/notifications", content=raw.encode(), headers=headers)
    assert response.status_code == 400
    problem: dict[str, Any] = response.json()
    return problem


@pytest.mark.parametrize(
    ("raw", "field", "rule"),
    [
        pytest.param(
            json.dumps({**TEMPLATE, "template": {"content_sid": "HX123"}}),
            "template.content_sid",
            "Content SID",
            id="bad content_sid",
        ),
        pytest.param(json.dumps({**EMAIL, "cc": ["c@example.org"] * 5000}), "cc", "50", id="5000 cc"),
        pytest.param(
            json.dumps(EMAIL).replace('"Your statement', '"\\ud800Your statement'),
            "subject",
            "surrogate",
            id="lone surrogate in subject",
        ),
        pytest.param(
            json.dumps(SMS).replace('"sms-1"', '"a\\ud800b"'),
            "reference",
            "surrogate",
            id="lone surrogate in the last field",
        ),
        pytest.param(
            json.dumps(SMS).replace('"sms-1"', "1e999"), "reference", "out of range", id="1e999 in reference"
        ),
        pytest.param(
            json.dumps(SMS).replace('"sms-1"', "1" + "0" * 400),
            "reference",
            "str",
            id="huge integer in reference",
        ),
        pytest.param(json.dumps({**SMS, "body": "a\u0000b"}), "body", "U+0000", id="NUL in sms body"),
        pytest.param(
            json.dumps({**WHATSAPP, "body": "a\u0000b"}), "body", "U+0000", id="NUL in whatsapp body"
        ),
        pytest.param(json.dumps({**EMAIL, "text": "a\u0000b"}), "text", "U+0000", id="NUL in email text"),
        pytest.param(json.dumps({**EMAIL, "html": "a\u0000b"}), "html", "U+0000", id="NUL in email html"),
        pytest.param(
            json.dumps({**TEMPLATE, "template": {"content_sid": SID, "variables": {"name": "a\u0000b"}}}),
            "template.variables.name",
            "U+0000",
            id="NUL in a template variable",
        ),
        pytest.param(
            json.dumps({**SMS, "body": "\U0001f600" * 1600}), "body", "3200 UTF-16 units", id="1600 emoji"
        ),
    ],
)
def test_a_bad_value_is_reported_under_its_own_field_with_its_rule(
    client: TestClient[Litestar], auth: dict[str, str], raw: str, field: str, rule: str
) -> None:
    problem = post_raw(client, auth, raw)

    assert problem["invalid_params"] == [{"name": field, "reason": problem["invalid_params"][0]["reason"]}]
    assert rule in problem["invalid_params"][0]["reason"]
    assert problem["detail"].startswith(f"{field}: ")


@pytest.mark.parametrize("loose", [0, 1, "true", "false", "0", "1", 0.0])
def test_a_value_that_is_not_a_json_boolean_is_refused_for_read_receipt_not_read_as_one(
    client: TestClient[Litestar], auth: dict[str, str], loose: Any
) -> None:
    problem = post_raw(client, auth, json.dumps({**EMAIL, "read_receipt": loose}))

    assert problem["invalid_params"][0]["name"] == "read_receipt"
    assert "bool" in problem["invalid_params"][0]["reason"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=3), children, max_size=2)
    ),
    max_leaves=4,
)
not_string = json_values.filter(lambda v: v is not None and not isinstance(v, str))
with_control = st.tuples(st.text("ab", min_size=1, max_size=3), st.sampled_from("\x00\x01\x1b\x7f\x85")).map(
    "".join
)


def put(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(body: dict[str, Any]) -> dict[str, Any]:
        body = json.loads(json.dumps(body))
        *parents, last = path
        target: Any = body
        for step in parents:
            target = target[step]
        target[last] = value
        return body

    return change


# (request, field path as sent, its path in the body, bad values)
FIELDS: list[tuple[dict[str, Any], str, list[str | int], st.SearchStrategy[Any]]] = [
    (SMS, "to", ["to"], not_string | st.just("5551234567")),
    (SMS, "body", ["body"], not_string | with_control | st.just("\U0001f600" * 801)),
    (SMS, "reference", ["reference"], not_string | with_control | st.just("r" * 129)),
    (EMAIL, "to", ["to"], json_values.filter(lambda v: not isinstance(v, list))),
    (EMAIL, "to[0]", ["to", 0], not_string | st.just("nope")),
    (EMAIL, "cc[0]", ["cc", 0], not_string | st.just("nope")),
    (EMAIL, "bcc[0]", ["bcc", 0], not_string | st.just("nope")),
    (EMAIL, "subject", ["subject"], not_string | with_control | st.just("a\nb")),
    (EMAIL, "text", ["text"], not_string | with_control),
    (EMAIL, "html", ["html"], not_string | with_control),
    (EMAIL, "reply_to", ["reply_to"], not_string | st.just("nope")),
    (
        EMAIL,
        "read_receipt",
        ["read_receipt"],
        json_values.filter(lambda v: not isinstance(v, bool)) | st.sampled_from([0, 1, "true", "0", 1.0]),
    ),
    (EMAIL, "reference", ["reference"], not_string | with_control),
    (WHATSAPP, "to", ["to"], not_string | st.just("+1 555")),
    (WHATSAPP, "body", ["body"], not_string | with_control),
    (
        TEMPLATE,
        "template",
        ["template"],
        json_values.filter(lambda v: v is not None and not isinstance(v, dict)),
    ),
    (TEMPLATE, "template.content_sid", ["template", "content_sid"], not_string | st.just("HX1")),
    (
        TEMPLATE,
        "template.variables",
        ["template", "variables"],
        json_values.filter(lambda v: v is not None and not isinstance(v, dict)),
    ),
    (
        TEMPLATE,
        "template.variables.1",
        ["template", "variables", "1"],
        not_string | with_control | st.just("a\nb"),
    ),
]


@hypothesis.settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), case=st.sampled_from(FIELDS))
def test_a_bad_value_in_any_field_of_any_request_is_refused_naming_that_field(
    client: TestClient[Litestar],
    auth: dict[str, str],
    data: st.DataObject,
    case: tuple[dict[str, Any], str, list[str | int], st.SearchStrategy[Any]],
) -> None:
    request, field, path, bad_values = case
    body = put(path, data.draw(bad_values))(request)

    problem = post_raw(client, auth, json.dumps(body))

    assert problem["invalid_params"][0]["name"] == field
    assert problem["detail"].startswith(f"{field}: ")
