"""The JSON routes take JSON in UTF-8 only: any other media type is 415, saying what is taken."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from tests.unit.conftest import PROBLEM, SMS

Stored = Callable[[], list[uuid.UUID]]
BODY = json.dumps(SMS).encode()
ACCEPTED = [
    "application/json",
    "application/json; charset=utf-8",
    'application/json; charset="UTF-8"',
    "Application/JSON",
    "application/vnd.x+json",
    "application/problem+json; charset=utf-8",
]
REFUSED = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin-1",
    "application/json; charset=utf-16",
    "application/xml",
    "text/json",
    "application/jsonx",
]


def post(client: TestClient[Litestar], auth: dict[str, str], content_type: str | None) -> httpx.Response:
    headers = {**auth, **({"Content-Type": content_type} if content_type is not None else {})}
    return client.post("/v1/notifications", content=BODY, headers=headers)


def assert_unsupported(response: httpx.Response) -> None:
    assert response.status_code == 415
    assert response.headers["Content-Type"] == PROBLEM
    assert response.headers["Accept-Post"] == "application/json"
    assert response.json()["status"] == 415


@pytest.mark.parametrize("content_type", ACCEPTED)
def test_json_in_utf8_is_accepted_under_any_json_media_type(
    client: TestClient[Litestar], auth: dict[str, str], content_type: str
) -> None:
    assert post(client, auth, content_type).status_code == 202


@pytest.mark.parametrize("content_type", [*REFUSED, None])
def test_another_media_type_or_none_is_refused_with_415_and_stores_nothing(
    client: TestClient[Litestar], auth: dict[str, str], stored: Stored, content_type: str | None
) -> None:
    assert_unsupported(post(client, auth, content_type))
    assert stored() == []


token = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789.-+"), min_size=1, max_size=12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(type_=token, subtype=token, charset=st.none() | token)
def test_a_media_type_is_accepted_exactly_when_it_is_json_in_utf8(
    client: TestClient[Litestar], auth: dict[str, str], type_: str, subtype: str, charset: str | None
) -> None:
    content_type = f"{type_}/{subtype}" + (f"; charset={charset}" if charset else "")
    is_json = type_ == "application" and (subtype == "json" or subtype.endswith("+json"))
    response = post(client, auth, content_type)
    if is_json and charset in (None, "utf-8", "utf8"):
        assert response.status_code in (202, 400)
    else:
        assert_unsupported(response)


def test_the_refusal_names_the_charset_that_caused_it(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    answer = post(client, auth, "application/json; charset=latin-1")

    assert answer.status_code == 415
    assert answer.json()["detail"].endswith("not application/json; charset=latin-1")
