"""The JSON routes' request bodies: checked for their media type, repeated names and depth before
Litestar decodes them with msgspec."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

MAX_DEPTH = 32
ACCEPTED = "application/json"


async def check_json_body(request: Request[Any, Any, Any]) -> None:
    """A `before_request` hook for routes that take a JSON body.

    Raises a 415 HTTPException with `Accept-Post: application/json` unless the Content-Type is
    `application/json` or `application/…+json` (RFC 6839 §3.1) with no charset or UTF-8 (RFC 8259
    §8.1), and a 400 ValidationException naming the field for a body that is not JSON, repeats a
    name in an object (RFC 8259 §4: names SHOULD be unique; a proxy reading the first value would
    see another request), or nests more than MAX_DEPTH arrays and objects. An empty body without a
    Content-Type has no media type to refuse (RFC 9110 §8.3): Litestar answers 400 for it.
    """
    body = await request.body()
    if body or "content-type" in request.headers:
        _check_media_type(*request.content_type)
    if body:
        check_json(body)


def checking_json_body_as(shape: Any) -> Callable[[Request[Any, Any, Any]], Awaitable[None]]:
    """A `before_request` hook: `check_json_body`, then the body decoded strictly as `shape`.

    Litestar converts request bodies leniently (msgspec's `strict=False`: `0` or `"true"` for a
    boolean); the description says `type: boolean`, so a value of another JSON type is refused with
    a 400 ValidationException naming its field, as msgspec's strict decoding does.
    """

    async def check(request: Request[Any, Any, Any]) -> None:
        await check_json_body(request)
        body = await request.body()
        if body:
            _decode_strictly(body, shape)

    return check


def _decode_strictly(body: bytes, shape: Any) -> None:
    try:
        msgspec.json.decode(body, type=shape)
    except msgspec.ValidationError as error:
        rule, _, path = str(error).partition(" - at `$")
        if rule.startswith("Number out of range"):  # Litestar names its field and expected type
            return
        field = path.rstrip("`").lstrip(".") or "data"
        raise ValidationException(detail=str(error), extra=[{"key": field, "message": rule}]) from None
    except msgspec.DecodeError:  # what msgspec cannot read (a lone surrogate): Litestar names its field
        return


def _check_media_type(media_type: str, options: dict[str, str]) -> None:
    if not _is_json(media_type) or options.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"the body must be {ACCEPTED} in UTF-8, not {_named(media_type, options)}",
            headers={"Accept-Post": ACCEPTED},
        )


def check_json(body: bytes) -> None:
    """Raises ValidationException naming the field unless `body` is JSON with distinct names in each
    object and at most MAX_DEPTH levels of arrays and objects.

    The standard library's decoder is the check: its `object_pairs_hook` sees every object's names
    (msgspec keeps the last of repeated names and cannot tell). One decoder made once: `json.loads`
    with a hook makes a new one each call, which cost 15 us of the 16.
    """
    try:
        value = _DECODER.decode(body.decode())
    except _RepeatedName:
        raise _invalid(_repeated_name(body), "is repeated; a name may appear once in an object") from None
    except RecursionError:
        raise _invalid("body", f"nests deeper than {MAX_DEPTH} arrays and objects") from None
    except ValueError:  # not JSON, or not UTF-8
        raise _invalid("body", "is not valid JSON") from None
    # Each level opens with a bracket, so a body with few brackets cannot nest deeply; the walk
    # (2 us on a typical body) runs only for the others.
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        raise _invalid(_deep_field(value), f"nests deeper than {MAX_DEPTH} arrays and objects")


def _named(media_type: str, options: dict[str, str]) -> str:
    if not media_type:
        return "without a Content-Type"
    return f"{media_type}; charset={options['charset']}" if "charset" in options else media_type


def _is_json(media_type: str) -> bool:
    return media_type == ACCEPTED or (media_type.startswith("application/") and media_type.endswith("+json"))


class _RepeatedName(Exception):
    pass


class _Pairs(list[tuple[str, Any]]):
    """An object as its decoder saw it, repeated names included."""


def _distinct_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _RepeatedName
    return value


_DECODER = json.JSONDecoder(object_pairs_hook=_distinct_names)


def _repeated_name(body: bytes) -> str:
    """The path of the first repeated name, as `template.variables.1` or `to[0].x`."""
    try:  # the check stopped at the repeat: what follows it may nest too deeply
        pending = deque([("", json.loads(body, object_pairs_hook=_Pairs))])
    except RecursionError:
        return "body"
    while pending:
        path, value = pending.popleft()
        if isinstance(value, _Pairs):
            seen: set[str] = set()
            for name, _ in value:
                if name in seen:
                    return f"{path}.{name}".lstrip(".")
                seen.add(name)
            pending += [(f"{path}.{name}", item) for name, item in value]
        elif isinstance(value, list):
            pending += [(f"{path}[{index}]", item) for index, item in enumerate(value)]
    return "body"  # not reached: the hook found a repeated name


def _children(value: Any) -> Any:
    if isinstance(value, dict):
        return value.values()
    return value if isinstance(value, list) else ()


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels in `value`, counted level by level
    (no recursion, so no RecursionError)."""
    layer, depth = [value], 0
    while layer := [item for item in layer if isinstance(item, dict | list)]:
        depth += 1
        if depth > limit:
            return True
        layer = [child for item in layer for child in _children(item)]
    return False


def _deep_field(value: Any) -> str:
    if isinstance(value, dict):
        return next((name for name, item in value.items() if _deeper_than(item, MAX_DEPTH - 1)), "body")
    return "body"


def _invalid(field: str, reason: str) -> ValidationException:
    return ValidationException(detail=f"{field}: {reason}", extra=[{"key": field, "message": reason}])
